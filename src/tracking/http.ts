import {setTimeout as sleep} from 'node:timers/promises'
import {Agent, request} from 'undici'
import type * as z from '../core/zod.js'
import {ExitCode, FlareError} from '../core/errors.js'
import {basicAuthorization} from '../core/secrets.js'
import type {TrackingConfig} from './config.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type QueryValue = string | number | boolean | readonly string[] | undefined

export interface HttpRequest {
  method: HttpMethod
  /** Absolute path on the server, e.g. /api/2.0/mlflow/runs/get. */
  path: string
  query?: Record<string, QueryValue>
  json?: unknown
  body?: Buffer | Uint8Array | string
  contentType?: string
  /** What Flare was doing, for messages: "create run", "upload artifact model/MLmodel". */
  action: string
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** A request the MLflow server answered with an error, or could not be reached for. */
export class MlflowApiError extends FlareError {
  readonly status?: number
  /** MLflow's error_code (RESOURCE_DOES_NOT_EXIST, ...) when the body had one. */
  readonly errorCode?: string

  constructor(message: string, options: {status?: number; errorCode?: string; hint?: string; cause?: unknown}) {
    super(message, {exitCode: ExitCode.dependency, hint: options.hint, cause: options.cause})
    this.name = 'MlflowApiError'
    this.status = options.status
    this.errorCode = options.errorCode
  }
}

export function isMlflowErrorCode(error: unknown, code: string): boolean {
  return error instanceof MlflowApiError && error.errorCode === code
}

const retryableStatus = new Set([429, 500, 502, 503, 504])
const retryableNetworkCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
])

const hintsByCode: Record<string, string> = {
  RESOURCE_DOES_NOT_EXIST: 'Check the name or id, and that MLFLOW_TRACKING_URI points at the server that holds it.',
  RESOURCE_ALREADY_EXISTS: 'Choose another name, or reuse the existing one.',
  INVALID_PARAMETER_VALUE:
    'The server rejected a value Flare sent. Params are write-once per run: log a changed value in a new run.',
  INVALID_STATE: 'The object is not in a state that allows this (e.g. a deleted run or experiment); restore it or use another.',
  UNAUTHENTICATED: 'Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN.',
  PERMISSION_DENIED: 'These credentials may not do this; ask the server admin for permission.',
  ENDPOINT_NOT_FOUND:
    'Is MLFLOW_TRACKING_URI an MLflow 2.x/3.x server? Artifact calls also need it started with --serve-artifacts (the default).',
}

/** REST transport: URL building, auth, timeouts, retry with backoff, and error mapping. */
export class MlflowHttp {
  readonly config: TrackingConfig
  private readonly agent: Agent
  private readonly authorization?: string

  constructor(config: TrackingConfig) {
    this.config = config
    this.agent = new Agent({
      connect: {timeout: config.timeoutMs},
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
    })
    if (config.token) this.authorization = `Bearer ${config.token}`
    else if (config.username !== undefined)
      this.authorization = basicAuthorization({username: config.username, password: config.password ?? ''})
  }

  async close(): Promise<void> {
    await this.agent.close()
  }

  /** Sends a JSON API call and validates the answer against `schema`. */
  async call<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.infer<S>> {
    const res = await this.send(req)
    const text = res.body.toString('utf8')
    let parsed: unknown
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text)
    } catch (error) {
      throw new MlflowApiError(`MLflow answered "${req.action}" with something that is not JSON: ${summarizeBody(text)}`, {
        status: res.status,
        hint: hintsByCode.ENDPOINT_NOT_FOUND,
        cause: error,
      })
    }
    const result = schema.safeParse(parsed)
    if (!result.success) {
      throw new MlflowApiError(`MLflow's answer to "${req.action}" has an unexpected shape: ${result.error.issues[0]?.message}`, {
        status: res.status,
        hint: 'This MLflow server version may be unsupported; Flare is tested against MLflow 3.x.',
        cause: result.error,
      })
    }
    return result.data
  }

  /** The longest the last try could wait: its share of the deadline, at most the per-try timeout. */
  private lastWaitMs = 0

  /** Set once the server could not be reached or did not answer in time: later requests fail fast. */
  private unreachable: MlflowApiError | undefined

  /**
   * Sends a request, retrying 429, 5xx and dropped connections within the request's deadline;
   * throws MlflowApiError on failure.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    if (this.unreachable) throw new MlflowApiError(`Skipped: ${req.action} (the MLflow server did not answer earlier in this run).`, {errorCode: this.unreachable.errorCode, hint: this.unreachable.hint})
    const {attempts} = this.config.retry
    const deadline = Date.now() + this.config.deadlineMs
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse
      const remaining = deadline - Date.now()
      this.lastWaitMs = Math.max(0, Math.min(remaining, this.config.timeoutMs))
      try {
        if (remaining <= 0) throw Object.assign(new Error('deadline'), {code: 'FLARE_DEADLINE'})
        res = await this.once(req, remaining)
      } catch (error) {
        const code = networkErrorCode(error)
        const wait = this.backoff(attempt)
        const retryable = (code !== undefined && retryableNetworkCodes.has(code)) || (isTimeout(error, code) && code !== 'FLARE_DEADLINE')
        if (retryable && attempt < attempts && Date.now() + wait < deadline) {
          await sleep(wait)
          continue
        }
        const failure = this.networkError(req, error, code, attempt)
        this.unreachable = failure
        throw failure
      }
      if (res.status >= 200 && res.status < 300) return res
      const wait = this.backoff(attempt, retryAfterMs(res.headers['retry-after']))
      if (retryableStatus.has(res.status) && attempt < attempts && Date.now() + wait < deadline) {
        await sleep(wait)
        continue
      }
      throw this.apiError(req, res, attempt)
    }
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const url = new URL(this.config.trackingUri + path)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item)
      else url.searchParams.append(key, String(value))
    }
    return url.toString()
  }

  private async once(req: HttpRequest, remainingMs: number): Promise<HttpResponse> {
    const headers: Record<string, string> = {'user-agent': 'flare-mlflow-client', accept: 'application/json, */*'}
    if (this.authorization) headers.authorization = this.authorization
    let body: Buffer | Uint8Array | string | undefined = req.body
    if (req.json !== undefined) {
      body = JSON.stringify(req.json)
      headers['content-type'] = 'application/json'
    } else if (body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/octet-stream'
    }
    // The request's deadline bounds this try as a whole, whatever the server trickles back.
    const signal = AbortSignal.timeout(Math.max(1, Math.min(remainingMs, this.config.timeoutMs)))
    const res = await request(this.url(req.path, req.query), {
      method: req.method,
      headers,
      body,
      dispatcher: this.agent,
      signal,
    })
    const buffer = Buffer.from(await res.body.arrayBuffer())
    return {status: res.statusCode, headers: res.headers, body: buffer}
  }

  private backoff(attempt: number, retryAfter?: number): number {
    const {baseDelayMs, maxDelayMs} = this.config.retry
    if (retryAfter !== undefined) return Math.min(retryAfter, maxDelayMs)
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
    // Equal jitter: never zero, and clients that failed together spread out.
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }

  private networkError(req: HttpRequest, error: unknown, code: string | undefined, attempt: number): MlflowApiError {
    const server = this.config.trackingUri
    const tries = attempt === 1 ? '' : ` after ${attempt} tries`
    const timedOut = isTimeout(error, code)
    const seconds = Math.round(this.config.deadlineMs / 100) / 10
    const waited = this.lastWaitMs >= 1000 ? `${Math.round(this.lastWaitMs / 100) / 10} s` : `${this.lastWaitMs} ms`
    const reason = code === 'ECONNREFUSED' ? 'connection refused' : timedOut ? `no answer within ${waited}` : (code ?? (error instanceof Error ? error.message : String(error)))
    // A server that accepts connections but does not answer is up: "start it" would mislead.
    const hint = timedOut
      ? `The server at ${server} accepted the connection but did not answer; check its health and log, or allow it longer with FLARE_MLFLOW_TIMEOUT=SECONDS (now ${seconds}).`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `The host name in MLFLOW_TRACKING_URI does not resolve; check it.`
        : `Start it (mlflow server --host 127.0.0.1 --port 5000) or set MLFLOW_TRACKING_URI to a running server.`
    return new MlflowApiError(`Cannot reach the MLflow server at ${server} to ${req.action} (${reason})${tries}.`, {errorCode: timedOut ? 'TIMEOUT' : code, hint, cause: error})
  }

  private apiError(req: HttpRequest, res: HttpResponse, attempt: number): MlflowApiError {
    const text = res.body.toString('utf8')
    let errorCode: string | undefined
    let detail: string | undefined
    try {
      const parsed = JSON.parse(text) as {error_code?: unknown; message?: unknown}
      if (typeof parsed.error_code === 'string') errorCode = parsed.error_code
      if (typeof parsed.message === 'string') detail = parsed.message
    } catch {
      // Proxies and crashed servers answer with HTML or plain text; summarize that instead.
    }
    if (errorCode === undefined && res.status === 401) errorCode = 'UNAUTHENTICATED'
    if (errorCode === undefined && res.status === 403) errorCode = 'PERMISSION_DENIED'
    if (errorCode === undefined && res.status === 404) errorCode = 'ENDPOINT_NOT_FOUND'
    detail ??= summarizeBody(text) || `HTTP ${res.status}`
    const tries = attempt > 1 ? ` (HTTP ${res.status} after ${attempt} tries)` : ` (HTTP ${res.status})`
    let hint = errorCode === undefined ? undefined : hintsByCode[errorCode]
    if (res.status === 429) hint ??= 'The server is rate limiting Flare; wait a little and run again.'
    if (res.status >= 500) hint ??= `The MLflow server at ${this.config.trackingUri} failed; its log says why.`
    return new MlflowApiError(`MLflow could not ${req.action}: ${detail}${tries}`, {status: res.status, errorCode, hint})
  }
}

/** A try that ran out of time: the per-try or overall limit, however undici reports it. */
function isTimeout(error: unknown, code: string | undefined): boolean {
  const names = [(error as Error)?.name, ((error as {cause?: Error})?.cause)?.name]
  return code === 'FLARE_DEADLINE' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED' || names.includes('TimeoutError') || (code?.startsWith('UND_ERR_') === true && code.includes('TIMEOUT'))
}

function networkErrorCode(error: unknown): string | undefined {
  // Happy-eyeballs connects fail with an AggregateError; undici may wrap the socket error in `cause`.
  const candidates: unknown[] = [error, (error as {cause?: unknown})?.cause, ...((error as {errors?: unknown[]})?.errors ?? [])]
  for (const candidate of candidates) {
    const code = (candidate as {code?: unknown})?.code
    if (typeof code === 'string') return code
  }
  return undefined
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  const seconds = Number(raw)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** One readable line from an error body: the HTML title or heading if any, tags stripped, cut short. */
export function summarizeBody(text: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(text)?.[1]
  const plain = (title ?? text)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return plain.length > 200 ? `${plain.slice(0, 197)}...` : plain
}
