import type {ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {SummariesDocument} from '../../src/core/explain/schema.js'
import {detect} from '../../src/core/pipeline.js'
import {groundedSummaryFromPrompt, userPrompt} from '../core/explain/fixtures.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {anthropicToolUse, startFakeLlmServer, type FakeLlmServer} from '../helpers/fake-llm-servers.js'

/**
 * Ctrl-C or SIGTERM while `flare summarize` (or `detect --summarize`) waits on a slow LLM: the
 * finished summaries are kept, the incidents it stopped are "interrupted" (not failures of the
 * model: no exit code 4, no "could not be explained"), and the exit status is the signal's.
 * The stand-in Messages API answers the first request and holds every later one; the CLI gets the
 * signal when request number `signalAt` arrives.
 */

const API_KEY = 'sk-ant-api03-INTERRUPT-TESTKEY-0123456789abcdef'
let dir: string
let results: string
let incidents: string[]
let server: FakeLlmServer | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flare-summarize-interrupts-'))
  results = join(dir, 'r.json')
  const detected = await detect({input: join(repoRoot, 'data/hdfs_sample.log')})
  writeFileSync(results, JSON.stringify(detected.results, null, 2) + '\n')
  incidents = detected.results.incidents.map((i) => i.id)
  // detect --summarize explains 4 at once: a fifth must wait for the first to finish.
  expect(incidents.length).toBeGreaterThanOrEqual(5)
}, 180_000)

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(() => {
  if (dir) rmSync(dir, {recursive: true, force: true})
})

/** The built CLI against a Claude that answers once, then hangs; `signal` is sent when request `signalAt` (0-based) arrives. */
async function interrupted(args: string[], signal: NodeJS.Signals, signalAt: number) {
  let child: ChildProcess | undefined
  server = await startFakeLlmServer('anthropic', (req) => {
    if (req.index === signalAt) child?.kill(signal)
    if (req.index > 0) return {hang: true}
    return anthropicToolUse('record_incident_summary', groundedSummaryFromPrompt(userPrompt(req.body)))
  })
  return runCli(args, {env: {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url}, killAfterMs: 60_000, onSpawn: (c) => (child = c)})
}

/** The first incident explained, every other one interrupted: none reported as a failure. */
function expectKeptAndInterrupted(path: string): void {
  const doc = SummariesDocument.parse(JSON.parse(readFileSync(path, 'utf8')))
  expect(doc.incidents.map((r) => r.incident_id)).toEqual(incidents)
  expect(doc.incidents.map((r) => r.status)).toEqual(['ok', ...incidents.slice(1).map(() => 'interrupted')])
  expect(doc.totals).toMatchObject({ok: 1, failed: 0, interrupted: incidents.length - 1})
}

describe('a signal while explaining incidents (built CLI, stand-in Messages API)', () => {
  it('summarize: Ctrl-C exits 130, keeps the finished summary and marks the rest interrupted, not failed', async () => {
    const out = join(dir, 'sigint.json')
    const run = await interrupted(['summarize', '-i', results, '-o', out, '--concurrency', '1'], 'SIGINT', 1)
    expect(run.killed).toBe(false)
    expect(run.code, run.stderr).toBe(130)
    expect(run.stderr).toContain('Interrupted: stopping; finished summaries are kept')
    expect(run.stderr).not.toContain('could not be explained')
    expect(run.stdout).toContain(`Interrupted: ${incidents.slice(1).join(', ')} not explained`)
    expectKeptAndInterrupted(out)
  })

  it('summarize: SIGTERM exits 143 and writes what finished', async () => {
    const out = join(dir, 'sigterm.json')
    const run = await interrupted(['summarize', '-i', results, '-o', out, '--concurrency', '1'], 'SIGTERM', 1)
    expect(run.code, run.stderr).toBe(143)
    expect(run.stderr).not.toContain('could not be explained')
    expectKeptAndInterrupted(out)
  })

  it('detect --summarize: Ctrl-C during the summaries exits 130 with the results and the finished summary written', async () => {
    const out = join(dir, 'detect.json')
    const run = await interrupted(['detect', '-i', 'data/hdfs_sample.log', '--summarize', '-o', out, '--no-track'], 'SIGINT', 4)
    expect(run.code, run.stderr).toBe(130)
    expect(run.stderr).not.toContain('could not be explained')
    expect(JSON.parse(readFileSync(out, 'utf8')).incidents.map((i: {id: string}) => i.id)).toEqual(incidents)
    expectKeptAndInterrupted(join(dir, 'detect.summaries.json'))
  })
})
