import {Agent, request} from 'undici'
import {mulberry32} from '../../detect/random.js'
import {basicAuthorization, maskUrlPath, takeLogin} from '../../secrets.js'
import type {EventSink, EventSinkStats, IncidentEvent} from '../contracts.js'
import {genericBody, slackBody, slackDigest} from './webhook-format.js'

export interface WebhookOptions {
  /** `json`: the event as JSON; `slack`: a Slack incoming-webhook message. */
  format?: 'json' | 'slack'
  onNote?: (note: string) => void
  /** Tries per event, the first included. */
  maxAttempts?: number
  /** Back-off before retry n is up to baseDelayMs * 2^(n-1), capped at maxDelayMs, with jitter. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Each request's bound, connection to last byte (ms). */
  timeoutMs?: number
  /**
   * Events sent per minute at most (a token bucket of that size). The rest are held back and
   * summed up in one digest message when the bucket has room again, or at close.
   */
  perMinute?: number
  /**
   * close() lets the deliveries in flight go on retrying for this long (a stop, the input's end),
   * then abandons them, counted as failed (ms).
   */
  closeTimeoutMs?: number
  /** Seeds the back-off jitter. */
  seed?: number
}

type Outcome = {ok: true} | {ok: false; retry: boolean; why: string; retryAfterMs?: number}

/** Dedup keys kept; the oldest are forgotten first. */
const MAX_KEYS = 10_000
/** Events a digest names (it counts them all). */
const DIGEST_NAMES = 20

/**
 * Posts incident events to a webhook, generic JSON or Slack-compatible. Retries with exponential
 * back-off and jitter on network errors, timeouts, 408, 429 and 5xx; the same incident and kind is
 * sent once (an update that raises the severity counts as new); a token bucket limits the rate.
 * Failures are counted and noted, never thrown: the JSON-lines file is the durable record.
 */
export class WebhookSink implements EventSink {
  readonly name: string
  readonly background = true
  private readonly counts: EventSinkStats = {delivered: 0, failed: 0, suppressed: 0}
  private readonly agent: Agent
  private readonly random: () => number
  private readonly sent = new Set<string>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly abort = new AbortController()
  private readonly wakeSleepers = new Set<() => void>()
  private tokens: number
  private lastRefill = Date.now()
  private closing = false
  /** Wall time (epoch ms) after which no retry starts: close()'s bound. */
  private deadline = Number.POSITIVE_INFINITY
  private readonly lastNote = new Map<string, number>()
  /** Events held back by the rate limit since the last digest: how many, and the first few. */
  private held = {count: 0, lines: [] as string[]}

  /** Where events are posted: the URL without its login (undici would drop it). */
  private readonly url: string
  /** HTTP Basic auth from a login in the URL (`http://user:pw@host/hook`). */
  private readonly authorization?: string

  constructor(
    url: string,
    private readonly options: WebhookOptions = {},
  ) {
    const {url: bare, login} = takeLogin(url)
    this.url = bare
    if (login) this.authorization = basicAuthorization(login)
    this.name = `${options.format === 'slack' ? 'slack' : 'webhook'}:${maskUrlPath(url)}`
    this.agent = new Agent({connect: {timeout: options.timeoutMs ?? 5000}})
    this.random = mulberry32(options.seed ?? Date.now() >>> 0)
    this.tokens = options.perMinute ?? 30
  }

  send(event: IncidentEvent): Promise<void> {
    const delivery = this.deliver(event)
    this.inFlight.add(delivery)
    void delivery.finally(() => this.inFlight.delete(delivery))
    return delivery
  }

  /**
   * Takes no more events; the ones in flight retry at once and then with back-off until
   * closeTimeoutMs, when what is still undelivered is abandoned (counted as failed).
   */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.deadline = Date.now() + (this.options.closeTimeoutMs ?? 5000)
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deadline - Date.now())))
    // A retry waiting out its back-off goes now: the process is about to end.
    for (const wake of [...this.wakeSleepers]) wake()
    // What the rate limit held back is told once more before the sink goes.
    if (this.held.count > 0) await Promise.race([this.sendDigest(), bound])
    const settled = Promise.allSettled([...this.inFlight])
    await Promise.race([settled, bound])
    clearTimeout(timer)
    this.abort.abort()
    for (const wake of [...this.wakeSleepers]) wake()
    await settled
    await this.agent.destroy().catch(() => {})
  }

  stats(): EventSinkStats {
    return {...this.counts}
  }

  private async deliver(event: IncidentEvent): Promise<void> {
    if (this.closing) return this.fail(event, 'the sink is closed')
    const key = `${event.incident.id}:${event.kind}${event.kind === 'updated' ? `:${event.incident.severity}` : ''}`
    if (this.sent.has(key)) {
      this.counts.suppressed++
      return
    }
    // Room again after a stretch over the limit: first the digest of what was held back.
    if (this.held.count > 0 && this.takeToken()) await this.sendDigest()
    if (!this.takeToken()) {
      this.counts.suppressed++
      this.held.count++
      if (this.held.lines.length < DIGEST_NAMES) this.held.lines.push(`${event.kind} ${event.incident.id} (${event.incident.severity}): ${event.incident.title.slice(0, 120)}`)
      this.note(`rate limit of ${this.options.perMinute ?? 30}/min reached; ${event.kind} of ${event.incident.id} held back for a digest`, 'rate')
      return
    }
    this.remember(key)
    const body = JSON.stringify(this.options.format === 'slack' ? slackBody(event) : genericBody(event))
    const attempts = this.options.maxAttempts ?? 5
    let last: Outcome = {ok: false, retry: false, why: 'not tried'}
    for (let attempt = 1; attempt <= attempts; attempt++) {
      last = await this.post(body)
      if (last.ok) {
        this.counts.delivered++
        return
      }
      if (!last.retry || attempt === attempts) break
      const wait = last.retryAfterMs ?? this.backoff(attempt)
      // (closing: only a retry that can start within close()'s bound)
      if (Date.now() + wait >= this.deadline) break
      await this.sleep(wait)
      if (this.abort.signal.aborted) break
    }
    // Not delivered, so an identical later event may try again.
    this.sent.delete(key)
    this.fail(event, last.ok ? '' : last.why)
  }

  /** One message for the events the rate limit held back (one try: a digest is not retried). */
  private async sendDigest(): Promise<void> {
    const {count, lines} = this.held
    this.held = {count: 0, lines: []}
    const more = count > lines.length ? `\n… and ${count - lines.length} more` : ''
    const text = `${count} incident event${count === 1 ? ' was' : 's were'} not sent over the rate limit of ${this.options.perMinute ?? 30}/min (all are in the JSON-lines sink, if one is set):\n${lines.join('\n')}${more}`
    const body = JSON.stringify(this.options.format === 'slack' ? slackDigest(text) : {kind: 'digest', text, count, events: lines})
    const outcome = await this.post(body)
    if (!outcome.ok) this.note(`digest of ${count} held-back events not delivered: ${outcome.why}`, 'failed')
  }

  private fail(event: IncidentEvent, why: string): void {
    this.counts.failed++
    this.note(`${event.kind} of ${event.incident.id} not delivered: ${why}`, 'failed')
  }

  private async post(body: string): Promise<Outcome> {
    const timeoutMs = this.options.timeoutMs ?? 5000
    try {
      const res = await request(this.url, {
        method: 'POST',
        body,
        headers: {'content-type': 'application/json', 'user-agent': 'flare-collect', ...(this.authorization ? {authorization: this.authorization} : {})},
        dispatcher: this.agent,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.abort.signal]),
      })
      await res.body.dump().catch(() => {})
      if (res.statusCode >= 200 && res.statusCode < 300) return {ok: true}
      const retry = res.statusCode === 408 || res.statusCode === 429 || res.statusCode >= 500
      const after = Number(res.headers['retry-after'])
      const retryAfterMs = Number.isFinite(after) && after >= 0 ? Math.min(after * 1000, this.options.maxDelayMs ?? 15_000) : undefined
      return {ok: false, retry, why: `HTTP ${res.statusCode}`, retryAfterMs}
    } catch (error) {
      const err = error as Error
      const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : err.message
      return {ok: false, retry: true, why}
    }
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.baseDelayMs ?? 500, this.options.maxDelayMs ?? 15_000, this.random)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.wakeSleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.wakeSleepers.add(wake)
    })
  }

  private takeToken(): boolean {
    const perMinute = this.options.perMinute ?? 30
    const now = Date.now()
    this.tokens = Math.min(perMinute, this.tokens + ((now - this.lastRefill) * perMinute) / 60_000)
    this.lastRefill = now
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }

  private remember(key: string): void {
    this.sent.add(key)
    if (this.sent.size > MAX_KEYS) this.sent.delete(this.sent.values().next().value!)
  }

  /** Forwards a note, at most one of each kind per 10 s, so an outage doesn't flood the terminal. */
  private note(text: string, kind: string): void {
    const now = Date.now()
    if (now - (this.lastNote.get(kind) ?? 0) < 10_000) return
    this.lastNote.set(kind, now)
    this.options.onNote?.(`${this.name}: ${text}`)
  }
}

/** Exponential with "equal jitter": half the step fixed, half random, so retries spread out but never bunch at 0. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1))
  return step / 2 + (random() * step) / 2
}
