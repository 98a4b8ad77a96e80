import {afterEach, describe, expect, it} from 'vitest'
import {AnthropicProvider, createProvider} from '../../../src/core/explain/providers/index.js'
import {planSummaries, summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {IncidentSummary, SummariesDocument} from '../../../src/core/explain/schema.js'
import {MODEL_PRICES, costOf} from '../../../src/core/explain/pricing.js'
import {anthropicError, anthropicText, anthropicToolUse, startFakeLlmServer, type FakeLlmServer} from '../../helpers/fake-llm-servers.js'
import {groundedSummaryFromPrompt, hdfsIncident, PLANTED, resultsWith, serviceIncident, userPrompt} from './fixtures.js'

const API_KEY = 'sk-ant-api03-TESTKEY-must-never-leak-0123456789abcdef'
const TOOL = 'record_incident_summary'

let server: FakeLlmServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function provider(url: string, extra: Partial<ConstructorParameters<typeof AnthropicProvider>[0]> = {}) {
  return createProvider({
    provider: 'anthropic',
    apiKey: API_KEY,
    baseURL: url,
    model: 'claude-haiku-4-5',
    timeoutMs: 5_000,
    retry: {baseDelayMs: 20, maxDelayMs: 100},
    env: {},
    ...extra,
  } as never)
}

const grounded = (body: any, overrides = {}) => anthropicToolUse(TOOL, groundedSummaryFromPrompt(userPrompt(body), overrides))

describe('anthropic provider against a stand-in Messages API', () => {
  it('sends a cached system prompt, a forced tool built from the zod schema, and returns a validated summary with cost', async () => {
    server = await startFakeLlmServer('anthropic', (req) =>
      anthropicToolUse(TOOL, groundedSummaryFromPrompt(userPrompt(req.body)), {input_tokens: 2000, output_tokens: 500, cache_read_input_tokens: 1500, cache_creation_input_tokens: 0}),
    )
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: provider(server.url)})) as SummariesDocument
    expect(SummariesDocument.safeParse(doc).success).toBe(true)

    const [req] = server.requests
    // SDK 1.x sends the API key as a bearer token (older SDKs used x-api-key).
    expect(req!.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(req!.headers['x-api-key']).toBeUndefined()
    expect(req!.headers['anthropic-version']).toBeDefined()
    expect(req!.headers['x-stainless-retry-count']).toBe('0')
    expect(req!.body.model).toBe('claude-haiku-4-5')
    expect(req!.body.system[0].cache_control).toEqual({type: 'ephemeral'})
    expect(req!.body.tools[0].name).toBe(TOOL)
    expect(req!.body.tools[0].input_schema.properties.severity.enum).toEqual(['low', 'medium', 'high', 'critical'])
    expect(req!.body.tool_choice).toMatchObject({type: 'tool', name: TOOL})
    expect(userPrompt(req!.body)).toContain('line 1057 [T3]')

    const record = doc.incidents[0]!
    expect(record.status).toBe('ok')
    expect(IncidentSummary.parse(record.summary).evidence.length).toBeGreaterThan(0)
    expect(record.usage).toEqual({input_tokens: 2000, output_tokens: 500, cache_read: 1500, cache_write: 0})
    // Haiku 4.5: $1 in, $5 out, $0.10 cache read per million.
    expect(record.cost_usd).toBeCloseTo((2000 * 1 + 500 * 5 + 1500 * 0.1) / 1e6, 9)
    expect(doc.totals.cost_usd).toBeCloseTo(record.cost_usd!, 9)
    expect(doc.offline).toBe(false)
  })

  it('uses tool_choice auto (not forced) for the default generation-5 Sonnet', async () => {
    server = await startFakeLlmServer('anthropic', (req) => grounded(req.body))
    const p = createProvider({provider: 'anthropic', apiKey: API_KEY, baseURL: server.url, env: {}})
    expect(p.model).toBe('claude-sonnet-5-5')
    await p.explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests[0]!.body.tool_choice.type).toBe('auto')
    expect(server.requests[0]!.body.system[0].text).toContain(`calling the ${TOOL} tool`)
  })

  it('repairs once: schema errors go back as an is_error tool_result and the second answer is used', async () => {
    server = await startFakeLlmServer('anthropic', (req) =>
      req.index === 0 ? anthropicToolUse(TOOL, {...groundedSummaryFromPrompt(userPrompt(req.body)), severity: 'urgent', confidence: 3}) : grounded(req.body),
    )
    const result = await provider(server.url).explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests).toHaveLength(2)
    const repair = server.requests[1]!.body.messages
    expect(repair).toHaveLength(3)
    expect(repair[1].role).toBe('assistant')
    const toolResult = repair[2].content[0]
    expect(toolResult.type).toBe('tool_result')
    expect(toolResult.is_error).toBe(true)
    expect(toolResult.content).toMatch(/severity/)
    expect(toolResult.content).toMatch(/confidence/)
    expect(result.repaired).toBe(true)
    expect(result.attempts).toBe(2)
    expect(result.usage.input_tokens).toBe(2000)
  })

  it('asks again when the reply has no tool call and accepts the repaired answer', async () => {
    server = await startFakeLlmServer('anthropic', (req) => (req.index === 0 ? anthropicText('I think the DataNode failed. {not json') : grounded(req.body)))
    const result = await provider(server.url).explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests).toHaveLength(2)
    expect(JSON.stringify(server.requests[1]!.body.messages[2])).toMatch(/no record_incident_summary tool call/)
    expect(result.repaired).toBe(true)
  })

  it('marks an incident failed after a second invalid answer without losing the others', async () => {
    server = await startFakeLlmServer('anthropic', (req) =>
      userPrompt(req.body).includes('Incident INC-2') ? anthropicToolUse(TOOL, {explanation: 'nope'}) : grounded(req.body),
    )
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident('INC-1'), serviceIncident('INC-2'), hdfsIncident('INC-3')]), {
      provider: provider(server.url),
      concurrency: 1,
    })) as SummariesDocument
    expect(doc.incidents.map((r) => r.status)).toEqual(['ok', 'error', 'ok'])
    const failed = doc.incidents[1]!
    expect(failed.error).toMatch(/invalid output twice/)
    expect(failed.attempts).toBe(2)
    expect(failed.cost_usd).toBeGreaterThan(0)
    expect(doc.totals).toMatchObject({ok: 2, failed: 1, skipped_budget: 0})
  })

  it('waits for retry-after on 429 and then retries', async () => {
    let firstAt = 0
    let secondAt = 0
    server = await startFakeLlmServer('anthropic', (req) => {
      if (req.index === 0) {
        firstAt = Date.now()
        return anthropicError(429, 'rate_limit_error', 'slow down', {'retry-after': '1'})
      }
      secondAt = Date.now()
      return grounded(req.body)
    })
    const result = await provider(server.url).explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests).toHaveLength(2)
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(950)
    expect(result.attempts).toBe(1)
  })

  it('retries a 529 overloaded error and succeeds', async () => {
    server = await startFakeLlmServer('anthropic', (req) => (req.index === 0 ? anthropicError(529, 'overloaded_error', 'Overloaded') : grounded(req.body)))
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: provider(server.url)})) as SummariesDocument
    expect(server.requests).toHaveLength(2)
    expect(doc.incidents[0]!.status).toBe('ok')
  })

  it('gives up after the retries when the server never answers', async () => {
    server = await startFakeLlmServer('anthropic', () => ({hang: true}))
    const started = Date.now()
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {
      provider: provider(server.url, {timeoutMs: 300, maxRetries: 1} as never),
    })) as SummariesDocument
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(server.requests).toHaveLength(2)
    expect(doc.incidents[0]!.status).toBe('error')
    expect(doc.incidents[0]!.error).toMatch(/timed out after 300 ms/)
  })

  it('stops before exceeding maxCostUsd and keeps finished incidents', async () => {
    server = await startFakeLlmServer('anthropic', (req) => anthropicToolUse(TOOL, groundedSummaryFromPrompt(userPrompt(req.body)), {input_tokens: 1500, output_tokens: 900}))
    const p = provider(server.url)
    const results = resultsWith([hdfsIncident('INC-1'), hdfsIncident('INC-2'), hdfsIncident('INC-3')])
    const plan = planSummaries(results, {provider: p})
    const one = plan.requests[0]!.request!.estimated_cost_usd!
    expect(one).toBeGreaterThan(0)
    const doc = (await summarizeIncidents(results, {provider: p, maxCostUsd: one * 1.5, concurrency: 1})) as SummariesDocument
    expect(server.requests).toHaveLength(1)
    expect(doc.incidents.map((r) => r.status)).toEqual(['ok', 'skipped_budget', 'skipped_budget'])
    expect(doc.incidents[0]!.summary).not.toBeNull()
    expect(doc.budget).toEqual({max_cost_usd: one * 1.5, stopped: true})
    expect(doc.totals.cost_usd!).toBeLessThanOrEqual(one * 1.5)
  })

  it('refuses a budget when the model has no price, and says cost is unknown without one', async () => {
    server = await startFakeLlmServer('anthropic', (req) => grounded(req.body))
    const p = provider(server.url, {model: 'claude-imaginary-9'} as never)
    await expect(summarizeIncidents(resultsWith([hdfsIncident()]), {provider: p, maxCostUsd: 1})).rejects.toThrow(/no price is known/)
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: p})) as SummariesDocument
    expect(doc.incidents[0]!.cost_usd).toBeNull()
    expect(doc.totals.cost_usd).toBeNull()
    expect(doc.totals.cost_note).toMatch(/cost unknown.*claude-imaginary-9/)
  })

  it('never has more requests in flight than the concurrency limit', async () => {
    server = await startFakeLlmServer('anthropic', (req) => ({...grounded(req.body), delayMs: 150}))
    const incidents = Array.from({length: 6}, (_, i) => hdfsIncident(`INC-${i + 1}`))
    const started: string[] = []
    const doc = (await summarizeIncidents(resultsWith(incidents), {
      provider: provider(server.url),
      concurrency: 2,
      onIncidentStart: (incident) => started.push(incident.id),
    })) as SummariesDocument
    expect(server.requests).toHaveLength(6)
    expect(server.maxInFlight).toBe(2)
    expect(started).toHaveLength(6)
    expect(doc.totals.ok).toBe(6)
  })
})

describe('secrets and personal data', () => {
  it('never sends planted secrets, restores them in the stored summary, and never leaks the API key', async () => {
    server = await startFakeLlmServer('anthropic', (req) => {
      // The stand-in "model" quotes the (redacted) line it was shown, pseudonyms included.
      const prompt = userPrompt(req.body)
      const email = /<EMAIL_\d+>/.exec(prompt)?.[0]
      const line = /^line 91 \[T11\] \([^)]*\): (.*)$/m.exec(prompt)![1]!
      return anthropicToolUse(
        TOOL,
        groundedSummaryFromPrompt(prompt, {root_cause: `Upstream auth failed for ${email}`, evidence: [{kind: 'line', ref: '91', text: line}]}),
      )
    })
    const incident = serviceIncident('INC-9', true)
    const doc = (await summarizeIncidents(resultsWith([incident], 'json'), {provider: provider(server.url)})) as SummariesDocument
    const sent = server.requests.map((r) => r.rawBody).join('\n')
    expect(sent).not.toContain(PLANTED.password)
    expect(sent).not.toContain(PLANTED.anthropicKey)
    expect(sent).not.toContain(PLANTED.email)
    expect(sent).toMatch(/<EMAIL_1>/)
    expect(sent).toMatch(/<SECRET_1>/)

    const record = doc.incidents[0]!
    expect(record.status).toBe('ok')
    expect(record.summary!.root_cause).toBe(`Upstream auth failed for ${PLANTED.email}`)
    const quoted = record.summary!.evidence.find((e) => e.ref === '91')!
    expect(quoted.text).toContain(PLANTED.password)
    expect(quoted.text).toBe(incident.sample_lines.find((l) => l.line === 91)!.text)
    expect(doc.redaction.replaced.EMAIL).toBe(1)
    expect(JSON.stringify(doc)).not.toContain(API_KEY)
  })

  it('keeps the API key out of error messages, results and dry-run output', async () => {
    server = await startFakeLlmServer('anthropic', () => anthropicError(401, 'authentication_error', `invalid x-api-key ${API_KEY}`))
    const p = provider(server.url)
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: p})) as SummariesDocument
    expect(doc.incidents[0]!.status).toBe('error')
    expect(doc.incidents[0]!.error).toMatch(/401/)
    expect(doc.incidents[0]!.error).not.toContain(API_KEY)
    expect(JSON.stringify(doc)).not.toContain(API_KEY)
    await expect(p.explain(hdfsIncident(), {format: 'hdfs'})).rejects.toSatisfy((error: Error) => !error.message.includes(API_KEY) && !String(error.stack).includes(API_KEY))
    const plan = planSummaries(resultsWith([hdfsIncident()]), {provider: p})
    expect(JSON.stringify(plan)).not.toContain(API_KEY)
    expect(plan.requests[0]!.request!.headers.authorization).toBe('Bearer <redacted>')
  })

  it('dry run returns the exact redacted bodies with estimates and sends nothing', async () => {
    server = await startFakeLlmServer('anthropic', (req) => grounded(req.body))
    const p = provider(server.url)
    const results = resultsWith([serviceIncident('INC-1', true), hdfsIncident('INC-2')], 'json')
    const plan = await summarizeIncidents(results, {provider: p, dryRun: true})
    expect(plan.dry_run).toBe(true)
    expect(server.requests).toHaveLength(0)
    expect(plan.requests).toHaveLength(2)
    const body = JSON.stringify(plan.requests[0]!.request!.body)
    expect(body).not.toContain(PLANTED.password)
    expect(body).not.toContain(PLANTED.email)
    expect(plan.requests[0]!.request!.url).toBe(`${server.url}/v1/messages`)
    expect(plan.totals.estimated_input_tokens).toBeGreaterThan(500)
    const expected = plan.requests.reduce((sum, r) => sum + r.request!.estimated_cost_usd!, 0)
    expect(plan.totals.estimated_cost_usd).toBeCloseTo(expected, 6)
    // The body a real run sends is the one the dry run showed.
    await summarizeIncidents(results, {provider: p, concurrency: 1})
    expect(server.requests[0]!.body).toEqual(plan.requests[0]!.request!.body)
  })
})

describe('price table', () => {
  it('prices cache reads and writes and handles snapshot ids', () => {
    const usage = {input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read: 1_000_000, cache_write: 1_000_000}
    expect(costOf(MODEL_PRICES['claude-sonnet-4-6'], usage)).toBeCloseTo(3 + 15 + 0.3 + 3.75, 6)
    expect(costOf(MODEL_PRICES['claude-opus-4-5'], usage)).toBeCloseTo(5 + 25 + 0.5 + 6.25, 6)
    expect(costOf(undefined, usage)).toBeNull()
  })
})
