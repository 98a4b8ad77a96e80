import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {Results} from '../../src/core/results.js'
import {repoRoot, runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-detect-silent-'))

describe('flare detect: what it could not score is said', () => {
  it('counts and warns about lines without a session id, the FATAL ones loudest', async () => {
    const lines = readFileSync(path.join(repoRoot, 'data/service_sample.jsonl'), 'utf8').split('\n').filter(Boolean)
    const fatal = (l: string) => JSON.stringify({time: JSON.parse(l).time, level: 'fatal', logger: 'db', msg: 'connection pool exhausted: FATAL too many clients, shutting down worker'})
    const log = path.join(tmp, 'noid.jsonl')
    writeFileSync(log, lines.flatMap((l, i) => (i > 900 && i < 960 ? [l, fatal(l)] : [l])).join('\n') + '\n')
    const json = await runCli(['detect', '-i', log, '--no-track', '--json'])
    expect(json.code, json.stderr).toBe(0)
    const {summary} = Results.parse(JSON.parse(json.stdout))
    expect(summary).toMatchObject({session_key: 'request', unassigned: 59, unassigned_errors: 59})
    expect(json.stderr).toContain('warning: 59 lines carry no request id')
    expect(json.stderr).toContain('59 of them are at ERROR level or worse')
    expect(json.stderr).toMatch(/→ .*--session-key window/)
    const human = await runCli(['detect', '-i', log, '--no-track'])
    expect(human.stdout).toContain('59 lines carried no session id and were not scored, 59 of them at ERROR level or worse')
  })

  it('says nothing of the kind when every line has an id', async () => {
    const r = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--no-track', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const {summary} = Results.parse(JSON.parse(r.stdout))
    expect(summary.unassigned).toBeUndefined()
    expect(r.stderr).not.toContain('no block id')
  })
})

describe('flare detect: a detector that cannot score the sessions is refused', () => {
  it('window-rate on block sessions: exit 2 naming the detectors that fit, given key or auto', async () => {
    for (const key of [['--session-key', 'block'], []]) {
      const r = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '-d', 'window-rate', '--no-track', ...key])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stdout).not.toContain('No anomalous sessions')
      expect(r.stderr).toContain('Error: --detector window-rate scores time windows, but the sessions here are by block id')
      expect(r.stderr).toMatch(/→ for block sessions use one of .*invariants-mining/)
    }
  })
})
