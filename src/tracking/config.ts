import {ExitCode, FlareError} from '../core/errors.js'
import {maskUrl, takeLogin} from '../core/secrets.js'

/** How often and how patiently to retry a request that failed for a reason that may pass. */
export interface RetryPolicy {
  /** Total tries, the first included. 1 means no retry. */
  attempts: number
  /** Delay before the first retry; doubles each time, with full jitter. */
  baseDelayMs: number
  maxDelayMs: number
}

export interface TrackingConfig {
  /** Base URL of the MLflow server, e.g. http://127.0.0.1:5000 (a path prefix is kept). */
  trackingUri: string
  username?: string
  password?: string
  token?: string
  experimentName?: string
  retry: RetryPolicy
  /** Connect timeout, and the longest wait for response headers or body data, per try. */
  timeoutMs: number
  /**
   * The longest one request may take, its retries included (FLARE_MLFLOW_TIMEOUT, seconds). Once a
   * request has run out of it or could not connect, the client's later requests fail at once:
   * a server that is down or hanging costs one deadline per run, not one per call.
   */
  deadlineMs: number
}

export const defaultRetryPolicy: RetryPolicy = {attempts: 5, baseDelayMs: 250, maxDelayMs: 8000}
export const defaultTimeoutMs = 30_000
export const defaultDeadlineMs = 30_000

/** The experiment `flare detect` logs to when neither --experiment nor MLFLOW_EXPERIMENT_NAME names one. */
export const DEFAULT_DETECT_EXPERIMENT = 'flare-detection'
export const DEFAULT_SWEEP_EXPERIMENT = 'flare-sweep'

type Env = Record<string, string | undefined>

/**
 * Reads the variables MLflow's own clients read, so one shell setup serves both:
 * MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (basic auth),
 * MLFLOW_TRACKING_TOKEN (bearer), MLFLOW_EXPERIMENT_NAME. FLARE_MLFLOW_RETRY_DELAY_MS replaces the
 * first retry's delay (250 ms), so tests of a failing server need not wait out the real back-off.
 */
export function trackingConfigFromEnv(
  env: Env = process.env,
  overrides: Partial<Omit<TrackingConfig, 'retry'>> & {retry?: Partial<RetryPolicy>} = {},
): TrackingConfig {
  const trackingUri = overrides.trackingUri ?? env.MLFLOW_TRACKING_URI
  if (!trackingUri) {
    throw new FlareError('No MLflow server configured.', {
      exitCode: ExitCode.usage,
      hint: 'Set MLFLOW_TRACKING_URI, e.g. export MLFLOW_TRACKING_URI=http://127.0.0.1:5000',
    })
  }
  return resolveTrackingConfig({
    trackingUri,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    experimentName: env.MLFLOW_EXPERIMENT_NAME || undefined,
    deadlineMs: deadlineFromEnv(env),
    ...overrides,
    retry: {...retryFromEnv(env), ...overrides.retry},
  })
}

function deadlineFromEnv(env: Env): number | undefined {
  const text = env.FLARE_MLFLOW_TIMEOUT
  if (text === undefined || text.trim() === '') return undefined
  const seconds = Number(text)
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new FlareError(`FLARE_MLFLOW_TIMEOUT must be a number of seconds in (0, 3600], got "${text}".`, {exitCode: ExitCode.usage})
  }
  return Math.round(seconds * 1000)
}

function retryFromEnv(env: Env): Partial<RetryPolicy> {
  const text = env.FLARE_MLFLOW_RETRY_DELAY_MS
  if (text === undefined || text.trim() === '') return {}
  const baseDelayMs = Number(text)
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
    throw new FlareError(`FLARE_MLFLOW_RETRY_DELAY_MS must be a number of milliseconds, got "${text}".`, {exitCode: ExitCode.usage})
  }
  return {baseDelayMs}
}

/** Fills defaults and checks that the URI is one this client can talk to. */
export type TrackingOptions = Partial<Omit<TrackingConfig, 'retry'>> & {trackingUri: string; retry?: Partial<RetryPolicy>}

export function resolveTrackingConfig(config: TrackingOptions): TrackingConfig {
  let url: URL
  try {
    url = new URL(config.trackingUri)
  } catch {
    url = new URL('invalid:')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const fileStore = url.protocol === 'file:' || /^(\/|\.|sqlite:|postgresql:|mysql:)/.test(config.trackingUri)
    throw new FlareError(`MLFLOW_TRACKING_URI must be an http(s) URL of an MLflow server, got "${redactUrl(config.trackingUri)}".`, {
      exitCode: ExitCode.usage,
      hint: fileStore
        ? 'Flare talks to MLflow over REST, so a file or database store needs a server in front of it: mlflow server --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000, then MLFLOW_TRACKING_URI=http://127.0.0.1:5000'
        : 'Flare talks to MLflow over REST only; run `mlflow server` and point MLFLOW_TRACKING_URI at it.',
    })
  }
  // Credentials in the URL (http://alice:SECRET@host) are basic auth, as MLflow's own client takes
  // them; they are cut out of the URI so that nothing Flare prints or logs carries them.
  const {url: trackingUri, login} = takeLogin(config.trackingUri)
  let {username, password} = config
  if (login) {
    username ??= login.username
    password ??= login.password
  }
  if (username !== undefined && password === undefined) {
    throw new FlareError('MLFLOW_TRACKING_USERNAME is set but MLFLOW_TRACKING_PASSWORD is not.', {
      exitCode: ExitCode.usage,
      hint: 'Set both for basic auth, or MLFLOW_TRACKING_TOKEN for a bearer token.',
    })
  }
  return {
    ...config,
    username,
    password,
    trackingUri: trackingUri.replace(/\/+$/, ''),
    retry: {...defaultRetryPolicy, ...config.retry},
    timeoutMs: Math.min(config.timeoutMs ?? defaultTimeoutMs, config.deadlineMs ?? defaultDeadlineMs),
    deadlineMs: config.deadlineMs ?? defaultDeadlineMs,
  }
}

/** A URL fit to print: user and password replaced, whatever the scheme, and secret-looking query values. */
export function redactUrl(uri: string): string {
  return maskUrl(uri)
}
