import {sleep} from '../concurrency.js'

/**
 * Transport-level failure of one provider call, normalised across SDKs. `retryable` is decided
 * by the provider adapter (status 408/409/429/5xx/529, connection errors, timeouts).
 */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly details: {
      status?: number
      retryable: boolean
      /** From `retry-after-ms` / `retry-after` (seconds or HTTP date). */
      retryAfterMs?: number
      timeout?: boolean
    },
  ) {
    super(message)
    this.name = 'ProviderCallError'
  }
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number
  /** First backoff delay; doubles per retry, with up to 25% jitter. */
  baseDelayMs: number
  maxDelayMs: number
  /** A server asking us to wait longer than this fails the call instead of stalling the run. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {maxRetries: 3, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000}

/** Parse `retry-after-ms` or `retry-after` (delta-seconds or HTTP date). */
export function retryAfterFromHeaders(get: (name: string) => string | null | undefined, now = Date.now()): number | undefined {
  const ms = get('retry-after-ms')
  if (ms) {
    const value = Number.parseFloat(ms)
    if (Number.isFinite(value) && value >= 0) return value
  }
  const header = get('retry-after')
  if (!header) return undefined
  const seconds = Number(header.trim())
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

export interface RetryEvent {
  attempt: number
  delayMs: number
  error: ProviderCallError
}

/**
 * Run `fn`, retrying retryable `ProviderCallError`s with exponential backoff. A `retry-after`
 * from the server replaces the backoff (it is the server's schedule, not a hint), unless it is
 * beyond `maxRetryAfterMs`, in which case the error is thrown at once.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: {signal?: AbortSignal; onRetry?: (event: RetryEvent) => void; random?: () => number} = {},
): Promise<T> {
  const random = options.random ?? Math.random
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (!(error instanceof ProviderCallError) || !error.details.retryable || attempt >= policy.maxRetries) throw error
      let delayMs: number
      const retryAfter = error.details.retryAfterMs
      if (retryAfter !== undefined) {
        if (retryAfter > policy.maxRetryAfterMs) throw error
        delayMs = retryAfter
      } else {
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
        delayMs = backoff * (1 - 0.25 * random())
      }
      options.onRetry?.({attempt: attempt + 1, delayMs, error})
      await sleep(delayMs, options.signal)
    }
  }
}
