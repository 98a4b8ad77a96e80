import {afterEach, describe, expect, it} from 'vitest'
import {deterministicChecks} from '../../../src/core/explain/evidence.js'
import {createProvider, explainOffline} from '../../../src/core/explain/providers/index.js'
import {SummariesDocument} from '../../../src/core/explain/schema.js'
import {summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {anthropicError, anthropicToolUse, startFakeLlmServer, type FakeLlmServer} from '../../helpers/fake-llm-servers.js'
import {groundedSummaryFromPrompt, hdfsIncident, resultsWith, serviceIncident, userPrompt} from './fixtures.js'

let server: FakeLlmServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const scores = (r: number, s: number, a: number) => ({
  relevance: {score: r, reason: 'cites T3'},
  specificity: {score: s, reason: 'names lines'},
  actionability: {score: a, reason: 'clear first step'},
})

describe('judge', () => {
  it('scores each summary with a different model and reports means, cost and flat metrics', async () => {
    server = await startFakeLlmServer('anthropic', (req) => {
      if (req.body.tools[0].name === 'record_judgement') {
        return anthropicToolUse('record_judgement', userPrompt(req.body).includes('Incident INC-1') ? scores(5, 4, 3) : scores(3, 2, 5), {input_tokens: 800, output_tokens: 100})
      }
      return anthropicToolUse('record_incident_summary', groundedSummaryFromPrompt(userPrompt(req.body), {severity: 'medium'}))
    })
    const provider = createProvider({provider: 'anthropic', apiKey: 'sk-ant-judge-test-000000000000', baseURL: server.url, model: 'claude-sonnet-4-6', env: {}})
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident('INC-1'), serviceIncident('INC-2')]), {provider, eval: true, concurrency: 1})) as SummariesDocument
    SummariesDocument.parse(doc)

    const judgeRequests = server.requests.filter((r) => r.body.tools[0].name === 'record_judgement')
    expect(judgeRequests).toHaveLength(2)
    expect(judgeRequests.every((r) => r.body.model === 'claude-haiku-4-5')).toBe(true)
    expect(userPrompt(judgeRequests[0]!.body)).toContain('The explanation to grade')
    expect(doc.judge).toMatchObject({model: 'claude-haiku-4-5', provider: 'anthropic', judged: 2, relevance_mean: 4, specificity_mean: 3, actionability_mean: 4})
    // Haiku 4.5: 800 in at $1, 100 out at $5 per million, twice.
    expect(doc.judge!.cost_usd).toBeCloseTo(2 * (800 + 500) / 1e6, 9)
    expect(doc.judge!.metrics).toMatchObject({'judge.relevance_mean': 4, 'judge.specificity_mean': 3, 'judge.actionability_mean': 4})
    // INC-1 is high; a "medium" summary is one step away, so consistent.
    expect(doc.incidents[0]!.judge!.checks.severity_consistent).toBe(true)
    expect(doc.totals.cost_usd).toBeLessThan(doc.totals.cost_usd! + doc.judge!.cost_usd!)
  })

  it('keeps the summary when the judge call fails', async () => {
    server = await startFakeLlmServer('anthropic', (req) =>
      req.body.tools[0].name === 'record_judgement'
        ? anthropicError(400, 'invalid_request_error', 'nope')
        : anthropicToolUse('record_incident_summary', groundedSummaryFromPrompt(userPrompt(req.body))),
    )
    const provider = createProvider({provider: 'anthropic', apiKey: 'sk-ant-judge-test-000000000000', baseURL: server.url, model: 'claude-haiku-4-5', env: {}})
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider, eval: true})) as SummariesDocument
    expect(doc.incidents[0]!.status).toBe('ok')
    expect(doc.incidents[0]!.judge!.scores).toBeNull()
    expect(doc.incidents[0]!.judge!.error).toMatch(/400/)
    // A Haiku writer is judged by the default Sonnet.
    expect(doc.judge!.model).toBe('claude-sonnet-5-5')
  })

  it('deterministic checks catch invented evidence, empty remediation and a severity jump', () => {
    const incident = hdfsIncident()
    const summary = explainOffline(incident, 'hdfs')
    const bad = {
      ...summary,
      severity: 'low' as const,
      remediation: [],
      evidence: [...summary.evidence, {kind: 'line' as const, ref: '1057', text: 'No space left on device'}, {kind: 'template' as const, ref: 'T77', text: 'x'}],
    }
    const checks = deterministicChecks(incident, bad)
    expect(checks.evidence_present).toBe(false)
    expect(checks.evidence_missing).toEqual(['line:1057', 'template:T77'])
    expect(checks.remediation_present).toBe(false)
    expect(checks.severity_consistent).toBe(false)
    expect(checks.severity_note).toMatch(/2 steps/)
    expect(checks.passed).toBe(false)
  })
})
