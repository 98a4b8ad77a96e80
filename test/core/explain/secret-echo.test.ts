import {afterEach, describe, expect, it} from 'vitest'
import {createProvider} from '../../../src/core/explain/providers/index.js'
import {summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {configuredSecrets, scrubDeep} from '../../../src/core/secrets.js'
import {anthropicToolUse, openaiCompletion, startFakeLlmServer, type FakeLlmServer} from '../../helpers/fake-llm-servers.js'
import {groundedSummaryFromPrompt, hdfsIncident, resultsWith, userPrompt} from './fixtures.js'

const KEY = 'sk-ant-api03-ECHOED-KEY-0123456789abcdef'

let server: FakeLlmServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An endpoint that writes the credential it received into every text field of its answer. */
function echoing(body: any, credential: string) {
  const summary = groundedSummaryFromPrompt(userPrompt(body)) as Record<string, unknown>
  summary.explanation = `${String(summary.explanation)} (authenticated as ${credential})`
  summary.root_cause = `key ${credential}`
  return summary
}

describe('a reply that echoes the API key', () => {
  it('never carries the key into the summaries document (openai-compatible)', async () => {
    server = await startFakeLlmServer('openai', (req) => openaiCompletion(JSON.stringify(echoing(req.body, String(req.headers.authorization).replace('Bearer ', '')))))
    const provider = createProvider({provider: 'openai-compatible', baseURL: server.openaiBaseURL, model: 'm', apiKey: KEY, env: {}, retry: {baseDelayMs: 1, maxDelayMs: 2}})
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    const text = JSON.stringify(doc)
    expect(doc.incidents[0]!.status).toBe('ok')
    expect(text).toContain('authenticated as <redacted>')
    expect(text).not.toContain(KEY)
  })

  it('never carries the key into the summaries document (anthropic SDK)', async () => {
    server = await startFakeLlmServer('anthropic', (req) => anthropicToolUse('record_incident_summary', echoing(req.body, String(req.headers.authorization).replace('Bearer ', ''))))
    const provider = createProvider({provider: 'anthropic', baseURL: server.url, apiKey: KEY, env: {}, retry: {baseDelayMs: 1, maxDelayMs: 2}})
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(doc.incidents[0]!.status).toBe('ok')
    expect(JSON.stringify(doc)).toContain('authenticated as <redacted>')
    expect(JSON.stringify(doc)).not.toContain(KEY)
  })
})

describe('configured secrets', () => {
  it('are read from every credential variable and from a password in MLFLOW_TRACKING_URI', () => {
    const secrets = configuredSecrets({ANTHROPIC_API_KEY: KEY, MLFLOW_TRACKING_URI: 'http://alice:p%40ssw0rd@h:5000', MLFLOW_TRACKING_TOKEN: 'tok-123456', HOME: '/root'})
    // The password decoded, and as written in the URL.
    expect(secrets).toEqual([KEY, 'tok-123456', 'p@ssw0rd', 'p%40ssw0rd'].sort((a, b) => b.length - a.length))
    expect(scrubDeep({[KEY]: ['x tok-123456 y']}, secrets)).toEqual({'<redacted>': ['x <redacted> y']})
  })
})
