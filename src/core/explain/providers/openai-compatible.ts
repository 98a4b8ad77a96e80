import {fetch} from 'undici'
import {costOf, type ModelPrice} from '../pricing.js'
import {toModelJsonSchema, type Usage} from '../schema.js'
import {extractJsonObject} from './anthropic.js'
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
  private readonly baseURL: string

  constructor(private readonly options: OpenAICompatibleOptions) {
    super({
      model: options.model,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
      retry: options.retry,
      maxOutputTokens: options.maxOutputTokens ?? 4096,
      secrets: options.apiKey ? [options.apiKey] : [],
      onRetry: options.onRetry,
    })
    this.baseURL = options.baseURL.replace(/\/+$/, '')
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
      url: `${this.baseURL}/chat/completions`,
      headers: {'content-type': 'application/json', ...(this.options.apiKey ? {authorization: 'Bearer <redacted>'} : {})},
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
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`
    let response: Awaited<ReturnType<typeof fetch>>
    let text: string
    try {
      response = await fetch(`${this.baseURL}/chat/completions`, {method: 'POST', headers, body: JSON.stringify(body), signal: combined})
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
