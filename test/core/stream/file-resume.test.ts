import {appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {FileSource} from '../../../src/core/stream/sources/file-source.js'
import {loadLiveState, saveLiveState} from '../../../src/core/stream/state.js'
import {TemplateMiner} from '../../../src/core/templates/index.js'
import {CollectingSink, sleep} from './live-sink.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flare-resume-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

describe('FileSource resume points (collect --state)', () => {
  it('a restart reads on from where the last run stopped: lines written meanwhile are read, none twice, a partial line whole', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, 'before 1\n')
    const notes: string[] = []
    const first = new FileSource(path, {pollMs: 20})
    const sink1 = new CollectingSink()
    await first.start(sink1)
    appendFileSync(path, 'seen 1\nseen 2\nhalf ')
    await sink1.waitFor(2)
    await first.stop()
    const points = await first.resumePoints()
    expect(points).toHaveLength(1)
    expect(points[0].path).toBe(path)
    // The partial line is not counted as read: the next run reads it whole.
    expect(points[0].position).toBe('before 1\nseen 1\nseen 2\n'.length)

    // Saved and loaded through the state file, as collect does.
    const state = join(dir, 'state.json')
    await saveLiveState(state, {miner: new TemplateMiner(), nextIncident: 1, files: points})
    const loaded = await loadLiveState(state)
    expect(loaded?.files).toEqual(points)

    appendFileSync(path, 'line\nwhile 1\nwhile 2\n')
    const second = new FileSource(path, {pollMs: 20, resume: loaded!.files, onNote: (n) => notes.push(n)})
    const sink2 = new CollectingSink()
    await second.start(sink2)
    appendFileSync(path, 'after 1\n')
    await sink2.waitFor(4)
    await second.stop()
    expect(sink1.texts()).toEqual(['seen 1', 'seen 2'])
    expect(sink2.texts()).toEqual(['half line', 'while 1', 'while 2', 'after 1'])
    expect(notes.join('\n')).toMatch(/app\.log: reading on from where the last run stopped \(byte 23; 26 bytes written since\)/)
  })

  it('a file rewritten while stopped is not resumed into: read from its end, said so', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, 'one\ntwo\n')
    const first = new FileSource(path, {pollMs: 20, fromStart: true})
    const sink1 = new CollectingSink()
    await first.start(sink1)
    await sink1.waitFor(2)
    await first.stop()
    const points = await first.resumePoints()
    writeFileSync(path, 'ONE\nTWO\nthree\n')
    const notes: string[] = []
    const second = new FileSource(path, {pollMs: 20, resume: points, onNote: (n) => notes.push(n)})
    const sink2 = new CollectingSink()
    await second.start(sink2)
    appendFileSync(path, 'four\n')
    await sink2.waitFor(1)
    await sleep(60)
    await second.stop()
    expect(sink2.texts()).toEqual(['four'])
    expect(notes.join('\n')).toMatch(/app\.log changed since the last run \(rewritten or truncated\); reading it from its end/)
  })

  it('a file renamed away while stopped (logrotate: app.log → app.log.1) is finished from where the last run stopped, then the new app.log read from its start', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, 'old 0\n')
    const first = new FileSource(path, {pollMs: 20})
    const sink1 = new CollectingSink()
    await first.start(sink1)
    appendFileSync(path, 'old 1\nold 2\n')
    await sink1.waitFor(2)
    await first.stop()
    const points = await first.resumePoints()
    // While Flare is stopped: more lines, the rename, a new file written.
    appendFileSync(path, 'old 3\nold 4\n')
    renameSync(path, `${path}.1`)
    writeFileSync(path, 'new 1\nnew 2\nnew 3\n')
    const notes: string[] = []
    const second = new FileSource(path, {pollMs: 20, resume: points, onNote: (n) => notes.push(n)})
    const sink2 = new CollectingSink()
    await second.start(sink2)
    await sink2.waitFor(5)
    appendFileSync(path, 'new 4\n')
    await sink2.waitFor(6)
    const after = await second.resumePoints()
    await second.stop()
    expect(sink1.texts()).toEqual(['old 1', 'old 2'])
    // The old file's unread lines first (they are older), none twice, then the new file whole.
    expect(sink2.texts()).toEqual(['old 3', 'old 4', 'new 1', 'new 2', 'new 3', 'new 4'])
    expect(notes.join('\n')).toContain(`${path} is another file than the last run read (rotated while Flare was stopped); reading on in ${path}.1, where it is now, from byte 18 (12 bytes unread), then ${path} from its start`)
    // Once finished, the old file is no longer followed or saved.
    expect(after.map((p) => p.path)).toEqual([path])
  })

  it('a file rotated away while stopped and not found beside it: the new file is read from its start, and the loss said', async () => {
    const path = join(dir, 'app.log')
    writeFileSync(path, 'old 0\n')
    const first = new FileSource(path, {pollMs: 20})
    const sink1 = new CollectingSink()
    await first.start(sink1)
    appendFileSync(path, 'old 1\n')
    await sink1.waitFor(1)
    await first.stop()
    const points = await first.resumePoints()
    appendFileSync(path, 'old 2\n')
    // Moved to another folder (kept, so the new file cannot reuse its inode): not beside it.
    mkdirSync(join(dir, 'archive'))
    renameSync(path, join(dir, 'archive', 'app.log.1'))
    writeFileSync(path, 'new 1\nnew 2\n')
    const notes: string[] = []
    const second = new FileSource(path, {pollMs: 20, resume: points, onNote: (n) => notes.push(n)})
    const sink2 = new CollectingSink()
    await second.start(sink2)
    await sink2.waitFor(2)
    await sleep(60)
    await second.stop()
    expect(sink2.texts()).toEqual(['new 1', 'new 2'])
    expect(notes.join('\n')).toContain(`${path} is another file than the last run read (rotated while Flare was stopped); reading it from its start; the old file's unread lines could not be read (not found beside it under another name)`)
  })

  it('a state file with a bad files entry is refused with one line', async () => {
    const state = join(dir, 'bad.json')
    await saveLiveState(state, {miner: new TemplateMiner(), nextIncident: 1, files: [{path: 'x', key: '1:2', position: 5, tail: ''}]})
    const json = JSON.parse((await import('node:fs')).readFileSync(state, 'utf8'))
    json.files[0].position = -1
    writeFileSync(state, JSON.stringify(json))
    await expect(loadLiveState(state)).rejects.toThrow(/files: 0\.position/)
  })
})
