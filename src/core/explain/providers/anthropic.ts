import Anthropic from '@anthropic-ai/sdk'
import {costOf, MODEL_PRICES, priceFor, type ModelPrice} from '../pricing.js'
import {toModelJsonSchema, type Usage} from '../schema.js'
import {maskUrl} from '../../secrets.js'
import {endpointUrl, loginWithKey, parseEndpoint} from './endpoint.js'
import {isRetryableStatus, ProviderCallError, retryAfterFromHeaders} from './retry.js'
import {RemoteProvider, scrubSecrets, type ModelReply, type RemoteSettings} from './remote.js'
import type {StructuredCall} from './types.js'

/**
 * The current Sonnet. Generation-5 models think by default and reject a forced `tool_choice`,
 * so with this default the tool is offered with `tool_choice: auto` and the system prompt
 * requires calling it; a reply without the tool call goes through the repair round.
 */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5'
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com'

export interface AnthropicProviderOptions {
  model?: string
  apiKey?: string
  /** Bearer token instead of an API key (sent as `Authorization: Bearer`). */
  authToken?: string
  baseURL?: string
  timeoutMs?: number
  deadlineMs?: number
  retry?: RemoteSettings['retry']
  maxOutputTokens?: number
  /**
   * Force the summary tool with `tool_choice: {type: 'tool'}`. Default: forced for models that
   * accept it (generation 4 and earlier, which do not think unless asked), `auto` for the rest.
   */
  forceToolChoice?: boolean
  prices?: Readonly<Record<string, ModelPrice>>
  onRetry?: RemoteSettings['onRetry']
}

/** Whether a model accepts `tool_choice` forcing a tool (thinking-by-default models reject it). */
export function acceptsForcedToolChoice(model: string): boolean {
  if (/fable|mythos/i.test(model)) return false
  const match = /^claude-(?:opus|sonnet|haiku)-(\d+)/.exec(model)
  if (match) return Number(match[1]) < 5
  return true
}

export class AnthropicProvider extends RemoteProvider {
  readonly name = 'anthropic' as const
  private readonly client: Anthropic
  private readonly price: ModelPrice | undefined
  private readonly forceTool: boolean
  /** The Messages endpoint as it may be printed (query tokens masked). */
  private readonly shownUrl: string

  constructor(private readonly options: AnthropicProviderOptions & {model: string; timeoutMs: number; retry: RemoteSettings['retry']}) {
    const endpoint = parseEndpoint(options.baseURL ?? DEFAULT_ANTHROPIC_BASE_URL)
    // The SDK sends the key or token as `Authorization: Bearer`: a login has no header left.
    if (endpoint.login) throw loginWithKey(endpoint, 'Remove user:password from the base URL: the API key (ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN) is what the anthropic provider sends.')
    const forceTool = options.forceToolChoice ?? acceptsForcedToolChoice(options.model)
    super({
      model: options.model,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
      retry: options.retry,
      // Thinking models spend output tokens before the tool call.
      maxOutputTokens: options.maxOutputTokens ?? (forceTool ? 4096 : 16_000),
      secrets: [options.apiKey, options.authToken, ...endpoint.secrets].filter((s): s is string => Boolean(s)),
      onRetry: options.onRetry,
    })
    this.forceTool = forceTool
    this.price = priceFor(options.model, options.prices ?? MODEL_PRICES)
    this.shownUrl = maskUrl(endpointUrl(endpoint.base, 'v1/messages'))
    // The SDK appends the path to the base URL as text: a query there goes in defaultQuery instead.
    const query = Object.fromEntries(endpoint.base.searchParams)
    const base = new URL(endpoint.base)
    base.search = ''
    this.client = new Anthropic({
      apiKey: options.apiKey ?? null,
      authToken: options.authToken ?? null,
      baseURL: base.toString().replace(/\/+$/, ''),
      ...(Object.keys(query).length > 0 ? {defaultQuery: query} : {}),
      timeout: options.timeoutMs,
      // Flare retries itself (withRetries), honouring retry-after; SDK retries would stack on top.
      maxRetries: 0,
      logLevel: 'off',
    })
  }

  cost(usage: Usage): number | null {
    return costOf(this.price, usage)
  }

  withModel(model: string): AnthropicProvider {
    return new AnthropicProvider({...this.options, model, forceToolChoice: undefined, maxOutputTokens: undefined})
  }

  protected target(): {url: string; headers: Record<string, string>} {
    // SDK 1.x sends API keys and auth tokens alike as `Authorization: Bearer`; it also adds
    // `anthropic-version` and its own x-stainless-* headers, not shown here.
    return {url: this.shownUrl, headers: {'content-type': 'application/json', authorization: 'Bearer <redacted>'}}
  }

  protected buildBody<T>(call: StructuredCall<T>, extraTurns: unknown[]): Record<string, unknown> {
    const system = this.forceTool
      ? call.system
      : `${call.system}\n\nAlways answer by calling the ${call.name} tool exactly once with your complete answer; do not answer in text.`
    return {
      model: this.model,
      max_tokens: call.maxOutputTokens ?? this.settings.maxOutputTokens,
      // Cached: identical across the incidents of a run (tools + system form the cached prefix).
      system: [{type: 'text', text: system, cache_control: {type: 'ephemeral'}}],
      tools: [{name: call.name, description: call.description, input_schema: toModelJsonSchema(call.schema)}],
      tool_choice: this.forceTool ? {type: 'tool', name: call.name, disable_parallel_tool_use: true} : {type: 'auto', disable_parallel_tool_use: true},
      messages: [{role: 'user', content: call.user}, ...extraTurns],
    }
  }

  protected async send(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<ModelReply> {
    let message: Anthropic.Message
    try {
      message = (await this.client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming, {signal})) as Anthropic.Message
    } catch (error) {
      throw this.toCallError(error)
    }
    const usage: Usage = {
      input_tokens: message.usage?.input_tokens ?? 0,
      output_tokens: message.usage?.output_tokens ?? 0,
      cache_read: message.usage?.cache_read_input_tokens ?? 0,
      cache_write: message.usage?.cache_creation_input_tokens ?? 0,
    }
    const toolName = ((body.tools as Array<{name: string}>)[0]).name
    const toolUse = message.content.find((block) => block.type === 'tool_use' && block.name === toolName)
    if (toolUse && toolUse.type === 'tool_use') {
      if (message.stop_reason === 'max_tokens') {
        return {candidate: undefined, extractionProblem: 'the answer was cut off at max_tokens; give a shorter, complete answer', usage, raw: message}
      }
      return {candidate: toolUse.input, usage, raw: message}
    }
    // No tool call: accept a JSON object in text (some gateways drop tools), otherwise ask again.
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n').trim()
    const json = extractJsonObject(text)
    if (json !== undefined) return {candidate: json, usage, raw: message}
    return {
      candidate: undefined,
      extractionProblem: `no ${toolName} tool call in the reply${message.stop_reason === 'max_tokens' ? ' (cut off at max_tokens)' : ''}; call the ${toolName} tool with the complete answer`,
      usage,
      raw: message,
    }
  }

  protected repairTurns<T>(call: StructuredCall<T>, reply: ModelReply, problems: string[]): unknown[] {
    const message = reply.raw as Anthropic.Message
    const feedback = `Your answer was not valid:\n${problems.map((p) => `- ${p}`).join('\n')}\nCall ${call.name} again with a complete, corrected answer.`
    // The assistant turn goes back unchanged (thinking blocks included, as the API requires).
    const assistant = {role: 'assistant', content: message.content}
    const toolUse = message.content.find((block) => block.type === 'tool_use')
    if (toolUse && toolUse.type === 'tool_use') {
      return [
        assistant,
        {
          role: 'user',
          content: [
            {type: 'tool_result', tool_use_id: toolUse.id, is_error: true, content: feedback},
          ],
        },
      ]
    }
    return [assistant, {role: 'user', content: feedback}]
  }

  private toCallError(error: unknown): ProviderCallError {
    const secrets = this.settings.secrets
    if (error instanceof Anthropic.APIConnectionTimeoutError) {
      return new ProviderCallError(`request timed out after ${this.settings.timeoutMs} ms`, {retryable: true, timeout: true})
    }
    if (error instanceof Anthropic.APIUserAbortError) {
      return new ProviderCallError('request aborted', {retryable: false})
    }
    if (error instanceof Anthropic.APIConnectionError) {
      return new ProviderCallError(scrubSecrets(`connection error: ${error.message}`, secrets), {retryable: true})
    }
    if (error instanceof Anthropic.APIError && typeof error.status === 'number') {
      const headers = error.headers
      const detail = error.apiMessage ?? error.message
      return new ProviderCallError(scrubSecrets(`HTTP ${error.status}${error.type ? ` ${error.type}` : ''}: ${detail}`, secrets), {
        status: error.status,
        retryable: isRetryableStatus(error.status),
        retryAfterMs: headers ? retryAfterFromHeaders((name) => headers.get(name)) : undefined,
      })
    }
    const text = error instanceof Error ? error.message : String(error)
    return new ProviderCallError(scrubSecrets(text, secrets), {retryable: false})
  }
}

/** The first top-level JSON object in `text` (bare or in a ``` fence), or undefined. */
export function extractJsonObject(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)
  const candidate = (fenced ? fenced[1] : text).trim()
  const start = candidate.indexOf('{')
  const end = candidate.lastIndexOf('}')
  if (start < 0 || end <= start) return undefined
  try {
    const value: unknown = JSON.parse(candidate.slice(start, end + 1))
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
