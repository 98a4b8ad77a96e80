import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {SummariesDocument} from '../../src/core/explain/schema.js'
import {Results} from '../../src/core/results.js'
import {groundedSummaryFromPrompt, userPrompt} from '../core/explain/fixtures.js'
import {anthropicError, anthropicToolUse, openaiCompletion, startFakeLlmServer, type FakeLlmServer} from '../helpers/fake-llm-servers.js'

/**
 * `flare summarize` and `flare detect --summarize` through the built CLI (node bin/run.js), as a
 * user runs them: real results files from `flare detect`, the stand-in Messages API for Claude.
 */

const ROOT = resolve(import.meta.dirname, '../..')
const API_KEY = 'sk-ant-api03-CLI-TESTKEY-must-never-leak-9876543210fedcba'
const SUMMARY_TOOL = 'record_incident_summary'
const JUDGE_TOOL = 'record_judgement'

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Async on purpose: the stand-in server runs in this process and must answer while the CLI waits. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base: Record<string, string | undefined> = {...process.env}
  for (const key of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'FLARE_PROVIDER', 'FLARE_MODEL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'FORCE_COLOR', 'DEBUG']) delete base[key]
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['bin/run.js', ...args], {cwd: ROOT, env: {...base, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', fail)
    child.on('close', (code) => done({code, stdout, stderr}))
  })
}

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'))
}

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

let dir: string
let hdfsResults: string
let serviceResults: string
let server: FakeLlmServer | undefined

beforeAll(async () => {
  // `npm test` builds first; rebuild when run alone against sources newer than dist.
  const built = join(ROOT, 'dist/commands/summarize.js')
  const sources = ['src/commands/summarize.ts', 'src/ui/summaries.ts', 'src/commands/detect.ts'].map((p) => statSync(join(ROOT, p)).mtimeMs)
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources)) {
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {cwd: ROOT, encoding: 'utf8'})
    if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`)
  }
  dir = mkdtempSync(join(tmpdir(), 'flare-summarize-'))
  hdfsResults = join(dir, 'r.json')
  serviceResults = join(dir, 's.json')
  const [hdfs, service] = await Promise.all([
    cli(['detect', '-i', 'data/hdfs_sample.log', '-o', hdfsResults]),
    cli(['detect', '-i', 'data/service_sample.jsonl', '-o', serviceResults]),
  ])
  expect(hdfs.code, hdfs.stderr).toBe(0)
  expect(service.code, service.stderr).toBe(0)
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

describe('flare summarize (offline, through the built CLI)', () => {
  it('explains every incident with its own templates and line numbers, writes a valid document, and is deterministic', async () => {
    const first = join(dir, 'offline-1.json')
    const second = join(dir, 'offline-2.json')
    const a = await cli(['summarize', '-i', hdfsResults, '-o', first])
    const b = await cli(['summarize', '-i', hdfsResults, '-o', second])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
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

  it('prints the summaries document as pure JSON with --json for a request-keyed log, and --eval adds the checks', async () => {
    const run = await cli(['summarize', '-i', serviceResults, '--json', '--eval'])
    expect(run.code, run.stderr).toBe(0)
    const doc = SummariesDocument.parse(JSON.parse(run.stdout))
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
    const one = await cli(['summarize', '-i', hdfsResults, '--incident', 'INC-002', '--json'])
    expect(one.code, one.stderr).toBe(0)
    expect(JSON.parse(one.stdout).incidents.map((r: any) => r.incident_id)).toEqual(['INC-002'])

    const unknown = await cli(['summarize', '-i', hdfsResults, '--incident', 'INC-999'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown incident id: INC-999')
    expect(unknown.stderr).toContain('INC-001')
    expect(unknown.stderr).not.toContain('    at ')
  })
})

describe('flare summarize with Claude (stand-in Messages API)', () => {
  it('explains through the API with cost and judge scores, and the key never leaves the request header', async () => {
    server = await startFakeLlmServer('anthropic', claude())
    const out = join(dir, 'claude.json')
    const run = await cli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', '--incident', 'INC-003', '--eval', '-o', out], {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url})
    expect(run.code, run.stderr).toBe(0)

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
    const env = {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url}
    const run = await cli(['summarize', '-i', hdfsResults, '--dry-run', '--incident', 'INC-002'], env)
    expect(run.code, run.stderr).toBe(0)
    expect(server.requests).toHaveLength(0)
    expect(run.stdout).toContain(`POST ${server.url}/v1/messages`)
    expect(run.stdout).toMatch(/authorization: Bearer <redacted>/)
    expect(run.stdout).toContain(`"name": "${SUMMARY_TOOL}"`)
    // The body is the real prompt: it carries the incident's own sample lines.
    const incident = Results.parse(readJson(hdfsResults)).incidents.find((i) => i.id === 'INC-002')!
    expect(run.stdout).toContain(`line ${incident.sample_lines[0]!.line}`)
    expect(run.stdout).toMatch(/est\. tokens in/)
    expect(run.stdout + run.stderr).not.toContain(API_KEY)

    const json = await cli(['summarize', '-i', hdfsResults, '--dry-run', '--json'], env)
    expect(json.code, json.stderr).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report.dry_run).toBe(true)
    expect(report.requests).toHaveLength(Results.parse(readJson(hdfsResults)).incidents.length)
    expect(report.totals.estimated_input_tokens).toBeGreaterThan(0)
    expect(json.stdout).not.toContain(API_KEY)
    expect(server.requests).toHaveLength(0)
  })

  it('--max-cost stops before the budget is exceeded, names what it skipped and keeps what was done', async () => {
    server = await startFakeLlmServer('anthropic', claude())
    const out = join(dir, 'budget.json')
    const run = await cli(['summarize', '-i', hdfsResults, '--max-cost', '0.02', '--concurrency', '1', '-o', out], {ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url})
    // A budget stop is the limit the user asked for, not a failure.
    expect(run.code, run.stderr).toBe(0)
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
    const run = await cli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', '--incident', 'INC-002', '--incident', 'INC-003', '-o', out], {
      ANTHROPIC_API_KEY: API_KEY,
      ANTHROPIC_BASE_URL: server.url,
    })
    expect(run.code).toBe(4)
    expect(run.stderr).toContain('1 of 3 incidents could not be explained (INC-002)')
    expect(run.stderr).not.toContain('    at ')
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
    const run = await cli(['summarize', '-i', serviceResults, '--llm-base-url', server.openaiBaseURL, '--model', 'llama3.1:8b', '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(server.requests.length).toBeGreaterThan(0)
    expect(server.requests[0]!.body.model).toBe('llama3.1:8b')
    const doc = SummariesDocument.parse(JSON.parse(run.stdout))
    expect(doc.provider).toBe('openai-compatible')
    expect(doc.totals.cost_usd).toBeNull()

    const shown = await cli(['summarize', '-i', serviceResults, '--llm-base-url', server.openaiBaseURL, '--model', 'llama3.1:8b'])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/│ +unknown │/)
    expect(shown.stdout).toContain('cost unknown: no price is known for openai-compatible model llama3.1:8b')
  })

  it('asking for Claude without a key says how to fix it', async () => {
    const run = await cli(['summarize', '-i', hdfsResults, '--provider', 'anthropic'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('needs an API key')
    expect(run.stderr).toContain('ANTHROPIC_API_KEY')
    expect(run.stderr).not.toContain('    at ')
  })
})

describe('flare summarize: bad results files', () => {
  const cases: Array<[string, (path: string) => void, RegExp]> = [
    ['a missing file', () => {}, /cannot read results file .*missing\.json: no such file/],
    ['invalid JSON', (p) => writeFileSync(p, '{"version": 1, "summary": '), /invalid\.json is not valid JSON/],
    ['a JSON that is not a results document', (p) => writeFileSync(p, JSON.stringify({version: 1, summary: {input: 'x.log'}, incidents: []})), /wrong\.json is not a Flare results document: summary\.\w+/],
  ]
  const names = ['missing.json', 'invalid.json', 'wrong.json']

  it.each(cases.map((c, i) => [c[0], names[i]!, c[1], c[2]] as const))('%s → exit 3, the file named, a hint, no stack trace', async (_label, name, make, message) => {
    const path = join(dir, name)
    make(path)
    const run = await cli(['summarize', '-i', path])
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).toContain('flare detect -i LOG -o')
    expect(run.stderr).not.toContain('    at ')
    expect(run.stdout).toBe('')
  })

  it('a summaries document passed as results is recognised; DEBUG=flare* shows the stack', async () => {
    const summaries = join(dir, 'offline-for-debug.json')
    expect((await cli(['summarize', '-i', hdfsResults, '--incident', 'INC-001', '-o', summaries])).code).toBe(0)
    const run = await cli(['summarize', '-i', summaries], {DEBUG: 'flare*'})
    expect(run.code).toBe(3)
    expect(run.stderr).toContain('that is a summaries document')
    expect(run.stderr).toContain('    at ')
  })
})

describe('flare detect --summarize', () => {
  it('detects, prints the incident table then the summaries, and writes <output>.summaries.json', async () => {
    const out = join(dir, 'detect.json')
    const run = await cli(['detect', '-i', 'data/hdfs_sample.log', '--summarize', '-o', out])
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

  it('--json returns the results with the summaries attached; --llm-model needs --summarize', async () => {
    const run = await cli(['detect', '-i', 'data/service_sample.jsonl', '--summarize', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const parsed = JSON.parse(run.stdout)
    expect(Results.safeParse(parsed).success).toBe(true)
    expect(SummariesDocument.parse(parsed.summaries).incidents).toHaveLength(parsed.incidents.length)

    const orphan = await cli(['detect', '-i', 'data/service_sample.jsonl', '--llm-model', 'claude-haiku-4-5'])
    expect(orphan.code).toBe(2)
    expect(orphan.stderr).toMatch(/summarize/)
  })
})
