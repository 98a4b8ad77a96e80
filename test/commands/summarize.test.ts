import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {loadResults, writeSummaries} from '../../src/core/explain/documents.js'
import {summarizeIncidents} from '../../src/core/explain/index.js'
import {parseMaxCost, resolveProvider} from '../../src/core/explain/provider-choice.js'
import {SummariesDocument} from '../../src/core/explain/schema.js'
import {FlareError} from '../../src/core/errors.js'
import {detect} from '../../src/core/pipeline.js'
import {Results} from '../../src/core/results.js'
import {renderDryRun} from '../../src/ui/summaries.js'
import {reportFailures, runSummaries} from '../../src/ui/summarize-run.js'
import {groundedSummaryFromPrompt, userPrompt} from '../core/explain/fixtures.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {anthropicError, anthropicToolUse, openaiCompletion, openaiError, startFakeLlmServer, type FakeLlmServer} from '../helpers/fake-llm-servers.js'

/**
 * `flare summarize` and `flare detect --summarize`: most behaviour in-process through the functions
 * the command calls (load the results, choose the provider, run and render, write, report
 * failures), with the stand-in Messages API for Claude; a few runs of the built CLI for the wiring.
 */

const API_KEY = 'sk-ant-api03-CLI-TESTKEY-must-never-leak-9876543210fedcba'
const SUMMARY_TOOL = 'record_incident_summary'
const JUDGE_TOOL = 'record_judgement'
/** What the in-process runs see instead of process.env: no real keys, no retry waits. */
const CLEAN_ENV = {FLARE_LLM_RETRY_DELAY_MS: '1'}

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'))
}

// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001B\[[0-9;]*m/g, '')

/** Stdout split into the per-incident blocks (each starts with the incident id at column 0). */
function blocks(stdout: string): Map<string, string> {
  const map = new Map<string, string>()
  const parts = stdout.split(/\n(?=INC-\d+ · )/)
  for (const part of parts.slice(1)) map.set(part.slice(0, part.indexOf(' ')), part.split(/\n┌/)[0]!)
  return map
}

/** The document minus what legitimately differs between runs (clock and latencies). */
function stable(doc: any): any {
  return JSON.parse(JSON.stringify(doc), (key, value) => (['generated_at', 'latency_ms', 'wall_ms', 'latency_ms_mean', 'latency_ms_p95'].includes(key) ? 0 : value))
}

function judgeScores(relevance: number, specificity: number, actionability: number) {
  return {
    relevance: {score: relevance, reason: 'grounded in the cited lines'},
    specificity: {score: specificity, reason: 'names templates and lines'},
    actionability: {score: actionability, reason: 'concrete first step'},
  }
}

/** Claude stand-in: a grounded summary for every summary call, fixed scores for judge calls, 400 for `failFor` incidents. */
function claude(failFor: string[] = []) {
  return (req: {body: any}) => {
    const tool = req.body.tools?.[0]?.name
    if (tool === JUDGE_TOOL) return anthropicToolUse(JUDGE_TOOL, judgeScores(4, 3, 5), {input_tokens: 900, output_tokens: 100})
    const prompt = userPrompt(req.body)
    if (failFor.some((id) => prompt.includes(`Incident ${id}`))) return anthropicError(400, 'invalid_request_error', 'prompt rejected by the stand-in')
    return anthropicToolUse(SUMMARY_TOOL, groundedSummaryFromPrompt(prompt), {input_tokens: 1000, output_tokens: 400})
  }
}

interface SummarizeRun {
  document: SummariesDocument
  stdout: string
  stderr: string
  exitCode?: number
}

/**
 * `flare summarize` in-process, composed as the command composes it: the rendered stdout and
 * stderr lines (colour stripped), the document, and the exit code failures make.
 */
async function summarize(
  input: string,
  options: {provider?: string; model?: string; baseURL?: string; env?: Record<string, string>; eval?: boolean; incidents?: string[]; maxCost?: string; concurrency?: number; output?: string} = {},
): Promise<SummarizeRun> {
  const results = await loadResults(input)
  const choice = resolveProvider({provider: options.provider, model: options.model, baseURL: options.baseURL}, {...CLEAN_ENV, ...options.env})
  const stdout: string[] = []
  const stderr: string[] = []
  const {document} = await runSummaries(
    results,
    {provider: choice.provider, concurrency: options.concurrency ?? 4, maxCostUsd: parseMaxCost(options.maxCost), eval: options.eval ? {} : false, incidentIds: options.incidents},
    {source: input, autoOffline: choice.autoOffline, render: true, log: (text) => stdout.push(plain(text))},
  )
  if (options.output) await writeSummaries(options.output, document)
  const exitCode = reportFailures(document, options.output, (text) => stderr.push(plain(text)))
  return {document, stdout: stdout.join('\n') + '\n', stderr: stderr.join('\n'), exitCode}
}

async function rejection(promise: Promise<unknown>): Promise<FlareError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(FlareError)
  return error as FlareError
}

let dir: string
let hdfsResults: string
let serviceResults: string
let server: FakeLlmServer | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flare-summarize-'))
  hdfsResults = join(dir, 'r.json')
  serviceResults = join(dir, 's.json')
  for (const [input, path] of [['data/hdfs_sample.log', hdfsResults], ['data/service_sample.jsonl', serviceResults]] as const) {
    const {results} = await detect({input: join(repoRoot, input)})
    writeFileSync(path, JSON.stringify(results, null, 2) + '\n')
  }
  // The scenarios below need several incidents to explain, skip and fail.
  expect(Results.parse(readJson(hdfsResults)).incidents.length).toBeGreaterThanOrEqual(3)
  expect(Results.parse(readJson(serviceResults)).summary.session_key).toBe('request')
}, 180_000)

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(() => {
  if (dir) rmSync(dir, {recursive: true, force: true})
})

describe('flare summarize (offline)', () => {
  it('explains every incident with its own templates and line numbers, writes a valid document, and is deterministic', async () => {
    const first = join(dir, 'offline-1.json')
    const second = join(dir, 'offline-2.json')
    const a = await summarize(hdfsResults, {output: first})
    const b = await summarize(hdfsResults, {output: second})
    expect(a.exitCode).toBeUndefined()
    expect(a.stdout).toContain('offline explainer (no API key set)')
    expect(a.stdout).toContain('set ANTHROPIC_API_KEY')

    const results = Results.parse(readJson(hdfsResults))
    const doc = SummariesDocument.parse(readJson(first))
    expect(doc.offline).toBe(true)
    expect(doc.incidents.map((r) => r.incident_id)).toEqual(results.incidents.map((i) => i.id))
    expect(doc.incidents.every((r) => r.status === 'ok')).toBe(true)

    const shown = blocks(a.stdout)
    expect([...shown.keys()]).toEqual(results.incidents.map((i) => i.id))
    for (const incident of results.incidents) {
      const block = shown.get(incident.id)!
      expect(block).toContain(incident.severity)
      // Its own evidence: at least one of its sample lines by number, and one of its templates verbatim.
      const lineNumbers = incident.sample_lines.map((l) => l.line)
      const cited = [...block.matchAll(/line (\d+)/g)].map((m) => Number(m[1]))
      expect(cited.some((n) => lineNumbers.includes(n)), `${incident.id} cites ${cited}`).toBe(true)
      expect(incident.templates.some((t) => block.includes(t.template))).toBe(true)
      // Every line the summary cites as evidence belongs to this incident.
      const record = doc.incidents.find((r) => r.incident_id === incident.id)!
      for (const e of record.summary!.evidence.filter((e) => e.kind === 'line')) expect(lineNumbers).toContain(Number(e.ref))
    }
    expect(a.stdout).toMatch(/Remediation\n\s+1\. \[(immediate|short-term|long-term)\]/)
    expect(a.stdout).toContain('$0 (offline)')

    expect(stable(readJson(second))).toEqual(stable(readJson(first)))
    expect(b.stdout.split('\n┌')[0]).toBe(a.stdout.split('\n┌')[0])
  })

  it('explains a request-keyed log in its own words, and --eval adds the checks', async () => {
    const {document: doc} = await summarize(serviceResults, {eval: true})
    const results = Results.parse(readJson(serviceResults))
    expect(doc.source.format).toBe('jsonl')
    expect(doc.incidents).toHaveLength(results.incidents.length)
    expect(doc.judge?.judged).toBe(results.incidents.length)
    expect(doc.judge?.checks_pass_rate).toBe(1)
    // The service incidents are request failures; the text says so in their own words.
    const text = doc.incidents.map((r) => `${r.summary!.root_cause} ${r.summary!.explanation}`).join('\n')
    expect(text).toMatch(/ECONNREFUSED|timed out/)
  })

  it('--incident picks incidents; an unknown id is a usage error listing the known ones', async () => {
    const one = await summarize(hdfsResults, {incidents: ['INC-002']})
    expect(one.document.incidents.map((r) => r.incident_id)).toEqual(['INC-002'])

    const unknown = await rejection(summarize(hdfsResults, {incidents: ['INC-999']}))
    expect(unknown.exitCode).toBe(2)
    expect(unknown.message).toContain('Unknown incident id: INC-999')
    expect(unknown.hint).toContain('INC-001')
  })
})

describe('flare summarize with Claude (stand-in Messages API)', () => {
  it('explains through the API with cost and judge scores, and the key never leaves the request header', async () => {
    server = await startFakeLlmServer('anthropic', claude())
    const out = join(dir, 'claude.json')
    const run = await summarize(hdfsResults, {incidents: ['INC-001', 'INC-003'], eval: true, output: out, env: {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url}})
    expect(run.exitCode).toBeUndefined()

    const summaryCalls = server.requests.filter((r) => r.body.tools[0].name === SUMMARY_TOOL)
    const judgeCalls = server.requests.filter((r) => r.body.tools[0].name === JUDGE_TOOL)
    expect(summaryCalls).toHaveLength(2)
    expect(judgeCalls).toHaveLength(2)
    expect(summaryCalls[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`)
    // The judge is a different model from the writer.
    expect(new Set(judgeCalls.map((r) => r.body.model))).not.toContain(summaryCalls[0]!.body.model)

    const doc = SummariesDocument.parse(readJson(out))
    expect(doc.provider).toBe('anthropic')
    expect(doc.offline).toBe(false)
    expect(doc.totals).toMatchObject({ok: 2, input_tokens: 2000, output_tokens: 800})
    expect(doc.totals.cost_usd).toBeGreaterThan(0)
    expect(doc.judge?.relevance_mean).toBe(4)

    expect(run.stdout).toContain(`anthropic · ${summaryCalls[0]!.body.model}`)
    expect(run.stdout).not.toContain('offline explainer')
    expect(run.stdout).toContain('2,000')
    expect(run.stdout).toContain(`$${doc.totals.cost_usd!.toFixed(4)}`)
    expect(run.stdout).toMatch(/│ claude-[\w-]+ +│ +2 │ +4\.00 │ +3\.00 │ +5\.00 │/)
    // Blocks quote the line the model cited.
    expect(blocks(run.stdout).get('INC-001')).toMatch(/line \d+ +\S/)

    for (const text of [run.stdout, run.stderr, readFileSync(out, 'utf8')]) expect(text).not.toContain(API_KEY)
  })

  it('--dry-run sends nothing and prints each request body with the credential redacted', async () => {
    server = await startFakeLlmServer('anthropic', claude())
    const {provider} = resolveProvider({}, {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url})
    const results = await loadResults(hdfsResults)
    const one = await summarizeIncidents(results, {provider, incidentIds: ['INC-002'], dryRun: true})
    const text = plain(renderDryRun(one, hdfsResults, 'API key: <redacted> — credentials are never printed'))
    expect(server.requests).toHaveLength(0)
    expect(text).toContain(`POST ${server.url}/v1/messages`)
    expect(text).toMatch(/authorization: Bearer <redacted>/)
    expect(text).toContain(`"name": "${SUMMARY_TOOL}"`)
    // The body is the real prompt: it carries the incident's own sample lines.
    const incident = results.incidents.find((i) => i.id === 'INC-002')!
    expect(text).toContain(`line ${incident.sample_lines[0]!.line}`)
    expect(text).toMatch(/est\. tokens in/)
    expect(text).not.toContain(API_KEY)

    const all = await summarizeIncidents(results, {provider, dryRun: true})
    expect(all.dry_run).toBe(true)
    expect(all.requests).toHaveLength(results.incidents.length)
    expect(all.totals.estimated_input_tokens).toBeGreaterThan(0)
    expect(JSON.stringify(all)).not.toContain(API_KEY)
    expect(server.requests).toHaveLength(0)
  })

  it('--max-cost stops before the budget is exceeded, names what it skipped and keeps what was done', async () => {
    server = await startFakeLlmServer('anthropic', claude())
    const out = join(dir, 'budget.json')
    const run = await summarize(hdfsResults, {maxCost: '0.02', concurrency: 1, output: out, env: {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url}})
    // A budget stop is the limit the user asked for, not a failure.
    expect(run.exitCode).toBeUndefined()
    const doc = SummariesDocument.parse(readJson(out))
    const ok = doc.incidents.filter((r) => r.status === 'ok')
    const skipped = doc.incidents.filter((r) => r.status === 'skipped_budget')
    expect(ok.length).toBeGreaterThan(0)
    expect(skipped.length).toBeGreaterThan(0)
    expect(ok.length + skipped.length).toBe(doc.incidents.length)
    expect(server.requests).toHaveLength(ok.length)
    expect(doc.budget).toEqual({max_cost_usd: 0.02, stopped: true})
    expect(doc.totals.cost_usd!).toBeLessThanOrEqual(0.02)
    expect(run.stdout).toContain(`skipped ${skipped.map((r) => r.incident_id).join(', ')}`)
    expect(run.stdout).toContain('raise --max-cost')
  })

  it('one failing incident is shown, the others still render, the file keeps them, exit code 4', async () => {
    server = await startFakeLlmServer('anthropic', claude(['INC-002']))
    const out = join(dir, 'partial.json')
    const run = await summarize(hdfsResults, {incidents: ['INC-001', 'INC-002', 'INC-003'], output: out, env: {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url}})
    expect(run.exitCode).toBe(4)
    expect(run.stderr).toContain('1 of 3 incidents could not be explained (INC-002)')
    expect(run.stderr).toContain(`the others are in ${out}; rerun those with --incident INC-002`)
    const shown = blocks(run.stdout)
    expect([...shown.keys()]).toEqual(['INC-001', 'INC-002', 'INC-003'])
    expect(shown.get('INC-002')).toMatch(/failed/)
    expect(shown.get('INC-001')).toContain('Root cause:')
    expect(shown.get('INC-003')).toContain('Root cause:')
    const doc = SummariesDocument.parse(readJson(out))
    expect(doc.incidents.map((r) => r.status)).toEqual(['ok', 'error', 'ok'])
    expect(doc.incidents[1]!.error).toMatch(/400|rejected/)
    expect(readFileSync(out, 'utf8')).not.toContain(API_KEY)
  })

  it('--llm-base-url means an OpenAI-compatible server; with no price the cost is "unknown" with the reason', async () => {
    server = await startFakeLlmServer('openai', (req) => openaiCompletion(JSON.stringify(groundedSummaryFromPrompt(userPrompt(req.body)))))
    const run = await summarize(serviceResults, {baseURL: server.openaiBaseURL, model: 'llama3.1:8b'})
    expect(run.exitCode).toBeUndefined()
    expect(server.requests.length).toBeGreaterThan(0)
    expect(server.requests[0]!.body.model).toBe('llama3.1:8b')
    expect(run.document.provider).toBe('openai-compatible')
    expect(run.document.totals.cost_usd).toBeNull()
    expect(run.stdout).toMatch(/│ +unknown │/)
    expect(run.stdout).toContain('cost unknown: no price is known for openai-compatible model llama3.1:8b')
  })

  it('asking for Claude without a key says how to fix it', async () => {
    const error = await rejection(Promise.resolve().then(() => resolveProvider({provider: 'anthropic'}, {})))
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('needs an API key')
    expect(error.hint).toContain('ANTHROPIC_API_KEY')
  })
})

describe('flare summarize: bad results files', () => {
  const cases: Array<[string, string, (path: string) => void, RegExp]> = [
    ['a missing file', 'missing.json', () => {}, /cannot read results file .*missing\.json: no such file/],
    ['invalid JSON', 'invalid.json', (p) => writeFileSync(p, '{"version": 1, "summary": '), /invalid\.json is not valid JSON/],
    ['a JSON that is not a results document', 'wrong.json', (p) => writeFileSync(p, JSON.stringify({version: 1, summary: {input: 'x.log'}, incidents: []})), /wrong\.json is not a Flare results document: summary\.\w+/],
  ]

  it.each(cases)('%s → exit 3, the file named, a hint', async (_label, name, make, message) => {
    const path = join(dir, name)
    make(path)
    const error = await rejection(loadResults(path))
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(message)
    expect(error.hint).toContain('flare detect -i LOG -o')
  })

  it('a summaries document passed as results is recognised', async () => {
    const summaries = join(dir, 'offline-for-hint.json')
    await summarize(hdfsResults, {incidents: ['INC-001'], output: summaries})
    const error = await rejection(loadResults(summaries))
    expect(error.exitCode).toBe(3)
    expect(error.hint).toContain('that is a summaries document')
  })
})

describe('flare summarize and detect --summarize (built CLI)', () => {
  it('summarize writes the document; with DEBUG=flare* a bad results file (exit 3) shows the stack', async () => {
    const out = join(dir, 'cli.json')
    const run = await runCli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', '-o', out])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`summaries written to ${out}`)
    expect(SummariesDocument.parse(readJson(out)).incidents.map((r) => r.incident_id)).toEqual(['INC-001'])

    const debug = await runCli(['summarize', '-i', out], {env: {DEBUG: 'flare*'}})
    expect(debug.code).toBe(3)
    expect(debug.stderr).toContain('that is a summaries document')
    expect(debug.stderr).toContain('    at ')
  })

  it('detect --summarize prints the incident table then the summaries, and writes <output>.summaries.json', async () => {
    const out = join(dir, 'detect.json')
    const run = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--summarize', '-o', out])
    expect(run.code, run.stderr).toBe(0)
    const table = run.stdout.indexOf('top template')
    const summaries = run.stdout.indexOf('Flare summaries')
    expect(table).toBeGreaterThan(0)
    expect(summaries).toBeGreaterThan(table)
    expect(run.stdout).toContain('offline explainer (no API key set)')

    const results = Results.parse(readJson(out))
    const path = join(dir, 'detect.summaries.json')
    expect(run.stdout).toContain(`summaries written to ${path}`)
    const doc = SummariesDocument.parse(readJson(path))
    expect(doc.incidents.map((r) => r.incident_id)).toEqual(results.incidents.map((i) => i.id))
    expect([...blocks(run.stdout).keys()]).toEqual(results.incidents.map((i) => i.id))
  })

  it('detect --summarize refuses bad LLM flags before any work (exit 2, one line, nothing written or printed)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--llm-timeout', '0'], /^Error: --llm-timeout must be a number of seconds in \(0, 3600\], got "0"$/],
      [['--max-cost', 'abc'], /^Error: --max-cost must be an amount in USD \(e\.g\. 0\.50\), got "abc"$/],
      [['--llm-provider', 'openai-compatible'], /^Error: The openai-compatible provider needs a model name\.$/],
      [['--llm-base-url', 'http://127.0.0.1:9/v1', '--llm-model', 'llama3.1:8b', '--max-cost', '1'], /^Error: Cannot enforce a cost limit: no price is known for openai-compatible model llama3\.1:8b\.$/],
    ]
    for (const [flags, message] of cases) {
      const out = join(dir, 'refused.json')
      const run = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--summarize', ...flags, '-o', out])
      expect(run.code, run.stderr).toBe(2)
      expect(run.stdout).toBe('')
      const lines = run.stderr.trimEnd().split('\n')
      expect(lines[0]).toMatch(message)
      expect(lines.length, run.stderr).toBeLessThanOrEqual(2)
      expect(existsSync(out)).toBe(false)
      // detect's --model is the detection model: the hint names the LLM's flag
      if (flags.includes('openai-compatible')) expect(lines[1]).toMatch(/^→ Pass --llm-model \(or set FLARE_MODEL\)/)
    }
  })

  it('detect --json returns the results with the summaries attached; --llm-model needs --summarize', async () => {
    const run = await runCli(['detect', '-i', 'data/service_sample.jsonl', '--summarize', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const parsed = JSON.parse(run.stdout)
    expect(Results.safeParse(parsed).success).toBe(true)
    expect(SummariesDocument.parse(parsed.summaries).incidents).toHaveLength(parsed.incidents.length)

    const orphan = await runCli(['detect', '-i', 'data/service_sample.jsonl', '--llm-model', 'claude-haiku-4-5'])
    expect(orphan.code).toBe(2)
    expect(orphan.stderr).toMatch(/summarize/)
  })

  it('a login and a token in --llm-base-url reach the server, never the terminal, --json, --dry-run or the summaries files', async () => {
    // The stand-in refuses, echoing the URL it was sent (query token included) as some servers do.
    server = await startFakeLlmServer('openai', (req) => openaiError(401, `no access for ${req.url}`))
    const base = `${server.openaiBaseURL.replace('http://', 'http://bob:HunterPW2@')}?api_key=TOKSECRET123`
    const llm = ['--llm-base-url', base, '--llm-model', 'q']
    const out = join(dir, 'login.json')
    const json = await runCli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', ...llm, '-o', out, '--json'])
    expect(json.code, json.stderr).toBe(4)
    expect(server.requests[0]!.url).toBe('/v1/chat/completions?api_key=TOKSECRET123')
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bob:HunterPW2').toString('base64')}`)
    expect(JSON.parse(json.stdout).incidents[0].error).toContain('HTTP 401: no access for /v1/chat/completions?api_key=<redacted>')
    const terminal = await runCli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', ...llm])
    expect(terminal.stdout).toContain('HTTP 401')
    const detected = join(dir, 'login-detect.json')
    const detectRun = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--summarize', ...llm, '-o', detected])
    expect(detectRun.code, detectRun.stderr).toBe(4)
    const dry = await runCli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', ...llm, '--dry-run'])
    expect(dry.stdout).toContain(`POST ${server.openaiBaseURL}/chat/completions?api_key=***`)
    expect(dry.stdout).toContain('authorization: Basic <redacted>')
    const written = [readFileSync(out, 'utf8'), readFileSync(join(dir, 'login-detect.summaries.json'), 'utf8')]
    for (const text of [json.stdout, json.stderr, terminal.stdout, terminal.stderr, detectRun.stdout, detectRun.stderr, dry.stdout, dry.stderr, ...written]) {
      expect(text).not.toMatch(/HunterPW2|TOKSECRET123/)
    }
  })
})
