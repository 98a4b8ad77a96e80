import {appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {FileSource} from '../../../src/core/stream/sources/file-source.js'
import {StreamSource} from '../../../src/core/stream/sources/stream-source.js'
import {CollectingSink, sleep} from './live-sink.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flare-follow-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

const seq = (from: number, to: number) => Array.from({length: to - from}, (_, k) => `line ${from + k}`)

/** Appends `count` numbered lines, calling `rotate` at the given line numbers, with pauses so the follower runs meanwhile. */
async function writeWithRotations(path: string, count: number, rotations: Map<number, () => void | Promise<void>>): Promise<void> {
  for (let i = 0; i < count; i++) {
    await rotations.get(i)?.()
    appendFileSync(path, `line ${i}\n`)
    if (i % 37 === 0) await sleep(3)
  }
}

describe('FileSource', () => {
  it('starts at the end of a present file, reads appended lines, holds a partial line until its newline, strips CR', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, 'old 1\nold 2\n')
    const source = new FileSource(path, {pollMs: 20})
    const sink = new CollectingSink()
    await source.start(sink)
    appendFileSync(path, 'new 1\r\nnew ')
    await sleep(150)
    expect(sink.texts()).toEqual(['new 1'])
    appendFileSync(path, '2\n')
    await sink.waitFor(2)
    await source.stop()
    expect(sink.texts()).toEqual(['new 1', 'new 2'])
    expect(sink.lines[0].source).toBe(path)
  })

  it('fromStart reads what is there; a line over maxLineBytes is cut and counted', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, `short\n${'x'.repeat(100)}\nafter\n`)
    const source = new FileSource(path, {pollMs: 20, fromStart: true, maxLineBytes: 40})
    const sink = new CollectingSink()
    await source.start(sink)
    await sink.waitFor(3)
    await source.stop()
    expect(sink.texts()).toEqual(['short', 'x'.repeat(40), 'after'])
    expect(source.stats().truncated).toBe(1)
    expect(source.stats().lines).toBe(3)
  })

  it('waits for a file that does not exist yet and reads it from its start', async () => {
    const path = join(dir, 'later.log')
    const source = new FileSource(path, {pollMs: 20})
    const sink = new CollectingSink()
    await source.start(sink)
    await sleep(60)
    writeFileSync(path, 'first\nsecond\n')
    await sink.waitFor(2)
    await source.stop()
    expect(sink.texts()).toEqual(['first', 'second'])
  })

  it('rotation by rename while a writer appends: every line exactly once, in order', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, '')
    const source = new FileSource(path, {pollMs: 25})
    const sink = new CollectingSink()
    await source.start(sink)
    // Each rename waits until the follower has read what came before: two renames within one
    // poll would skip the middle file entirely (as they do for tail -F), and on a loaded machine
    // the follower can fall that far behind this same-thread writer.
    const renameAfterCatchUp = (lines: number, to: string) => async () => {
      await sink.waitFor(lines)
      renameSync(path, to)
    }
    const rotations = new Map<number, () => void | Promise<void>>([
      [700, renameAfterCatchUp(700, `${path}.1`)],
      [1400, renameAfterCatchUp(1400, `${path}.2`)],
      [1401, () => appendFileSync(`${path}.2`, 'late write to the old file\n')],
    ])
    await writeWithRotations(path, 2000, rotations)
    await sink.waitFor(2001)
    await sleep(100)
    await source.stop()
    const texts = sink.texts()
    expect(texts.filter((t) => t.startsWith('line '))).toEqual(seq(0, 2000))
    expect(texts.filter((t) => t.startsWith('late'))).toHaveLength(1)
    expect(source.stats().notes.join('\n')).toMatch(/rotated/)
  })

  it('rotation by copytruncate while a writer appends: every line exactly once, in order', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, '')
    const source = new FileSource(path, {pollMs: 25})
    const sink = new CollectingSink()
    await source.start(sink)
    const copytruncate = (suffix: string) => () => {
      copyFileSync(path, `${path}${suffix}`)
      truncateSync(path, 0)
    }
    // The second rotation comes right after a burst, before the follower can have read it all.
    await writeWithRotations(path, 2000, new Map([[600, copytruncate('.1')], [1300, copytruncate('-20260101')]]))
    await sink.waitFor(2000)
    await sleep(100)
    await source.stop()
    expect(sink.texts()).toEqual(seq(0, 2000))
    expect(source.stats().notes.join('\n')).toMatch(/truncated/)
  })

  it('copytruncate before the follower caught up: the missed lines come from the copy', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, '')
    const source = new FileSource(path, {pollMs: 20})
    const sink = new CollectingSink()
    await source.start(sink)
    appendFileSync(path, 'a\n')
    await sink.waitFor(1)
    await sleep(50)
    // The follower is idle again; then all in one synchronous block, so it cannot read between these steps.
    appendFileSync(path, 'b\nc\nd-unfinished')
    copyFileSync(path, `${path}.1`)
    truncateSync(path, 0)
    appendFileSync(path, 'e, much longer than everything before it\n')
    await sink.waitFor(5)
    await source.stop()
    expect(sink.texts()).toEqual(['a', 'b', 'c', 'd-unfinished', 'e, much longer than everything before it'])
    expect(source.stats().notes.join('\n')).toContain(`read from ${path}.1`)
  })

  it('truncation in place without a copy: reads the file again from the start', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, '')
    const source = new FileSource(path, {pollMs: 20})
    const sink = new CollectingSink()
    await source.start(sink)
    appendFileSync(path, 'a long first line before the truncation\n')
    await sink.waitFor(1)
    truncateSync(path, 0)
    appendFileSync(path, 'after\n')
    await sink.waitFor(2)
    await source.stop()
    expect(sink.texts()).toEqual(['a long first line before the truncation', 'after'])
  })

  it('a glob picks up files that appear later, from their start, and not files that do not match', async () => {
    writeFileSync(join(dir, 'a.log'), 'a0\n')
    const source = new FileSource(join(dir, '*.log'), {pollMs: 20, rescanMs: 50})
    const sink = new CollectingSink()
    await source.start(sink)
    appendFileSync(join(dir, 'a.log'), 'a1\n')
    writeFileSync(join(dir, 'b.log'), 'b0\nb1\n')
    writeFileSync(join(dir, 'c.txt'), 'c0\n')
    await sink.waitFor(3)
    appendFileSync(join(dir, 'b.log'), 'b2\n')
    await sink.waitFor(4)
    await sleep(100)
    await source.stop()
    const bySource = (name: string) => sink.lines.filter((l) => l.source === join(dir, name)).map((l) => l.text)
    expect(bySource('a.log')).toEqual(['a1'])
    expect(bySource('b.log')).toEqual(['b0', 'b1', 'b2'])
    expect(sink.lines).toHaveLength(4)
  })

  it('a file renamed to another name the glob matches is not read twice', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, '')
    const source = new FileSource(join(dir, 'app.log*'), {pollMs: 20, rescanMs: 30})
    const sink = new CollectingSink()
    await source.start(sink)
    appendFileSync(path, 'one\ntwo\n')
    await sink.waitFor(2)
    renameSync(path, `${path}.1`)
    appendFileSync(`${path}.1`, 'three\n')
    appendFileSync(path, 'four\n')
    await sink.waitFor(4)
    await sleep(200)
    await source.stop()
    expect(sink.texts().sort()).toEqual(['four', 'one', 'three', 'two'])
  })
})

describe('StreamSource', () => {
  it('reads lines from a stream, flushes the last unterminated line at its end', async () => {
    const input = new PassThrough()
    const source = new StreamSource(input, 'stdin')
    const sink = new CollectingSink()
    await source.start(sink)
    input.write('one\r\ntw')
    input.write('o\nthree')
    input.end()
    await source.ended()
    expect(sink.texts()).toEqual(['one', 'two', 'three'])
    expect(source.stats().lines).toBe(3)
  })
})
