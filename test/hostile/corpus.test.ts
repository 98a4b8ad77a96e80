import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {startFaultyMlflowServer, type FaultyMlflowServer} from '../helpers/faulty-mlflow-server.js'
import {anthropicError, anthropicToolUse, startFakeLlmServer, type FakeLlmServer} from '../helpers/fake-llm-servers.js'
import {groundedSummaryFromPrompt, userPrompt} from '../core/explain/fixtures.js'
import {buildCorpus, DOCUMENTED_EXIT_CODES, KEY, PASSWORD, writeBaseLog, type CaseClass, type HostileCase} from './corpus.js'

/**
 * Throws the generated hostile corpus (corpus.ts) at the real CLI and checks every run: an exit
 * code in the documented set and the one the case expects, no stack trace, previous outputs
 * byte-identical after a failure, no configured secret in any output or written file, and every
 * run over within its bound. Cases run a few at a time; the inputs are small.
 */
const CONCURRENCY = 4
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-corpus-'))
const servers: Array<FaultyMlflowServer | FakeLlmServer> = []

interface Outcome {
  c: HostileCase
  code: number
  elapsedMs: number
  problems: string[]
}
const outcomes: Outcome[] = []

/** An LLM endpoint that writes the key it was sent into the summary it returns. */
function echoSummary(body: unknown, authorization: string | undefined): Record<string, unknown> {
  const summary = groundedSummaryFromPrompt(userPrompt(body))
  const key = String(authorization ?? '').replace('Bearer ', '')
  return {...summary, root_cause: `authenticated as ${key}`, explanation: `${String(summary.explanation)} (key ${key})`}
}

function filesUnder(root: string): string[] {
  return fs.readdirSync(root, {recursive: true, withFileTypes: true}).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

async function runCase(c: HostileCase, index: number): Promise<Outcome> {
  const out = path.join(dir, 'cases', String(index).padStart(3, '0'))
  fs.mkdirSync(out, {recursive: true})
  for (const [name, content] of Object.entries(c.previous ?? {})) fs.writeFileSync(path.join(out, name), content)
  const args = c.args.map((a) => a.replaceAll('{out}', out))
  const run = await runCli(args, {env: {ANTHROPIC_API_KEY: KEY, MLFLOW_TRACKING_PASSWORD: PASSWORD, ...c.env}, input: c.stdin, cwd: out, killAfterMs: c.boundMs + 10_000})
  const problems: string[] = []
  if (run.killed) problems.push(`still running after ${c.boundMs + 10_000} ms: killed`)
  else if (run.elapsedMs > c.boundMs) problems.push(`took ${Math.round(run.elapsedMs)} ms (bound ${c.boundMs})`)
  if (!DOCUMENTED_EXIT_CODES.includes(run.code)) problems.push(`undocumented exit code ${run.code}`)
  else if (!c.expect.includes(run.code)) problems.push(`exit ${run.code}, expected ${c.expect.join(' or ')}`)
  for (const [stream, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
    if (/^\s+at .+[:(]\d+/m.test(text)) problems.push(`a stack trace on ${stream}`)
    if (/this is a bug/.test(text)) problems.push(`"this is a bug" on ${stream}`)
    for (const secret of [KEY, PASSWORD]) if (text.includes(secret)) problems.push(`configured secret ${secret.slice(0, 10)}… on ${stream}`)
  }
  for (const f of filesUnder(out)) {
    const text = fs.readFileSync(f, 'latin1')
    for (const secret of [KEY, PASSWORD]) if (text.includes(secret)) problems.push(`configured secret ${secret.slice(0, 10)}… in ${path.relative(out, f)}`)
  }
  if (run.code !== 0) {
    for (const [name, content] of Object.entries(c.previous ?? {})) {
      const now = fs.existsSync(path.join(out, name)) ? fs.readFileSync(path.join(out, name), 'utf8') : '(gone)'
      if (now !== content) problems.push(`previous ${name} changed by a failing run`)
    }
    const leftovers = filesUnder(out).filter((f) => /\.tmp|\.partial|flare-/.test(path.basename(f)))
    if (leftovers.length > 0) problems.push(`temporary files left: ${leftovers.map((f) => path.basename(f)).join(', ')}`)
  }
  const extra = c.check?.({code: run.code, stdout: run.stdout, stderr: run.stderr, dir: out})
  if (extra) problems.push(extra)
  if (problems.length > 0) problems.push(`stderr: ${run.stderr.trim().split('\n').slice(0, 4).join(' | ').slice(0, 400)}`)
  return {c, code: run.code, elapsedMs: run.elapsedMs, problems}
}

let wallMs = 0

beforeAll(async () => {
  const started = performance.now()
  const log = writeBaseLog(dir)
  const results = path.join(dir, 'results.json')
  const model = path.join(dir, 'model')
  const [fitted, scored] = await Promise.all([runCli(['detect', '-i', log, '--no-track', '--save-model', model]), runCli(['detect', '-i', log, '--no-track', '-o', results])])
  if (fitted.code !== 0 || scored.code !== 0) throw new Error(`could not build the corpus base: ${fitted.stderr}${scored.stderr}`)
  const mlflow = {} as Record<'hang' | '500' | '429' | 'garbage', string>
  for (const fault of ['hang', '500', '429', 'garbage'] as const) {
    const s = await startFaultyMlflowServer(fault)
    servers.push(s)
    mlflow[fault] = s.url
  }
  const llm = {} as Record<'hang' | '529' | 'echo' | 'garbage', string>
  const responders = {
    hang: () => ({hang: true as const}),
    529: () => anthropicError(529, 'overloaded_error', 'Overloaded'),
    echo: (req: {body: unknown; headers: {authorization?: string; 'x-api-key'?: string | string[]}}) => anthropicToolUse('record_incident_summary', echoSummary(req.body, req.headers.authorization ?? String(req.headers['x-api-key']))),
    garbage: () => ({status: 200, body: `\x1b]0;pwned\x07 not a message ${'{'.repeat(5)}`}),
  }
  for (const fault of ['hang', '529', 'echo', 'garbage'] as const) {
    const s = await startFakeLlmServer('anthropic', responders[fault])
    servers.push(s)
    llm[fault] = s.url
  }
  const cases = buildCorpus({dir, log, results, model, mlflow, llm})
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++
      outcomes[i] = await runCase(cases[i]!, i)
    }
  }
  await Promise.all(Array.from({length: CONCURRENCY}, worker))
  wallMs = performance.now() - started
  // For a look after the run: every case with its exit code, time and problems.
  fs.writeFileSync(path.join(os.tmpdir(), 'flare-hostile-corpus.json'), JSON.stringify(outcomes.map((o) => ({cls: o.c.cls, name: o.c.name, code: o.code, ms: Math.round(o.elapsedMs), problems: o.problems})), null, 1))
}, 600_000)

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
  fs.rmSync(dir, {recursive: true, force: true})
})

const CLASSES: CaseClass[] = ['input', 'flags', 'labels', 'model', 'mlflow', 'llm']

describe('the hostile corpus', () => {
  for (const cls of CLASSES) {
    it(`${cls}: every case ends as documented, with no stack, no lost file, no secret, in bounded time`, () => {
      const mine = outcomes.filter((o) => o.c.cls === cls)
      expect(mine.length).toBeGreaterThan(0)
      const failures = mine.filter((o) => o.problems.length > 0).map((o) => `${o.c.name}: ${o.problems.join('; ')}`)
      expect(failures).toEqual([])
    })
  }

  it('reports its counts', () => {
    const rows = CLASSES.map((cls) => {
      const mine = outcomes.filter((o) => o.c.cls === cls)
      const codes = new Map<number, number>()
      for (const o of mine) codes.set(o.code, (codes.get(o.code) ?? 0) + 1)
      const slowest = Math.max(...mine.map((o) => o.elapsedMs))
      return `${cls.padEnd(7)} ${String(mine.length).padStart(4)} cases  exits ${[...codes].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}×${n}`).join(' ')}  slowest ${(slowest / 1000).toFixed(1)} s`
    })
    console.log(`hostile corpus: ${outcomes.length} cases in ${(wallMs / 1000).toFixed(1)} s\n${rows.join('\n')}`)
    expect(outcomes.every((o) => o !== undefined)).toBe(true)
  })
})
