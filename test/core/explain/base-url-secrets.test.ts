import {createServer} from 'node:net'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {FlareError} from '../../../src/core/errors.js'
import {createProvider} from '../../../src/core/explain/providers/index.js'
import {planSummaries, summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {configuredSecrets, maskUrl} from '../../../src/core/secrets.js'
import {anthropicToolUse, openaiCompletion, startFakeLlmServer, type FakeLlmServer} from '../../helpers/fake-llm-servers.js'
import {groundedSummaryFromPrompt, hdfsIncident, resultsWith, userPrompt} from './fixtures.js'

/**
 * A login (`http://user:password@host`) or a token in the query (`?api_key=…`) of an LLM base URL:
 * the real clients (fetch, the Anthropic SDK) against a stand-in server on 127.0.0.1.
 */

const PASSWORD = 'HunterPW2'
const TOKEN = 'TOKSECRET123'
const retry = {baseDelayMs: 1, maxDelayMs: 2}

let server: FakeLlmServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const {port} = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

const withLogin = (base: string) => base.replace('http://', `http://bob:${PASSWORD}@`)

describe('openai-compatible: a login and a query token in the base URL', () => {
  it('the path goes after the base path, the query is kept, and the login is sent as HTTP Basic auth', async () => {
    server = await startFakeLlmServer('openai', (req) => openaiCompletion(JSON.stringify(groundedSummaryFromPrompt(userPrompt(req.body)))))
    const provider = createProvider({provider: 'openai-compatible', baseURL: `${withLogin(server.openaiBaseURL)}/?api_key=${TOKEN}`, model: 'q', env: {}, retry})
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    expect(doc.incidents[0]!.status, JSON.stringify(doc.incidents[0])).toBe('ok')
    expect(server.requests[0]!.url).toBe(`/v1/chat/completions?api_key=${TOKEN}`)
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`bob:${PASSWORD}`).toString('base64')}`)
    expect(JSON.stringify(doc)).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`))
  })

  it('an endpoint that cannot be reached: neither the password nor the token is in the failure', async () => {
    const provider = createProvider({provider: 'openai-compatible', baseURL: `http://bob:${PASSWORD}@127.0.0.1:${await closedPort()}/v1?api_key=${TOKEN}`, model: 'q', env: {}, retry, maxRetries: 0})
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    expect(doc.incidents[0]!.status).toBe('error')
    expect(doc.incidents[0]!.error).toMatch(/connection error/)
    expect(JSON.stringify(doc)).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`))
  })

  it('the dry run shows the request as sent, login and token masked', () => {
    const provider = createProvider({provider: 'openai-compatible', baseURL: `http://bob:${PASSWORD}@127.0.0.1:9/v1?api-version=2024-06-01&api_key=${TOKEN}`, model: 'q', env: {}})
    const request = planSummaries(resultsWith([hdfsIncident()]), {provider}).requests[0]!.request!
    expect(request.url).toBe('http://127.0.0.1:9/v1/chat/completions?api-version=2024-06-01&api_key=***')
    expect(request.headers.authorization).toBe('Basic <redacted>')
  })

  it('a login and an API key together: a usage error, the URL masked', () => {
    const error = (() => {
      try {
        createProvider({provider: 'openai-compatible', baseURL: `http://bob:${PASSWORD}@127.0.0.1:9/v1`, model: 'q', apiKey: 'sk-local-123456', env: {}})
      } catch (caught) {
        return caught as FlareError
      }
    })()
    expect(error).toBeInstanceOf(FlareError)
    expect(error!.exitCode).toBe(2)
    expect(error!.message).toContain('http://***@127.0.0.1:9/v1 carries a login')
    expect(`${error!.message} ${error!.hint}`).not.toContain(PASSWORD)
  })
})

describe('anthropic: ANTHROPIC_BASE_URL with a login or a query token', () => {
  it('a query token reaches the server in the query of /v1/messages and is masked in the dry run', async () => {
    server = await startFakeLlmServer('anthropic', (req) => anthropicToolUse('record_incident_summary', groundedSummaryFromPrompt(userPrompt(req.body))))
    const env = {ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: `${server.url}/?token=${TOKEN}`}
    const provider = createProvider({env, retry})
    expect(planSummaries(resultsWith([hdfsIncident()]), {provider}).requests[0]!.request!.url).toBe(`${server.url}/v1/messages?token=***`)
    const doc = await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})
    expect(doc.incidents[0]!.status, JSON.stringify(doc.incidents[0])).toBe('ok')
    expect(server.requests[0]!.url).toBe(`/v1/messages?token=${TOKEN}`)
  })

  it('a login is refused before anything is sent (the key takes the Authorization header), the password not shown', () => {
    expect(() => createProvider({env: {ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: `http://carol:PwCarol77@127.0.0.1:9`}})).toThrow(/^The LLM base URL http:\/\/\*\*\*@127\.0\.0\.1:9 carries a login/)
  })

  it('their password and token are configured secrets, scrubbed from all output', () => {
    const secrets = configuredSecrets({ANTHROPIC_BASE_URL: 'http://carol:PwCarol77@gw.example', OPENAI_BASE_URL: `http://h/v1?api_key=${TOKEN}&v=1`})
    expect(secrets.sort()).toEqual(['PwCarol77', TOKEN])
  })
})

describe('maskUrl', () => {
  it('masks a login and secret-looking query values, and keeps the rest as written', () => {
    expect(maskUrl(`http://bob:${PASSWORD}@h:8080/v1?api_key=${TOKEN}&model=x&sig=abc#access_token=zz`)).toBe('http://***@h:8080/v1?api_key=***&model=x&sig=***#access_token=***')
    // An ordinary name with a generated-looking value.
    expect(maskUrl('https://h/v1?x=AbCdEf0123456789XyZ0w1&v=2024-06-01')).toBe('https://h/v1?x=***&v=2024-06-01')
    expect(maskUrl('http://127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080/v1')
  })
})
