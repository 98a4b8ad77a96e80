import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {gzipSync} from 'node:zlib'
import {parse as parseCsv} from 'csv-parse/sync'
import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {parseToCsv, type ParseOptions, type ParseSummary} from '../../src/core/mining/csv-export.js'
import {datasets, repoRoot, runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-parse-cli-'))
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(tmp, name)
  writeFileSync(p, content)
  return p
}
const rows = (csv: string): Array<Record<string, string>> => parseCsv(csv, {columns: true})

/** `flare parse` in-process: the function the command calls, with the warnings it would print. */
async function parse(options: Partial<ParseOptions> & {input: string; output: string}): Promise<ParseSummary & {warnings: string[]}> {
  const warnings: string[] = []
  const summary = await parseToCsv({...options, input: path.resolve(repoRoot, options.input), onWarning: (w) => warnings.push(w.message)})
  return {...summary, warnings}
}

describe('flare parse', () => {
  it('writes a loghub-style CSV for the HDFS sample, one row per line', async () => {
    const out = path.join(tmp, 'hdfs.csv')
    const summary = await parse({input: 'data/hdfs_sample.log', output: out})
    const lines = readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8').trimEnd().split('\n')
    expect(summary).toMatchObject({format: 'hdfs', lines: lines.length, records: lines.length})
    const table = rows(readFileSync(out, 'utf8'))
    expect(table).toHaveLength(lines.length)
    expect(Object.keys(table[0])).toEqual(['LineId', 'EventId', 'EventTemplate', 'Timestamp', 'Level', 'Component', 'Content', 'SessionId', 'ParameterList', 'ParameterTypes'])
    expect(table.map((t) => Number(t.LineId))).toEqual(lines.map((_, i) => i + 1))
    // every "Receiving block" line shares one template, and its block id is a typed parameter
    const receiving = table.filter((t) => t.Content.startsWith('Receiving block'))
    expect(new Set(receiving.map((t) => t.EventId)).size).toBe(1)
    expect(JSON.parse(receiving[0].ParameterTypes)).toContain('block')
    expect(receiving[0].SessionId).toMatch(/^blk_-?\d+$/)
    expect(summary.templates).toBeGreaterThan(10)
    expect(summary.templates).toBeLessThan(30)
    const templates = rows(readFileSync(path.join(tmp, 'hdfs_templates.csv'), 'utf8'))
    expect(templates.length).toBe(summary.templates)
  })

  it('keeps template ids stable across runs with --state and only adds new ones', async () => {
    const state = path.join(tmp, 'state.json')
    const a = file('a.log', 'Jun 14 15:16:01 combo sshd[100]: session opened for user root\nJun 14 15:16:02 combo sshd[101]: session opened for user bob\n')
    const b = file('b.log', 'Jun 14 15:17:01 combo kernel[1]: disk sda1 is full\nJun 14 15:18:01 combo sshd[102]: session opened for user eve\n')
    await parse({input: a, statePath: state, output: path.join(tmp, 'a.csv')})
    expect(existsSync(state)).toBe(true)
    await parse({input: b, statePath: state, output: path.join(tmp, 'b.csv')})
    const first = rows(readFileSync(path.join(tmp, 'a.csv'), 'utf8'))
    const second = rows(readFileSync(path.join(tmp, 'b.csv'), 'utf8'))
    const sessionTemplate = first[0].EventId
    expect(second[1].EventId).toBe(sessionTemplate)
    expect(second[0].EventId).not.toBe(sessionTemplate)
    expect(Number(second[0].EventId.replace(/\D/g, ''))).toBeGreaterThan(Number(sessionTemplate.replace(/\D/g, '')))
  })

  it('reads gzip and CRLF; writes CSV to stdout with -o - and reads stdin (built CLI)', async () => {
    const text = '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating\r\n081109 203807 222 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block blk_-6952295868487656571 terminating\r\n'
    const gz = file('crlf.log.gz', gzipSync(text))
    await parse({input: gz, output: path.join(tmp, 'crlf.csv')})
    const t = rows(readFileSync(path.join(tmp, 'crlf.csv'), 'utf8'))
    expect(t).toHaveLength(2)
    expect(t[1].Content).toBe('PacketResponder 0 for block blk_-6952295868487656571 terminating')
    expect(t[0].EventId).toBe(t[1].EventId)
    const viaStdin = await runCli(['parse', '-i', '-', '-o', '-'], {input: text})
    expect(viaStdin.code, viaStdin.stderr).toBe(0)
    expect(rows(viaStdin.stdout)).toEqual(t)
  })

  it('gives every line of a multi-line record its own LineId and the record\'s EventId', async () => {
    const log = file('trace.log', [
      '2024-01-02 10:00:00,001 INFO  [main] com.acme.App: starting',
      '2024-01-02 10:00:01,002 ERROR [main] com.acme.App: request failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.acme.App.run(App.java:12)',
      '\tat com.acme.App.main(App.java:5)',
      '2024-01-02 10:00:02,003 INFO  [main] com.acme.App: done',
    ].join('\n') + '\n')
    await parse({input: log, output: path.join(tmp, 'trace.csv')})
    const t = rows(readFileSync(path.join(tmp, 'trace.csv'), 'utf8'))
    expect(t.map((x) => x.LineId)).toEqual(['1', '2', '3', '4', '5', '6'])
    expect(new Set(t.slice(1, 5).map((x) => x.EventId)).size).toBe(1)
    expect(t[3].Content).toContain('at com.acme.App.run')
    expect(t[5].EventId).not.toBe(t[1].EventId)
  })

  it.each([
    ['a missing file', () => path.join(tmp, 'nope.log'), /not found|no such|does not exist/i],
    ['binary garbage', () => file('garbage.bin', Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 256))), /binary/i],
    ['a directory', () => tmp, /directory/i],
  ])('refuses %s with a clear message', async (_name, make, message) => {
    const error = await parse({input: make(), output: path.join(tmp, 'x.csv')}).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(FlareError)
    expect((error as FlareError).exitCode).toBeGreaterThan(0)
    expect((error as FlareError).message).toMatch(message)
  })

  it('refuses an empty file as bad input (exit 3), as detect does, and writes no CSV', async () => {
    const error = await parse({input: file('empty.log', ''), output: path.join(tmp, 'empty.csv')}).then(() => undefined, (e: unknown) => e)
    expect((error as FlareError).exitCode).toBe(3)
    expect((error as FlareError).message).toMatch(/no log records in .*empty\.log/)
    expect(existsSync(path.join(tmp, 'empty.csv'))).toBe(false)
  })

  it('reports truncated huge lines and replaced invalid UTF-8 without failing', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 5000)
    const bad = Buffer.concat([Buffer.from('Jun 14 15:16:01 combo app[1]: caf'), Buffer.from([0xe9, 0xff]), Buffer.from(' ok\n')])
    const p = file('odd.log', Buffer.concat([Buffer.from(`Jun 14 15:16:00 combo app[1]: ${huge}\n`), bad]))
    const s = await parse({input: p, output: path.join(tmp, 'odd.csv')})
    expect(s).toMatchObject({lines: 2, truncated: 1, invalidUtf8: 1})
    expect(s.warnings.join('\n')).toMatch(/truncat/i)
  })

  it('stops quietly when the reader of -o - goes away (| head) (built CLI)', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'parse', '-i', 'data/hdfs_sample.log', '-o', '-'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.once('data', () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/Error|bug/)
  })

  // The worker threads run only from the build (dist/core/mining/worker.js), hence the CLI here.
  it('writes the same CSV with worker threads as without, on a large HDFS log with surprises late in it (built CLI)', async () => {
    const sample = readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8').trimEnd().split('\n')
    const parts: string[] = []
    for (let copy = 0; copy < 12; copy++) {
      for (let i = 0; i < sample.length; i++) {
        parts.push(sample[i].replace(/blk_(-?\d+)/g, `blk_$1${copy}`))
        // New shapes, a stack trace, another format and bad bytes appear while the workers run.
        if (copy >= 6 && i % 997 === copy) parts.push(`081110 010203 77 WARN dfs.DataNode$DataXceiver: Slow BlockReceiver write took ${i}ms (threshold ${copy}00ms) on blk_${i}`)
        if (copy === 8 && i === 500) parts.push('081110 010203 77 ERROR dfs.DataNode: java.io.IOException: Connection reset by peer', '\tat sun.nio.ch.FileDispatcher.read0(Native Method)')
        if (copy === 9 && i === 700) parts.push('Nov 10 01:02:03 namenode sshd[42]: Accepted password for hdfs from 10.0.0.1 port 22 ssh2')
        if (copy === 10 && i === 900) parts.push('081110 010203 77 INFO dfs.DataNode: bad bytes \ufffd here')
        // Rows many times longer than their lines (a parameter every two bytes) outgrow a slot.
        if (copy === 7 && i === 300) for (let k = 0; k < 9000; k++) parts.push(`081110 010203 77 INFO dfs.DataNode: counters ${Array.from({length: 60}, (_, j) => (j + k) % 10).join(' ')}`)
      }
    }
    const input = file('big-hdfs.log', parts.join('\n') + '\n')
    const outputs: string[] = []
    for (const jobs of ['1', '3']) {
      const out = path.join(tmp, `big-hdfs-j${jobs}.csv`)
      const r = await runCli(['parse', '-i', input, '-o', out, '--jobs', jobs, '--json'])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({format: 'hdfs', lines: parts.length, joined: 1, threads: jobs === '1' ? 0 : 3})
      outputs.push(readFileSync(out, 'utf8'))
    }
    expect(outputs[0].length).toBeGreaterThan(8 * 2 ** 20)
    expect(outputs[1] === outputs[0]).toBe(true)
  }, 120_000)

  it('rejects an unknown format with the list of formats, and a missing file with no stack trace (built CLI)', async () => {
    const r = await runCli(['parse', '-i', 'data/hdfs_sample.log', '--format', 'klingon'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/hdfs/)
    const missing = await runCli(['parse', '-i', path.join(tmp, 'nope.log'), '-o', path.join(tmp, 'x.csv')])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toMatch(/not found|no such|does not exist/i)
    expect(missing.stderr).not.toMatch(/\n\s+at /)
  })

  // Reason: reads ../shared/datasets by path (never copied into the repo); skipped only when it is absent.
  it.skipIf(!existsSync(path.join(datasets, 'hdfs/HDFS_head2k.log')))('parses the real HDFS head into the 2,000 lines it has', async () => {
    expect(await parse({input: path.join(datasets, 'hdfs/HDFS_head2k.log'), output: path.join(tmp, 'head.csv')})).toMatchObject({format: 'hdfs', lines: 2000, records: 2000})
  })
})
