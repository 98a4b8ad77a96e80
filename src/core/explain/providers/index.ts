import {ExitCode, FlareError} from '../../errors.js'
import type {ModelPrice} from '../pricing.js'
import {AnthropicProvider, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_MODEL} from './anthropic.js'
import {OfflineProvider} from './offline.js'
import {DEFAULT_OPENAI_BASE_URL, OpenAICompatibleProvider} from './openai-compatible.js'
import {DEFAULT_DEADLINE_MS, DEFAULT_TIMEOUT_MS} from './remote.js'
import {DEFAULT_RETRY_POLICY, type RetryEvent, type RetryPolicy} from './retry.js'
import type {ExplainProvider, ProviderName} from './types.js'

export {AnthropicProvider, acceptsForcedToolChoice, DEFAULT_ANTHROPIC_MODEL} from './anthropic.js'
export {OfflineProvider, explainOffline, OFFLINE_MODEL} from './offline.js'
export {OpenAICompatibleProvider, DEFAULT_OPENAI_BASE_URL} from './openai-compatible.js'
export {ExplainError} from './remote.js'
export {ProviderCallError, DEFAULT_RETRY_POLICY} from './retry.js'
export type * from './types.js'

export interface ProviderOptions {
  /** Default: FLARE_PROVIDER, else `auto` — anthropic when an Anthropic key is set, offline otherwise. */
  provider?: ProviderName | 'auto'
  /** Default: FLARE_MODEL, else the provider's default (anthropic: DEFAULT_ANTHROPIC_MODEL). Required for openai-compatible. */
  model?: string
  /** Default: ANTHROPIC_API_KEY (anthropic) or FLARE_OPENAI_API_KEY / OPENAI_API_KEY (openai-compatible). */
  apiKey?: string
  /** Anthropic bearer token; default ANTHROPIC_AUTH_TOKEN. */
  authToken?: string
  /** Default: ANTHROPIC_BASE_URL, or FLARE_OPENAI_BASE_URL / OPENAI_BASE_URL. */
  baseURL?: string
  /** Per request; default 60 s (never more than the deadline). */
  timeoutMs?: number
  /** One incident's call, retries included; default FLARE_LLM_TIMEOUT seconds, else 120 s. */
  deadlineMs?: number
  /** Retries of one call on 408/409/429/5xx/529, connection errors and timeouts; default 3. */
  maxRetries?: number
  retry?: Partial<RetryPolicy>
  maxOutputTokens?: number
  /** Anthropic: force the tool even on models that think by default (see acceptsForcedToolChoice). */
  forceToolChoice?: boolean
  /** openai-compatible: USD per million tokens, when the endpoint charges per token. */
  price?: ModelPrice
  onRetry?: (event: RetryEvent) => void
  /** Also read: FLARE_LLM_RETRY_DELAY_MS, the first retry's delay (default 500 ms; tests set it low). */
  env?: Record<string, string | undefined>
}

function retryFromEnv(env: Record<string, string | undefined>): Partial<RetryPolicy> {
  const text = env.FLARE_LLM_RETRY_DELAY_MS
  if (text === undefined || text.trim() === '') return {}
  const baseDelayMs = Number(text)
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
    throw new FlareError(`FLARE_LLM_RETRY_DELAY_MS must be a number of milliseconds, got "${text}".`, {exitCode: ExitCode.usage})
  }
  return {baseDelayMs}
}

/** Resolve options and environment into a provider. Never logs or returns the key. */
export function createProvider(options: ProviderOptions = {}): ExplainProvider {
  const env = options.env ?? process.env
  const requested = options.provider ?? (env.FLARE_PROVIDER as ProviderName | 'auto' | undefined) ?? 'auto'
  const retry: RetryPolicy = {...DEFAULT_RETRY_POLICY, ...retryFromEnv(env), ...options.retry, ...(options.maxRetries === undefined ? {} : {maxRetries: options.maxRetries})}
  const deadlineMs = options.deadlineMs ?? deadlineFromEnv(env.FLARE_LLM_TIMEOUT) ?? DEFAULT_DEADLINE_MS
  const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, deadlineMs)
  const anthropicKey = options.apiKey ?? env.ANTHROPIC_API_KEY
  const anthropicToken = options.authToken ?? env.ANTHROPIC_AUTH_TOKEN

  const provider = requested === 'auto' ? (anthropicKey || anthropicToken ? 'anthropic' : 'offline') : requested
  switch (provider) {
    case 'offline':
      return new OfflineProvider()
    case 'anthropic': {
      if (!anthropicKey && !anthropicToken) {
        throw new FlareError('The anthropic provider needs an API key.', {
          exitCode: ExitCode.usage,
          hint: 'Set ANTHROPIC_API_KEY, or use --llm-provider offline for the explainer that needs no model.',
        })
      }
      return new AnthropicProvider({
        model: options.model ?? env.FLARE_MODEL ?? DEFAULT_ANTHROPIC_MODEL,
        apiKey: anthropicKey || undefined,
        authToken: anthropicKey ? undefined : anthropicToken,
        baseURL: options.baseURL ?? env.ANTHROPIC_BASE_URL ?? DEFAULT_ANTHROPIC_BASE_URL,
        timeoutMs,
        deadlineMs,
        retry,
        maxOutputTokens: options.maxOutputTokens,
        forceToolChoice: options.forceToolChoice,
        onRetry: options.onRetry,
      })
    }
    case 'openai-compatible': {
      const model = options.model ?? env.FLARE_MODEL
      if (!model) {
        throw new FlareError('The openai-compatible provider needs a model name.', {
          exitCode: ExitCode.usage,
          hint: 'Pass --llm-model (or set FLARE_MODEL) to the model the server serves, e.g. "llama3.1:8b" for Ollama.',
        })
      }
      return new OpenAICompatibleProvider({
        baseURL: options.baseURL ?? env.FLARE_OPENAI_BASE_URL ?? env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL,
        model,
        apiKey: options.apiKey ?? env.FLARE_OPENAI_API_KEY ?? env.OPENAI_API_KEY,
        timeoutMs,
        deadlineMs,
        retry,
        maxOutputTokens: options.maxOutputTokens,
        price: options.price,
        onRetry: options.onRetry,
      })
    }
    default:
      throw new FlareError(`Unknown provider "${String(provider)}".`, {exitCode: ExitCode.usage, hint: 'Use anthropic, openai-compatible or offline.'})
  }
}

/** Seconds → ms for --llm-timeout and FLARE_LLM_TIMEOUT; a usage error names the bad value. */
export function parseTimeoutSeconds(text: string | undefined, name = '--llm-timeout'): number | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const seconds = Number(text.replace(/s$/, ''))
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new FlareError(`${name} must be a number of seconds in (0, 3600], got "${text}"`, {exitCode: ExitCode.usage})
  }
  return Math.round(seconds * 1000)
}

function deadlineFromEnv(text: string | undefined): number | undefined {
  return parseTimeoutSeconds(text, 'FLARE_LLM_TIMEOUT')
}
