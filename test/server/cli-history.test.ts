import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {incidentPrompt} from '../../src/core/explain/prompts.js'
import {Results} from '../../src/core/results.js'
import {runCli} from '../helpers/cli.js'
import {tempDir} from './helpers.js'

describe('incident memory from the CLI', () => {
  const tmp = tempDir()
  afterAll(() => tmp.remove())
  const db = path.join(tmp.dir, 'history.db')
  const results = path.join(tmp.dir, 'results.json')

  it('detect --db records; a second run and summarize --db show "seen before"', async () => {
    const first = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--db', db])
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/recorded as run 1 in /)
    const second = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--db', db, '-o', results])
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/recorded as run 2/)
    expect(second.stdout).toMatch(/INC-001 seen before: INC-001 on \d{4}-\d{2}-\d{2} \(run 1, 100% overlap\)/)
    const summarized = await runCli(['summarize', '-i', results, '--db', db])
    expect(summarized.code).toBe(0)
    expect(summarized.stdout).toMatch(/Seen before/)
    expect(summarized.stdout).toMatch(/INC-001 seen before: INC-001 on .* \(run \d, 100% template overlap\)/)
  })

  it('a damaged database: detect still prints its results and warns; summarize stops with the reason', async () => {
    const bad = path.join(tmp.dir, 'bad.db')
    writeFileSync(bad, 'not a database at all '.repeat(200))
    const detect = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--db', bad, '--json'])
    expect(detect.code).toBe(0)
    expect(Results.parse(JSON.parse(detect.stdout)).incidents.length).toBeGreaterThan(0)
    expect(detect.stderr).toMatch(/not recorded in the incident memory: history database .*bad\.db is damaged/)
    const summarize = await runCli(['summarize', '-i', results, '--db', bad])
    expect(summarize.code).toBe(3)
    expect(summarize.stderr).toMatch(/damaged or is not a Flare database/)
    expect(summarize.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('the LLM prompt carries the seen-before lines', () => {
    const incident = Results.shape.incidents.element.parse({id: 'INC-001', session_ids: ['a'], size: 1, severity: 'high', severity_reason: 'x', score: 1, time_range: {start: null, end: null}, templates: [], sample_lines: [], reasons: [], components: [], levels: {}})
    const prompt = incidentPrompt(incident, 'hdfs', {seenBefore: ['seen before: INC-007 on 2026-11-30 (run 4, 80% template overlap), suggested last time (not confirmed as the fix): restart the DataNode']})
    expect(prompt.user).toContain('Similar past incidents')
    expect(prompt.user).toContain('suggested last time (not confirmed as the fix): restart the DataNode')
    expect(incidentPrompt(incident, 'hdfs').user).not.toContain('Similar past incidents')
  })
})
