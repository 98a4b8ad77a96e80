import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {detect} from '../../src/core/pipeline.js'
import {Results} from '../../src/core/results.js'
import {repoRoot, runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-detect-json-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

// The HDFS sample 20 times over, block ids re-keyed per copy: 7,200 sessions, a --json document of
// about a megabyte (many pipe buffers, many 64K chunks).
const log = path.join(tmp, 'hdfs_x20.log')
const labels = path.join(tmp, 'hdfs_x20_labels.csv')
const COPIES = 20
beforeAll(() => {
  const lines = readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8').trimEnd().split('\n')
  const rows = readFileSync(path.join(repoRoot, 'data/hdfs_sample_labels.csv'), 'utf8').trimEnd().split('\n')
  const rekey = (text: string, copy: number): string => text.replace(/blk_(-?\d+)/g, `blk_$1${String(copy).padStart(2, '0')}`)
  const logParts: string[] = []
  const labelParts = [rows[0]]
  for (let copy = 0; copy < COPIES; copy++) {
    for (const line of lines) logParts.push(rekey(line, copy))
    for (const row of rows.slice(1)) labelParts.push(rekey(row, copy))
  }
  writeFileSync(log, logParts.join('\n') + '\n')
  writeFileSync(labels, labelParts.join('\n') + '\n')
})

const withoutTime = (r: Results): Results => ({...r, summary: {...r.summary, elapsed_ms: 0}})

describe('flare detect --json, streamed', () => {
  it('prints the document the pipeline computed, formatted as JSON.stringify(…, null, 2), and -o holds the same bytes (built CLI)', async () => {
    const out = path.join(tmp, 'results.json')
    const run = await runCli(['detect', '-i', log, '--labels', labels, '--json', '--no-track', '-o', out])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.length).toBeGreaterThan(900_000)
    const printed = JSON.parse(run.stdout) as Results
    // the text is exactly what one JSON.stringify of the document gives (the format before streaming)
    expect(run.stdout).toBe(JSON.stringify(printed, null, 2) + '\n')
    expect(readFileSync(out, 'utf8')).toBe(run.stdout)
    // keys in the schema's order, every row valid against the documented contract
    expect(Object.keys(printed)).toEqual(['version', 'summary', 'incidents', 'anomalies', 'evaluation'])
    const results = Results.parse(printed)
    expect(results.summary).toMatchObject({format: 'hdfs', session_key: 'block', sessions: 360 * COPIES})
    expect(results.anomalies).toHaveLength(360 * COPIES)
    expect(results.anomalies.filter((a) => a.is_anomaly)).toHaveLength(results.summary.anomalies)
    expect(results.evaluation).toMatchObject({labelled_sessions: 360 * COPIES, unlabelled_sessions: 0, labels_without_session: 0})
    // and it is the pipeline's own document, row for row
    const {results: inProcess} = await detect({input: log, labelsPath: labels})
    expect(withoutTime(printed)).toEqual(withoutTime(JSON.parse(JSON.stringify(inProcess)) as Results))
  })

  it('stops quietly, exit code 0, when the reader of --json goes away (| head) (built CLI)', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'detect', '-i', log, '--json', '--no-track'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
    let stderr = ''
    let received = 0
    child.stderr.on('data', (d) => (stderr += d))
    // Read one chunk, then close the pipe while most of the document is still to come.
    child.stdout.once('data', (d: Buffer) => {
      received = d.length
      child.stdout.destroy()
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(received).toBeGreaterThan(0)
    expect(received).toBeLessThan(900_000)
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/Error|bug|\n\s+at /)
  })
})
