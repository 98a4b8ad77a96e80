import {afterEach, describe, expect, it} from 'vitest'
import {createProvider, parseTimeoutSeconds} from '../../../src/core/explain/providers/index.js'
import {summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {FlareError} from '../../../src/core/errors.js'
import {startFakeLlmServer, type FakeLlmServer} from '../../helpers/fake-llm-servers.js'
import {hdfsIncident, resultsWith} from './fixtures.js'

let server: FakeLlmServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('one deadline per incident', () => {
  it('stops a server that never answers within --timeout, retries included, with a hint that names the flag', async () => {
    server = await startFakeLlmServer('openai', () => ({hang: true}))
    // Per-request timeout 60 s and 3 retries would take 4 minutes; the deadline cuts it to 0.6 s.
    const provider = createProvider({provider: 'openai-compatible', baseURL: server.openaiBaseURL, model: 'm', env: {}, deadlineMs: 600, retry: {baseDelayMs: 1, maxDelayMs: 2}})
    const started = Date.now()
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(doc.incidents[0]!.status).toBe('error')
    expect(doc.incidents[0]!.error).toMatch(/no usable answer within 0.6 s.*--llm-timeout SECONDS/)
  })

  it('is read from FLARE_LLM_TIMEOUT, and a bad value is a usage error naming it', async () => {
    server = await startFakeLlmServer('anthropic', () => ({hang: true}))
    const provider = createProvider({provider: 'anthropic', baseURL: server.url, apiKey: 'sk-ant-test-000000000000', env: {FLARE_LLM_TIMEOUT: '0.5'}, retry: {baseDelayMs: 1, maxDelayMs: 2}})
    const started = Date.now()
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(doc.incidents[0]!.error).toMatch(/within 0.5 s/)
    expect(() => createProvider({provider: 'offline', env: {FLARE_LLM_TIMEOUT: 'soon'}})).toThrow(FlareError)
    expect(() => parseTimeoutSeconds('-1')).toThrow(/--llm-timeout must be a number of seconds/)
    expect(parseTimeoutSeconds('90s')).toBe(90_000)
  })
})
