import {createServer, type IncomingHttpHeaders, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * Stand-in LLM servers on 127.0.0.1 (random free port) speaking just enough of the Anthropic
 * Messages API (POST /v1/messages) and OpenAI Chat Completions (POST /v1/chat/completions) for
 * the real clients to talk to them. Every request is captured (headers and body) so tests can
 * assert on exactly what left the process.
 */

export interface CapturedRequest {
  method: string
  path: string
  /** The request target as sent, query included. */
  url: string
  headers: IncomingHttpHeaders
  rawBody: string
  body: any
  index: number
}

export type FakeReply =
  | {status?: number; headers?: Record<string, string>; body: unknown; delayMs?: number}
  /** Never answer (the client must time out). */
  | {hang: true}

export type Responder = (request: CapturedRequest) => FakeReply | Promise<FakeReply>

export interface FakeLlmServer {
  /** http://127.0.0.1:PORT — the Anthropic SDK's baseURL. */
  url: string
  /** http://127.0.0.1:PORT/v1 — an OpenAI-style baseURL. */
  openaiBaseURL: string
  requests: CapturedRequest[]
  /** Most requests in flight at once. */
  maxInFlight: number
  respond(responder: Responder): void
  close(): Promise<void>
}

export async function startFakeLlmServer(kind: 'anthropic' | 'openai', responder: Responder): Promise<FakeLlmServer> {
  const expectedPath = kind === 'anthropic' ? '/v1/messages' : '/v1/chat/completions'
  let current = responder
  let inFlight = 0
  const requests: CapturedRequest[] = []
  const state = {maxInFlight: 0}
  const hanging = new Set<ServerResponse>()

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      const path = (req.url ?? '').split('?')[0]!
      if (req.method !== 'POST' || path !== expectedPath) {
        res.writeHead(404, {'content-type': 'application/json'})
        res.end(JSON.stringify({type: 'error', error: {type: 'not_found_error', message: `no route ${req.method} ${path}`}}))
        return
      }
      let body: unknown
      try {
        body = JSON.parse(rawBody)
      } catch {
        body = undefined
      }
      const captured: CapturedRequest = {method: req.method, path, url: req.url ?? '', headers: req.headers, rawBody, body, index: requests.length}
      requests.push(captured)
      inFlight++
      state.maxInFlight = Math.max(state.maxInFlight, inFlight)
      let reply: FakeReply
      try {
        reply = await current(captured)
      } catch (error) {
        reply = {status: 500, body: {type: 'error', error: {type: 'api_error', message: String(error)}}}
      }
      if ('hang' in reply) {
        hanging.add(res)
        res.on('close', () => {
          hanging.delete(res)
          inFlight--
        })
        return
      }
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs))
      inFlight--
      res.writeHead(reply.status ?? 200, {'content-type': 'application/json', ...reply.headers})
      res.end(JSON.stringify(reply.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    requests,
    get maxInFlight() {
      return state.maxInFlight
    },
    respond(next: Responder) {
      current = next
    },
    async close() {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export interface FakeUsage {
  input_tokens?: number
  output_tokens?: number
  cache_read_input_tokens?: number
  cache_creation_input_tokens?: number
}

/** A Messages API reply whose only content is a tool call. */
export function anthropicToolUse(name: string, input: unknown, usage: FakeUsage = {}, model = 'claude-test'): FakeReply {
  return {
    body: {
      id: `msg_${Math.random().toString(36).slice(2)}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [{type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2)}`, name, input}],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {input_tokens: 1000, output_tokens: 400, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...usage},
    },
  }
}

export function anthropicText(text: string, usage: FakeUsage = {}): FakeReply {
  return {
    body: {
      id: 'msg_text',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{type: 'text', text}],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...usage},
    },
  }
}

export function anthropicError(status: number, type: string, message: string, headers: Record<string, string> = {}): FakeReply {
  return {status, headers, body: {type: 'error', error: {type, message}}}
}

/** A Chat Completions reply with `content` as the assistant message. */
export function openaiCompletion(content: string, usage: {prompt_tokens?: number; completion_tokens?: number; cached?: number} = {}): FakeReply {
  return {
    body: {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 0,
      model: 'local-model',
      choices: [{index: 0, message: {role: 'assistant', content}, finish_reason: 'stop'}],
      usage: {
        prompt_tokens: usage.prompt_tokens ?? 1000,
        completion_tokens: usage.completion_tokens ?? 400,
        total_tokens: (usage.prompt_tokens ?? 1000) + (usage.completion_tokens ?? 400),
        prompt_tokens_details: {cached_tokens: usage.cached ?? 0},
      },
    },
  }
}

export function openaiError(status: number, message: string, headers: Record<string, string> = {}): FakeReply {
  return {status, headers, body: {error: {message, type: 'server_error'}}}
}
