import type * as z from '../../zod.js'
import {ExitCode, FlareError} from '../../errors.js'
import type {Incident} from '../../results.js'
import {evidenceProblems} from '../evidence.js'
import {addUsage, estimateTokens, ZERO_USAGE} from '../pricing.js'
import {incidentPrompt} from '../prompts.js'
import {Redactor} from '../redact.js'
import {scrubDeep, scrubText} from '../../secrets.js'
import {IncidentSummary, type Usage} from '../schema.js'
import {DEFAULT_RETRY_POLICY, ProviderCallError, withRetries, type RetryEvent, type RetryPolicy} from './retry.js'
import type {ExplainContext, ExplainProvider, ExplainResult, ProviderName, RequestPreview, StructuredCall, StructuredResult} from './types.js'

export const SUMMARY_TOOL_NAME = 'record_incident_summary'
const SUMMARY_TOOL_DESCRIPTION =
  'Record the structured explanation of one log incident: what happened, root cause, severity, confidence, remediation, evidence (cited lines/templates) and ruled-out hypotheses.'

export interface RemoteSettings {
  model: string
  /** Per-request timeout in milliseconds. */
  timeoutMs: number
  retry: RetryPolicy
  maxOutputTokens: number
  /** Values that must never appear in an error message (API keys). */
  secrets: string[]
  /** The longest one incident may take, retries and the repair round included (default 120 s). */
  deadlineMs?: number
  onRetry?: (event: RetryEvent) => void
}

export const DEFAULT_TIMEOUT_MS = 60_000
export const DEFAULT_DEADLINE_MS = 120_000

/** One model reply, normalised: the candidate value (parsed JSON) or why there is none. */
export interface ModelReply {
  candidate: unknown
  /** Set when no candidate could be extracted (no tool call, unparsable JSON, truncated output). */
  extractionProblem?: string
  usage: Usage
  raw: unknown
}

/**
 * A summary failed after the provider was called: carries what the calls cost so the runner can
 * account for it.
 */
export class ExplainError extends FlareError {
  constructor(
    message: string,
    readonly spent: {usage: Usage; cost_usd: number | null; attempts: number; latency_ms: number},
    options: {hint?: string; cause?: unknown; exitCode?: number} = {},
  ) {
    super(message, {exitCode: options.exitCode ?? ExitCode.dependency, hint: options.hint, cause: options.cause})
    this.name = 'ExplainError'
  }
}

/** Keys in error text replaced by `<redacted>` (shorter values would match ordinary words). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return scrubText(text, secrets.filter((secret) => secret && secret.length >= 4))
}

export function zodProblems(error: z.ZodError): string[] {
  return error.issues.slice(0, 20).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
}

/** Every string of the incident through the redactor, so prompts built from it carry pseudonyms only. */
export function redactIncident(incident: Incident, redactor: Redactor): Incident {
  return redactor.redactDeep(incident)
}

/**
 * Shared behaviour of providers that call a model over HTTP: prompt building with redaction,
 * schema validation, one repair round, transport retries, usage and cost accounting. Subclasses
 * only know their wire format.
 */
export abstract class RemoteProvider implements ExplainProvider {
  abstract readonly name: ProviderName
  readonly remote = true
  readonly expectedOutputTokens: number = 900

  constructor(protected readonly settings: RemoteSettings) {}

  get model(): string {
    return this.settings.model
  }

  abstract cost(usage: Usage): number | null
  /** Full request body for the call plus any repair turns. */
  protected abstract buildBody<T>(call: StructuredCall<T>, extraTurns: unknown[]): Record<string, unknown>
  protected abstract send(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<ModelReply>
  /** Turns appended to the conversation to ask for a corrected answer. */
  protected abstract repairTurns<T>(call: StructuredCall<T>, reply: ModelReply, problems: string[]): unknown[]
  protected abstract target(): {url: string; headers: Record<string, string>}

  async explain(incident: Incident, context: ExplainContext): Promise<ExplainResult> {
    const {call, redactor} = this.summaryCall(incident, context)
    const result = await this.complete(call)
    // A server may echo the key it was sent: it must not reach the stored summary or the screen.
    const secrets = this.settings.secrets
    return {
      summary: scrubDeep(redactor.restoreDeep(result.value), secrets),
      usage: result.usage,
      cost_usd: result.cost_usd,
      latency_ms: result.latency_ms,
      attempts: result.attempts,
      repaired: result.repaired,
      raw: result.raw === undefined ? undefined : scrubDeep(redactor.restoreDeep(result.raw), secrets),
    }
  }

  preview(incident: Incident, context: ExplainContext): RequestPreview {
    const {call} = this.summaryCall(incident, context)
    return this.previewCall(call)
  }

  previewCall<T>(call: StructuredCall<T>): RequestPreview {
    const body = this.buildBody(call, [])
    const {url, headers} = this.target()
    const inputTokens = estimateTokens(JSON.stringify(body))
    const outputTokens = this.expectedOutputTokens
    return {
      method: 'POST',
      url,
      headers,
      body,
      estimated_input_tokens: inputTokens,
      estimated_output_tokens: outputTokens,
      estimated_cost_usd: this.cost({input_tokens: inputTokens, output_tokens: outputTokens, cache_read: 0, cache_write: 0}),
    }
  }

  async complete<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const started = performance.now()
    let usage: Usage = ZERO_USAGE
    let attempts = 0
    let extraTurns: unknown[] = []
    let lastProblems: string[] = []
    // One deadline for the whole call: a server that hangs or keeps failing cannot hold a run.
    const deadlineMs = this.settings.deadlineMs ?? DEFAULT_DEADLINE_MS
    const deadline = AbortSignal.timeout(deadlineMs)
    const signal = call.signal ? AbortSignal.any([call.signal, deadline]) : deadline
    for (let round = 0; round < 2; round++) {
      const body = this.buildBody(call, extraTurns)
      let reply: ModelReply
      try {
        reply = await withRetries(() => this.send(body, signal), this.settings.retry, {signal, onRetry: this.settings.onRetry})
      } catch (error) {
        if (deadline.aborted && !call.signal?.aborted) {
          const spent = {usage, cost_usd: this.cost(usage), attempts, latency_ms: Math.round(performance.now() - started)}
          throw new ExplainError(`${this.name} at ${this.target().url} gave no usable answer within ${deadlineMs / 1000} s`, spent, {
            hint: 'Check that the endpoint is up and not overloaded, or allow it longer with --llm-timeout SECONDS (or FLARE_LLM_TIMEOUT).',
          })
        }
        throw this.failure(error, {usage, attempts, started})
      }
      attempts++
      usage = addUsage(usage, reply.usage)
      const verdict = this.validate(call, reply)
      // Ungrounded citations after the repair round are kept, not fatal: the deterministic checks
      // report them. Only output that fails the schema loses the incident.
      const acceptable = verdict.value !== undefined && (verdict.problems.length === 0 || round === 1)
      if (acceptable) {
        return {
          value: scrubDeep(verdict.value as T, this.settings.secrets),
          usage,
          cost_usd: this.cost(usage),
          latency_ms: Math.round(performance.now() - started),
          attempts,
          repaired: round > 0,
          raw: scrubDeep(reply.raw, this.settings.secrets),
        }
      }
      lastProblems = verdict.problems
      extraTurns = this.repairTurns(call, reply, lastProblems)
    }
    throw new ExplainError(
      `${this.name} model ${this.model} returned invalid output twice (after one repair attempt): ${lastProblems.slice(0, 5).join('; ')}`,
      {usage, cost_usd: this.cost(usage), attempts, latency_ms: Math.round(performance.now() - started)},
      {hint: 'Try a more capable model (--llm-model), or a larger output budget.'},
    )
  }

  /** `value` is set when the schema passes; `problems` lists schema or semantic problems. */
  private validate<T>(call: StructuredCall<T>, reply: ModelReply): {value?: T; problems: string[]} {
    if (reply.extractionProblem) return {problems: [reply.extractionProblem]}
    const parsed = call.schema.safeParse(reply.candidate)
    if (!parsed.success) return {problems: zodProblems(parsed.error)}
    return {value: parsed.data, problems: call.check?.(parsed.data) ?? []}
  }

  private failure(error: unknown, state: {usage: Usage; attempts: number; started: number}): ExplainError {
    const spent = {usage: state.usage, cost_usd: this.cost(state.usage), attempts: state.attempts, latency_ms: Math.round(performance.now() - state.started)}
    if (error instanceof ExplainError) return error
    const raw = error instanceof Error ? error.message : String(error)
    const message = scrubSecrets(raw, this.settings.secrets)
    if (error instanceof ProviderCallError) {
      const {status, timeout} = error.details
      let hint: string | undefined
      if (timeout) hint = `No answer within ${this.settings.timeoutMs / 1000} s; check the endpoint, or allow it longer with --llm-timeout SECONDS (or FLARE_LLM_TIMEOUT).`
      else if (status === 401 || status === 403) hint = 'Check the API key (it is read from the environment; it is never printed).'
      else if (status === 429 || status === 529) hint = 'The provider is rate limiting or overloaded; lower --concurrency or retry later.'
      else if (status === 404) hint = `Check the model name (${this.model}) and the base URL.`
      return new ExplainError(`${this.name} call failed: ${message}`, spent, {hint})
    }
    if (error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError')) {
      return new ExplainError(`${this.name} call aborted`, spent)
    }
    return new ExplainError(`${this.name} call failed: ${message}`, spent)
  }

  private summaryCall(incident: Incident, context: ExplainContext): {call: StructuredCall<IncidentSummary>; redactor: Redactor} {
    const redactor = context.redactor ?? new Redactor()
    const redacted = redactIncident(incident, redactor)
    const prompt = incidentPrompt(redacted, context.format, {maxPromptTokens: context.maxPromptTokens, detector: context.detector, seenBefore: context.pastIncidents?.[incident.id]?.map((line) => redactor.redact(line))})
    return {
      redactor,
      call: {
        name: SUMMARY_TOOL_NAME,
        description: SUMMARY_TOOL_DESCRIPTION,
        system: prompt.system,
        user: prompt.user,
        schema: IncidentSummary,
        // The model sees the redacted incident, so its citations are checked against that.
        check: (summary) => evidenceProblems(redacted, summary),
        maxOutputTokens: this.settings.maxOutputTokens,
        signal: context.signal,
      },
    }
  }
}
