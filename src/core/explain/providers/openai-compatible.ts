import {fetch} from 'undici'
import {costOf, type ModelPrice} from '../pricing.js'
import {toModelJsonSchema, type Usage} from '../schema.js'
import {basicAuthorization, maskUrl} from '../../secrets.js'
import {extractJsonObject} from './anthropic.js'
import {endpointUrl, loginWithKey, parseEndpoint} from './endpoint.js'
import {isRetryableStatus, ProviderCallError, retryAfterFromHeaders} from './retry.js'
import {RemoteProvider, scrubSecrets, type ModelReply, type RemoteSettings} from './remote.js'
import type {StructuredCall} from './types.js'

/** llama.cpp's `llama-server` default; Ollama is http://127.0.0.1:11434/v1, vLLM http://127.0.0.1:8000/v1. */
export const DEFAULT_OPENAI_BASE_URL = 'http://127.0.0.1:8080/v1'

export interface OpenAICompatibleOptions {
  baseURL: string
  model: string
  apiKey?: string
  timeoutMs: number
  deadlineMs?: number
  retry: RemoteSettings['retry']
  maxOutputTokens?: number
  /**
   * USD per million tokens. Self-hosted endpoints have no per-token price Flare could know, so
   * without this cost is reported as unknown.
   */
  price?: ModelPrice
  /** `strict` in the json_schema response format (default true). */
  strict?: boolean
  onRetry?: RemoteSettings['onRetry']
}

interface ChatCompletion {
  choices?: Array<{message?: {content?: string | null; refusal?: string | null}; finish_reason?: string}>
  usage?: {prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: {cached_tokens?: number}}
}

/**
 * Chat Completions with `response_format: json_schema` over plain HTTP (undici), for llama.cpp,
 * Ollama, vLLM and other OpenAI-compatible servers.
 */
export class OpenAICompatibleProvider extends RemoteProvider {
  readonly name = 'openai-compatible' as const
  /** Where requests go: the base URL's path + /chat/completions, its query kept, no login. */
  private readonly url: string
  /** The same as it may be printed (login and query tokens masked). */
  private readonly shownUrl: string
  /** Bearer with the API key, or Basic with a login from the base URL, or none. */
  private readonly authorization?: string

  constructor(private readonly options: OpenAICompatibleOptions) {
    const endpoint = parseEndpoint(options.baseURL)
    if (endpoint.login && options.apiKey) throw loginWithKey(endpoint, 'Remove user:password from the base URL, or leave FLARE_OPENAI_API_KEY and OPENAI_API_KEY unset to send the login as HTTP Basic auth.')
    super({
      model: options.model,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
      retry: options.retry,
      maxOutputTokens: options.maxOutputTokens ?? 4096,
      secrets: [...(options.apiKey ? [options.apiKey] : []), ...endpoint.secrets],
      onRetry: options.onRetry,
    })
    this.url = endpointUrl(endpoint.base, 'chat/completions')
    this.shownUrl = maskUrl(this.url)
    if (options.apiKey) this.authorization = `Bearer ${options.apiKey}`
    else if (endpoint.login) this.authorization = basicAuthorization(endpoint.login)
  }

  cost(usage: Usage): number | null {
    return costOf(this.options.price, usage)
  }

  /** Same endpoint and credentials; the price stays only if it was given for this model. */
  withModel(model: string): OpenAICompatibleProvider {
    return new OpenAICompatibleProvider({...this.options, model, price: model === this.options.model ? this.options.price : undefined})
  }

  protected target(): {url: string; headers: Record<string, string>} {
    return {
      url: this.shownUrl,
      headers: {'content-type': 'application/json', ...(this.authorization ? {authorization: `${this.authorization.split(' ')[0]} <redacted>`} : {})},
    }
  }

  protected buildBody<T>(call: StructuredCall<T>, extraTurns: unknown[]): Record<string, unknown> {
    return {
      model: this.model,
      messages: [
        {role: 'system', content: `${call.system}\n\nReply with one JSON object matching the ${call.name} schema and nothing else.`},
        {role: 'user', content: call.user},
        ...extraTurns,
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {name: call.name, description: call.description, schema: toModelJsonSchema(call.schema), strict: this.options.strict ?? true},
      },
      temperature: 0,
      max_tokens: call.maxOutputTokens ?? this.settings.maxOutputTokens,
      stream: false,
    }
  }

  protected async send(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<ModelReply> {
    const timeout = AbortSignal.timeout(this.settings.timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    const headers: Record<string, string> = {'content-type': 'application/json', accept: 'application/json'}
    if (this.authorization) headers.authorization = this.authorization
    let response: Awaited<ReturnType<typeof fetch>>
    let text: string
    try {
      response = await fetch(this.url, {method: 'POST', headers, body: JSON.stringify(body), signal: combined})
      text = await response.text()
    } catch (error) {
      if (timeout.aborted && !signal?.aborted) {
        throw new ProviderCallError(`request timed out after ${this.settings.timeoutMs} ms`, {retryable: true, timeout: true})
      }
      if (signal?.aborted) throw new ProviderCallError('request aborted', {retryable: false})
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
      const message = error instanceof Error ? `${error.message}${cause}` : String(error)
      throw new ProviderCallError(scrubSecrets(`connection error: ${message}`, this.settings.secrets), {retryable: true})
    }
    if (!response.ok) {
      let detail = text.slice(0, 500)
      try {
        const parsed = JSON.parse(text) as {error?: {message?: string} | string; message?: string}
        detail = (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ?? parsed.message ?? detail
      } catch {
        // not JSON: keep the text
      }
      throw new ProviderCallError(scrubSecrets(`HTTP ${response.status}: ${detail}`, this.settings.secrets), {
        status: response.status,
        retryable: isRetryableStatus(response.status),
        retryAfterMs: retryAfterFromHeaders((name) => response.headers.get(name)),
      })
    }
    let completion: ChatCompletion
    try {
      completion = JSON.parse(text) as ChatCompletion
    } catch {
      throw new ProviderCallError(`the endpoint answered with a body that is not JSON: ${text.slice(0, 200)}`, {retryable: false})
    }
    const cached = completion.usage?.prompt_tokens_details?.cached_tokens ?? 0
    const usage: Usage = {
      input_tokens: Math.max(0, (completion.usage?.prompt_tokens ?? 0) - cached),
      output_tokens: completion.usage?.completion_tokens ?? 0,
      cache_read: cached,
      cache_write: 0,
    }
    const choice = completion.choices?.[0]
    const content = choice?.message?.content ?? ''
    if (choice?.message?.refusal) return {candidate: undefined, extractionProblem: `the model refused: ${choice.message.refusal}`, usage, raw: completion}
    if (choice?.finish_reason === 'length') {
      return {candidate: undefined, extractionProblem: 'the answer was cut off at max_tokens; give a shorter, complete JSON object', usage, raw: completion}
    }
    try {
      return {candidate: JSON.parse(content) as unknown, usage, raw: completion}
    } catch (error) {
      const embedded = extractJsonObject(content)
      if (embedded !== undefined) return {candidate: embedded, usage, raw: completion}
      const reason = error instanceof Error ? error.message : String(error)
      return {candidate: undefined, extractionProblem: `the reply is not valid JSON (${reason})`, usage, raw: completion}
    }
  }

  protected repairTurns<T>(call: StructuredCall<T>, reply: ModelReply, problems: string[]): unknown[] {
    const completion = reply.raw as ChatCompletion
    const previous = completion.choices?.[0]?.message?.content ?? ''
    return [
      {role: 'assistant', content: previous},
      {
        role: 'user',
        content: `Your answer was not valid:\n${problems.map((p) => `- ${p}`).join('\n')}\nReply again with one complete, corrected JSON object matching the ${call.name} schema and nothing else.`,
      },
    ]
  }
}
