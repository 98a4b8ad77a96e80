import {ExitCode, FlareError} from '../errors.js'
import {createProvider, type ProviderOptions} from './providers/index.js'
import type {ExplainProvider, ProviderName} from './providers/types.js'

/**
 * Flags → provider. `auto` (the default) means: FLARE_PROVIDER if set, openai-compatible when a
 * base URL is given, anthropic when a key is set, else offline — and `autoOffline` says the last
 * case happened so the output can tell the user how to get Claude.
 */
export function resolveProvider(flags: {provider?: string; model?: string; baseURL?: string; deadlineMs?: number}, env: NodeJS.ProcessEnv = process.env): {provider: ExplainProvider; autoOffline: boolean} {
  const fromEnv = env.FLARE_PROVIDER && env.FLARE_PROVIDER !== 'auto' ? env.FLARE_PROVIDER : undefined
  const explicit = flags.provider && flags.provider !== 'auto' ? flags.provider : fromEnv
  const requested = (explicit ?? (flags.baseURL ? 'openai-compatible' : 'auto')) as ProviderName | 'auto'
  const options: ProviderOptions = {provider: requested, model: flags.model, baseURL: flags.baseURL, deadlineMs: flags.deadlineMs, env}
  const provider = createProvider(options)
  return {provider, autoOffline: requested === 'auto' && !provider.remote}
}

/** A `--max-cost` value: USD, a leading $ allowed. */
export function parseMaxCost(text: string | undefined, flag = '--max-cost'): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text.replace(/^\$/, ''))
  if (!Number.isFinite(value) || value < 0 || text.trim() === '') {
    throw new FlareError(`${flag} must be an amount in USD (e.g. 0.50), got "${text}"`, {exitCode: ExitCode.usage})
  }
  return value
}
