import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {groundedSummaryFromPrompt, userPrompt} from '../core/explain/fixtures.js'
import {runCli} from '../helpers/cli.js'
import {openaiCompletion, startFakeLlmServer} from '../helpers/fake-llm-servers.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-replay-'))
  const fit = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code).toBe(0)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('flare replay', () => {
  it('--max with a model from detect --save-model flags the same sessions as batch detect --model', async () => {
    const batch = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--model', join(dir, 'model'), '--json', '--no-track'])
    expect(batch.code).toBe(0)
    const expected = (JSON.parse(batch.stdout).anomalies as Array<{session_id: string; is_anomaly: boolean}>).filter((a) => a.is_anomaly).map((a) => a.session_id).sort()
    // Sessions stay open to the end of the file, as a batch run sees them.
    const live = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--max', '--model', join(dir, 'model'), '--idle', '7d', '--labels', 'data/hdfs_sample_labels.csv', '--json'])
    expect(live.code, live.stderr).toBe(0)
    const out = JSON.parse(live.stdout)
    expect(expected.length).toBeGreaterThan(0)
    expect([...out.flagged].sort()).toEqual(expected)
    expect(out.evaluation.tp).toBe(expected.length)
    expect(out.incidents.length).toBeGreaterThan(0)
    for (const inc of out.incidents) expect(Date.parse(inc.lastSeen)).toBeGreaterThanOrEqual(Date.parse(inc.firstSeen))
  })

  it('rates severity as batch detect does: the same rule on the same evidence (the model keeps the normal profile)', async () => {
    const batch = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--model', join(dir, 'model'), '--json', '--no-track'])
    expect(batch.code).toBe(0)
    const batchSeverity = new Map<string, Set<string>>()
    for (const inc of JSON.parse(batch.stdout).incidents as Array<{severity: string; templates: Array<{template: string}>}>) {
      const lead = inc.templates[0].template
      if (!batchSeverity.has(lead)) batchSeverity.set(lead, new Set())
      batchSeverity.get(lead)!.add(inc.severity)
    }
    const live = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--max', '--model', join(dir, 'model'), '--json'])
    expect(live.code, live.stderr).toBe(0)
    const compared: string[] = []
    for (const inc of JSON.parse(live.stdout).incidents as Array<{severity: string; title: string}>) {
      const expected = batchSeverity.get(inc.title)
      if (!expected) continue
      compared.push(inc.title)
      expect([inc.title, [...expected]]).toEqual([inc.title, [inc.severity]])
    }
    // the incidents that disagreed before: SocketTimeoutException (high vs low) and "Got exception" (high vs medium)
    expect(compared.some((t) => t.includes('SocketTimeoutException'))).toBe(true)
    expect(compared.some((t) => t.includes('Got exception'))).toBe(true)
  })

  it('trains on the first stretch, saves that model, and writes incident events to a JSON-lines sink', async () => {
    const events = join(dir, 'events.jsonl')
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--train-for', '3000', '--save-model', join(dir, 'trained'), '--sink', `jsonl:${events}`, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.summary.engine.trainingRecords).toBe(3000)
    expect(JSON.parse(await readFile(join(dir, 'trained', 'bundle.json'), 'utf8')).training.lines).toBeGreaterThanOrEqual(3000)
    const lines = (await readFile(events, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.filter((e) => e.kind === 'opened').length).toBe(out.summary.engine.incidentsOpened)
    expect(lines.filter((e) => e.kind === 'resolved').length).toBe(out.summary.engine.incidentsOpened)
  })

  it('--summarize explains each incident as it opens (offline explainer), and its later events carry it', async () => {
    const events = join(dir, 'explained.jsonl')
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--model', join(dir, 'model'), '--summarize', '--llm-provider', 'offline', '--sink', `jsonl:${events}`, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.incidents.length).toBeGreaterThan(0)
    for (const inc of out.incidents) {
      expect(inc.summary.provider).toBe('offline')
      expect(inc.summary.rootCause.length).toBeGreaterThan(10)
    }
    const written = (await readFile(events, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    expect(written.filter((e) => !e.incident.summary)).toEqual([])
  })

  it('--summarize --llm-base-url sends the incidents to that server only (not to Anthropic, though a key is set)', async () => {
    const server = await startFakeLlmServer('openai', (req) => openaiCompletion(JSON.stringify(groundedSummaryFromPrompt(userPrompt(req.body)))))
    // A decoy where ANTHROPIC_BASE_URL points: it must see nothing.
    const decoy = await startFakeLlmServer('anthropic', () => ({status: 500, body: {error: 'not me'}}))
    try {
      const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--max', '--model', join(dir, 'model'), '--summarize', '--llm-base-url', server.openaiBaseURL, '--llm-model', 'llama3.1:8b', '--json'], {env: {ANTHROPIC_API_KEY: 'sk-ant-test-decoy-key-123456', ANTHROPIC_BASE_URL: decoy.url}})
      expect(r.code, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.incidents.length).toBeGreaterThan(0)
      expect(server.requests.length).toBeGreaterThan(0)
      expect(server.requests[0]!.body.model).toBe('llama3.1:8b')
      expect(decoy.requests).toHaveLength(0)
      expect(out.incidents.filter((i: {summary?: {provider: string}}) => i.summary?.provider === 'openai-compatible/llama3.1:8b').length).toBeGreaterThan(0)
    } finally {
      await server.close()
      await decoy.close()
    }
  })

  it('--to file: writes the lines for a collector, in order', async () => {
    const target = join(dir, 'copy.log')
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--rate', '1000000/s', '--to', `file:${target}`])
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(target, 'utf8')).toBe(await readFile('data/hdfs_sample.log', 'utf8'))
  })

  it('a --sink that is a bare webhook URL: exit 2, the URL masked, the hint names the slack: prefix', async () => {
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--sink', 'https://hooks.slack.com/services/T0001/B0001/Xq9SECRETTOKENabc'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Bad sink "https://hooks.slack.com/…": unknown sink kind.')
    expect(r.stderr).toContain('slack:https://hooks.slack.com/…')
    expect(r.stderr + r.stdout).not.toMatch(/SECRET|T0001/)
  })

  it('--labels that name none of the sessions: the error detect gives (exit 3), not an evaluation of nothing', async () => {
    const args = ['-i', 'data/hdfs_sample.log', '--model', join(dir, 'model'), '--labels', 'data/service_sample_labels.csv']
    const detect = await runCli(['detect', ...args, '--no-track'])
    const replay = await runCli(['replay', ...args, '--json'])
    const said = /none of the 360 session ids \(block, e\.g\. blk_-?\d+\) appears in data\/service_sample_labels\.csv\n.*the label file's RequestId column must hold the same ids/
    expect(detect.code).toBe(3)
    expect(detect.stderr).toMatch(said)
    expect(replay.code, replay.stderr).toBe(3)
    expect(replay.stderr).toMatch(said)
    expect(replay.stdout).not.toContain('"evaluation"')
  })

  it('refuses a bad --speed with a usage error', async () => {
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--speed', 'fast'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('invalid --speed')
  })
})
