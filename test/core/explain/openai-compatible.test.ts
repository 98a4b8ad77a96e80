import {afterEach, describe, expect, it} from 'vitest'
import {createProvider} from '../../../src/core/explain/providers/index.js'
import {planSummaries, summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {SummariesDocument} from '../../../src/core/explain/schema.js'
import {openaiCompletion, openaiError, startFakeLlmServer, type FakeLlmServer} from '../../helpers/fake-llm-servers.js'
import {groundedSummaryFromPrompt, hdfsIncident, PLANTED, resultsWith, serviceIncident, userPrompt} from './fixtures.js'

const KEY = 'local-key-should-stay-secret-987654321'
const PRICE = {input: 0.5, output: 1.5, cache_write: 0, cache_read: 0.25}

let server: FakeLlmServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function provider(baseURL: string, extra: Record<string, unknown> = {}) {
  return createProvider({
    provider: 'openai-compatible',
    baseURL,
    model: 'qwen2.5-7b-instruct',
    apiKey: KEY,
    timeoutMs: 5_000,
    retry: {baseDelayMs: 20, maxDelayMs: 100},
    price: PRICE,
    env: {},
    ...extra,
  })
}

const grounded = (body: any, overrides = {}) => openaiCompletion(JSON.stringify(groundedSummaryFromPrompt(userPrompt(body), overrides)))

describe('openai-compatible provider against a stand-in Chat Completions API', () => {
  it('sends response_format json_schema with the summary schema and bearer auth; validates and prices the answer', async () => {
    server = await startFakeLlmServer('openai', (req) => openaiCompletion(JSON.stringify(groundedSummaryFromPrompt(userPrompt(req.body))), {prompt_tokens: 3000, completion_tokens: 600, cached: 1000}))
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: provider(server.openaiBaseURL)})) as SummariesDocument
    const req = server.requests[0]!
    expect(req.path).toBe('/v1/chat/completions')
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(req.body.model).toBe('qwen2.5-7b-instruct')
    expect(req.body.messages[0].role).toBe('system')
    expect(req.body.response_format.type).toBe('json_schema')
    expect(req.body.response_format.json_schema.strict).toBe(true)
    expect(req.body.response_format.json_schema.schema.required).toContain('ruled_out')
    expect(req.body.response_format.json_schema.schema.additionalProperties).toBe(false)
    const record = doc.incidents[0]!
    expect(record.status).toBe('ok')
    expect(record.usage).toEqual({input_tokens: 2000, output_tokens: 600, cache_read: 1000, cache_write: 0})
    expect(record.cost_usd).toBeCloseTo((2000 * 0.5 + 600 * 1.5 + 1000 * 0.25) / 1e6, 9)
  })

  it('repairs invalid JSON once, sending the parse error back', async () => {
    server = await startFakeLlmServer('openai', (req) => (req.index === 0 ? openaiCompletion('{"explanation": "cut off') : grounded(req.body)))
    const result = await provider(server.openaiBaseURL).explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests).toHaveLength(2)
    const messages = server.requests[1]!.body.messages
    expect(messages.at(-2)).toEqual({role: 'assistant', content: '{"explanation": "cut off'})
    expect(messages.at(-1).content).toMatch(/not valid JSON/)
    expect(result.repaired).toBe(true)
  })

  it('repairs ungrounded evidence: a cited line that is not in the incident', async () => {
    server = await startFakeLlmServer('openai', (req) =>
      req.index === 0 ? grounded(req.body, {evidence: [{kind: 'line', ref: '999999', text: 'made up'}]}) : grounded(req.body),
    )
    const result = await provider(server.openaiBaseURL).explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests[1]!.body.messages.at(-1).content).toMatch(/line 999999 is not a sample line/)
    expect(result.summary.evidence[0]!.ref).not.toBe('999999')
  })

  it('honours retry-after on 429', async () => {
    const times: number[] = []
    server = await startFakeLlmServer('openai', (req) => {
      times.push(Date.now())
      return req.index === 0 ? openaiError(429, 'rate limited', {'retry-after': '1'}) : grounded(req.body)
    })
    await provider(server.openaiBaseURL).explain(hdfsIncident(), {format: 'hdfs'})
    expect(times).toHaveLength(2)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950)
  })

  it('retries a 503 then succeeds, and does not retry a 400', async () => {
    server = await startFakeLlmServer('openai', (req) => (req.index === 0 ? openaiError(503, 'loading model') : grounded(req.body)))
    const ok = await provider(server.openaiBaseURL).explain(hdfsIncident(), {format: 'hdfs'})
    expect(server.requests).toHaveLength(2)
    expect(ok.attempts).toBe(1)

    server.respond(() => openaiError(400, 'bad schema'))
    const before = server.requests.length
    await expect(provider(server.openaiBaseURL).explain(hdfsIncident(), {format: 'hdfs'})).rejects.toThrow(/HTTP 400: bad schema/)
    expect(server.requests.length - before).toBe(1)
  })

  it('times out a server that never answers', async () => {
    server = await startFakeLlmServer('openai', () => ({hang: true}))
    const started = Date.now()
    await expect(provider(server.openaiBaseURL, {timeoutMs: 250, maxRetries: 1}).explain(hdfsIncident(), {format: 'hdfs'})).rejects.toThrow(/timed out after 250 ms/)
    expect(server.requests).toHaveLength(2)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('respects the concurrency limit and the budget', async () => {
    server = await startFakeLlmServer('openai', (req) => ({...grounded(req.body), delayMs: 120}))
    const incidents = Array.from({length: 5}, (_, i) => hdfsIncident(`INC-${i + 1}`))
    const doc = (await summarizeIncidents(resultsWith(incidents), {provider: provider(server.openaiBaseURL), concurrency: 3})) as SummariesDocument
    expect(server.maxInFlight).toBe(3)
    expect(doc.totals.ok).toBe(5)

    const p = provider(server.openaiBaseURL)
    const plan = planSummaries(resultsWith(incidents), {provider: p})
    const {estimated_cost_usd, estimated_input_tokens, estimated_output_tokens} = plan.requests[0]!.request!
    const one = estimated_cost_usd!
    // Each call really costs what was estimated, so 2.5 calls' worth of budget fits exactly two.
    server.respond((req) =>
      openaiCompletion(JSON.stringify(groundedSummaryFromPrompt(userPrompt(req.body))), {prompt_tokens: estimated_input_tokens, completion_tokens: estimated_output_tokens}),
    )
    const before = server.requests.length
    const limited = (await summarizeIncidents(resultsWith(incidents), {provider: p, concurrency: 1, maxCostUsd: one * 2.5})) as SummariesDocument
    expect(limited.incidents.filter((r) => r.status === 'ok')).toHaveLength(2)
    expect(limited.incidents.slice(2).every((r) => r.status === 'skipped_budget')).toBe(true)
    expect(server.requests.length - before).toBe(2)
  })

  it('redacts planted secrets and keeps the key out of errors and output', async () => {
    server = await startFakeLlmServer('openai', (req) => grounded(req.body))
    const doc = (await summarizeIncidents(resultsWith([serviceIncident('INC-1', true)], 'json'), {provider: provider(server.openaiBaseURL)})) as SummariesDocument
    const sent = server.requests.map((r) => r.rawBody).join('\n')
    for (const secret of Object.values(PLANTED)) expect(sent).not.toContain(secret)
    expect(JSON.stringify(doc)).not.toContain(KEY)

    server.respond(() => openaiError(401, `bad key ${KEY}`))
    const failed = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: provider(server.openaiBaseURL)})) as SummariesDocument
    expect(failed.incidents[0]!.error).toMatch(/401/)
    expect(JSON.stringify(failed)).not.toContain(KEY)
  })

  it('reports cost as unknown without a price', async () => {
    server = await startFakeLlmServer('openai', (req) => grounded(req.body))
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider: provider(server.openaiBaseURL, {price: undefined})})) as SummariesDocument
    expect(doc.totals.cost_usd).toBeNull()
    expect(doc.totals.cost_note).toMatch(/cost unknown/)
  })
})
