import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {openInput} from '../../../src/core/ingest/input.js'
import {createLineReader} from '../../../src/core/ingest/reader.js'
import {trackedTemporaries} from '../../../src/core/io/temp-files.js'
import type {IngestWarning} from '../../../src/core/ingest/warning.js'
import {detect} from '../../../src/core/pipeline.js'

const repo = path.resolve(import.meta.dirname, '../../..')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-input-test-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

async function lines(input: Parameters<typeof createLineReader>[0]): Promise<string[]> {
  const out: string[] = []
  for await (const batch of createLineReader(input).batches()) out.push(...batch)
  return out
}

describe('an input opened once for the whole run', () => {
  it('keeps reading the file it opened when another is renamed over it, and says so', async () => {
    const file = path.join(dir, 'rotated.log')
    fs.writeFileSync(file, 'old 1\nold 2\n')
    const input = await openInput(file)
    try {
      expect(await lines(input)).toEqual(['old 1', 'old 2'])
      fs.writeFileSync(`${file}.new`, 'new 1\n')
      fs.renameSync(`${file}.new`, file)
      expect(await lines(input)).toEqual(['old 1', 'old 2'])
      expect((await input.changes()).join()).toMatch(/was replaced \(rotated\?\)/)
    } finally {
      await input.close()
    }
  })

  it('reports a truncation and a deletion during the run', async () => {
    const file = path.join(dir, 'shrinking.log')
    fs.writeFileSync(file, 'a\nb\nc\n')
    const input = await openInput(file)
    fs.truncateSync(file, 2)
    expect((await input.changes()).join()).toMatch(/truncated while Flare read it \(6 → 2 bytes\)/)
    fs.unlinkSync(file)
    expect((await input.changes()).join()).toMatch(/was deleted during the run/)
    await input.close()
  })

  it('reports a file rewritten in place during the run', async () => {
    const file = path.join(dir, 'rewritten.log')
    fs.writeFileSync(file, 'a\nb\n')
    fs.utimesSync(file, new Date(2020, 0, 1), new Date(2020, 0, 1))
    const input = await openInput(file)
    fs.writeFileSync(file, 'completely different and longer\n')
    expect((await input.changes()).join()).toMatch(/was modified while Flare read it/)
    await input.close()
  })

  it('spools stdin once, so a second pass reads the same lines, and removes the spool at close', async () => {
    const input = await openInput('-', {stdin: Readable.from([Buffer.from('x 1\nx 2\n')])})
    expect(input.spooled).toBe(true)
    expect(trackedTemporaries().some((p) => input.path.startsWith(p))).toBe(true)
    expect(await lines(input)).toEqual(['x 1', 'x 2'])
    expect(await lines(input)).toEqual(['x 1', 'x 2'])
    await input.close()
    expect(fs.existsSync(input.path)).toBe(false)
    expect(trackedTemporaries().some((p) => input.path.startsWith(p))).toBe(false)
  })

  it('reads a named FIFO once, without hanging on a second open', async () => {
    const fifo = path.join(dir, 'pipe.fifo')
    if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed')
    const writer = spawn('sh', ['-c', `printf 'f 1\\nf 2\\n' > ${fifo}`])
    const input = await openInput(fifo)
    expect(input.spooled).toBe(true)
    expect(await lines(input)).toEqual(['f 1', 'f 2'])
    expect(await lines(input)).toEqual(['f 1', 'f 2'])
    await input.close()
    writer.kill()
  })

  it('takes sample lines from the file as opened when it is rotated mid-detection', async () => {
    const file = path.join(dir, 'hdfs.log')
    fs.copyFileSync(path.join(repo, 'data/hdfs_sample.log'), file)
    const warnings: IngestWarning[] = []
    const out = await detect({
      input: file,
      onWarning: (w) => warnings.push(w),
      onStage: (stage) => {
        // Between mining and the sample lines: a rotation puts unrelated text at the path.
        if (stage === 'incidents') {
          fs.writeFileSync(`${file}.new`, 'ROTATED\n'.repeat(10_000))
          fs.renameSync(`${file}.new`, file)
        }
      },
    })
    const samples = out.results.incidents.flatMap((i) => i.sample_lines.map((s) => s.text))
    expect(samples.length).toBeGreaterThan(0)
    expect(samples.every((t) => t.includes('blk_'))).toBe(true)
    expect(warnings.some((w) => w.code === 'input-changed')).toBe(true)
  })
})

describe('temporary files on interrupt', () => {
  it('are removed when `flare detect -i -` gets SIGINT while reading stdin', async () => {
    const tmp = fs.mkdtempSync(path.join(dir, 'tmpdir-'))
    const child = spawn(process.execPath, [path.join(repo, 'bin/run.js'), 'detect', '-i', '-', '--no-track'], {env: {...process.env, TMPDIR: tmp, NO_COLOR: '1', MLFLOW_TRACKING_URI: ''}})
    child.stdin.on('error', () => {}) // EPIPE once the child is gone
    child.stdin.write(fs.readFileSync(path.join(repo, 'data/hdfs_sample.log')))
    // Wait for the spool to appear, then interrupt with stdin still open.
    for (let i = 0; i < 100 && fs.readdirSync(tmp).length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(fs.readdirSync(tmp).length).toBeGreaterThan(0)
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 + os.constants.signals[signal] : null)))
      child.kill('SIGINT')
    })
    expect(code).toBe(130)
    expect(fs.readdirSync(tmp)).toEqual([])
  })
})
