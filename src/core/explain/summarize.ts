import {ExitCode, FlareError} from '../errors.js'
import type {Incident, Results} from '../results.js'
import {Semaphore} from './concurrency.js'
import {defaultJudgeModel, judgeCall, judgeSummary, judgeTotals} from './judge.js'
import {addUsage, round6, ZERO_USAGE} from './pricing.js'
import {createProvider, type ProviderOptions} from './providers/index.js'
import {ExplainError} from './providers/remote.js'
import type {ExplainContext, ExplainProvider, RequestPreview} from './providers/types.js'
import {Redactor, type RedactionOptions} from './redact.js'
import type {IncidentSummaryRecord, SummariesDocument, SummaryTotals, Usage} from './schema.js'

export interface SummarizeOptions {
  /** A ready provider; otherwise one is built from `providerOptions` and the environment. */
  provider?: ExplainProvider
  providerOptions?: ProviderOptions
  /** Incidents explained at once (remote providers). Default 4. */
  concurrency?: number
  /**
   * Stop before a call whose estimated cost would take the run's spend (summaries + judge) over
   * this many USD. Incidents not started are marked `skipped_budget`; finished ones are kept.
   */
  maxCostUsd?: number
  /** Grade every summary: deterministic checks, plus an LLM judge on a different model when the writer is remote. */
  eval?: boolean | {provider?: ExplainProvider; model?: string}
  /** Build and return the requests without sending anything (see `planSummaries`). */
  dryRun?: boolean
  /** Pseudonymise secrets and personal data in remote prompts. Default on (IPs and host names kept); `false` turns it off. */
  redaction?: RedactionOptions | false
  maxPromptTokens?: number
  /** Incident id → "seen before: …" lines from the incident memory, for the prompts. */
  pastIncidents?: Record<string, string[]>
  /** Only these incidents (by id), in results order. */
  incidentIds?: string[]
  signal?: AbortSignal
  onIncidentStart?: (incident: Incident, index: number, total: number) => void
  onIncidentDone?: (record: IncidentSummaryRecord, index: number, total: number) => void
  /** Clock for `generated_at` (tests). */
  now?: () => Date
}

export interface DryRunRequest {
  incident_id: string
  /** Null for the offline provider: nothing would be sent anywhere. */
  request: RequestPreview | null
  /** False when the budget would stop before this request. */
  within_budget: boolean
}

export interface DryRunReport {
  dry_run: true
  provider: string
  model: string
  offline: boolean
  remote: boolean
  redaction: {enabled: boolean; replaced: Record<string, number>}
  requests: DryRunRequest[]
  judge: {model: string | null; note: string} | null
  totals: {
    requests: number
    estimated_input_tokens: number
    estimated_output_tokens: number
    /** Null when the model has no known price. */
    estimated_cost_usd: number | null
    max_cost_usd: number | null
    would_skip_for_budget: string[]
  }
}

const DEFAULT_CONCURRENCY = 4

function selectIncidents(results: Results, ids: string[] | undefined): Incident[] {
  if (!ids) return results.incidents
  const wanted = new Set(ids)
  const unknown = ids.filter((id) => !results.incidents.some((incident) => incident.id === id))
  if (unknown.length > 0) {
    throw new FlareError(`Unknown incident id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      exitCode: ExitCode.usage,
      hint: `The results file has: ${results.incidents.map((i) => i.id).join(', ') || 'no incidents'}.`,
    })
  }
  return results.incidents.filter((incident) => wanted.has(incident.id))
}

function makeRedactor(provider: ExplainProvider, option: SummarizeOptions['redaction']): Redactor {
  if (!provider.remote || option === false) return new Redactor({disabled: true})
  return new Redactor(option ?? {})
}

function resolveJudge(writer: ExplainProvider, option: SummarizeOptions['eval']): {judge?: ExplainProvider; skipped: string | null} {
  if (!option) return {skipped: null}
  const explicit = typeof option === 'object' ? option : {}
  if (explicit.provider) return {judge: explicit.provider, skipped: null}
  if (!writer.remote || !writer.withModel) {
    return {skipped: 'the writer is the offline explainer; only deterministic checks ran (pass an eval provider for LLM scores)'}
  }
  const model = explicit.model ?? (writer.name === 'anthropic' ? defaultJudgeModel(writer.model) : writer.model)
  return {judge: writer.withModel(model), skipped: null}
}

/** Build the exact requests a run would send, with token and cost estimates; sends nothing. */
export function planSummaries(results: Results, options: Omit<SummarizeOptions, 'dryRun'> = {}): DryRunReport {
  const provider = options.provider ?? createProvider(options.providerOptions)
  const incidents = selectIncidents(results, options.incidentIds)
  const redactor = makeRedactor(provider, options.redaction)
  const context: ExplainContext = {format: results.summary.format, detector: results.summary.detector, redactor, maxPromptTokens: options.maxPromptTokens, pastIncidents: options.pastIncidents}
  const requests: DryRunRequest[] = []
  let inputTokens = 0
  let outputTokens = 0
  let cost: number | null = 0
  let stopped = false
  const skipped: string[] = []
  for (const incident of incidents) {
    const request = provider.preview ? provider.preview(incident, context) : null
    if (request) {
      inputTokens += request.estimated_input_tokens
      outputTokens += request.estimated_output_tokens
    }
    const estimate = request ? request.estimated_cost_usd : 0
    const next: number | null = cost === null || estimate === null ? null : round6(cost + estimate)
    if (!stopped && options.maxCostUsd !== undefined && next !== null && next > options.maxCostUsd) stopped = true
    if (stopped) skipped.push(incident.id)
    else cost = next
    requests.push({incident_id: incident.id, request, within_budget: !stopped})
  }
  const {judge, skipped: judgeSkipped} = resolveJudge(provider, options.eval)
  return {
    dry_run: true,
    provider: provider.name,
    model: provider.model,
    offline: !provider.remote,
    remote: provider.remote,
    redaction: {enabled: redactor.size > 0 || (provider.remote && options.redaction !== false), replaced: redactor.stats()},
    requests,
    judge: options.eval
      ? {model: judge?.model ?? null, note: judge ? 'one judge call per summary; its prompt contains the summary, so it cannot be shown before the summaries exist' : (judgeSkipped ?? '')}
      : null,
    totals: {
      requests: requests.filter((r) => r.request !== null && r.within_budget).length,
      estimated_input_tokens: inputTokens,
      estimated_output_tokens: outputTokens,
      estimated_cost_usd: cost === null ? null : round6(requests.filter((r) => r.within_budget).reduce((sum, r) => sum + (r.request?.estimated_cost_usd ?? 0), 0)),
      max_cost_usd: options.maxCostUsd ?? null,
      would_skip_for_budget: skipped,
    },
  }
}

export function summarizeIncidents(results: Results, options: SummarizeOptions & {dryRun: true}): Promise<DryRunReport>
export function summarizeIncidents(results: Results, options?: SummarizeOptions & {dryRun?: false}): Promise<SummariesDocument>
export function summarizeIncidents(results: Results, options?: SummarizeOptions): Promise<SummariesDocument | DryRunReport>
/**
 * Explain every incident of a results document. Failures are per incident (status `error`; those
 * `signal` stopped, in flight or not started, are `interrupted`); the
 * run itself only throws for bad options (unknown incident ids, a budget on a model without a
 * price, missing credentials).
 */
export async function summarizeIncidents(results: Results, options: SummarizeOptions = {}): Promise<SummariesDocument | DryRunReport> {
  if (options.dryRun) return planSummaries(results, options)
  const started = performance.now()
  const provider = options.provider ?? createProvider(options.providerOptions)
  const incidents = selectIncidents(results, options.incidentIds)
  const redactor = makeRedactor(provider, options.redaction)
  const {judge, skipped: judgeSkipped} = resolveJudge(provider, options.eval)
  const budget = options.maxCostUsd
  checkBudget(budget, [provider, judge])
  const context: ExplainContext = {
    format: results.summary.format,
    detector: results.summary.detector,
    redactor,
    signal: options.signal,
    maxPromptTokens: options.maxPromptTokens,
    pastIncidents: options.pastIncidents,
  }
  const judgeContext = {...context, redactor}
  const semaphore = new Semaphore(Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)))
  const total = incidents.length
  let spent = 0
  let reserved = 0
  let stopped = false
  let outputSeen = 0
  let callsSeen = 0

  // Expected cost of the next call: the request's own size, and the output length seen so far.
  const estimate = (p: ExplainProvider, preview: RequestPreview | null): number => {
    if (!preview) return 0
    const outputTokens = callsSeen > 0 ? Math.ceil(outputSeen / callsSeen) : preview.estimated_output_tokens
    return p.cost({input_tokens: preview.estimated_input_tokens, output_tokens: outputTokens, cache_read: 0, cache_write: 0}) ?? 0
  }
  const fits = (amount: number) => budget === undefined || spent + reserved + amount <= budget

  const records = await Promise.all(
    incidents.map((incident, index) =>
      semaphore.run(async (): Promise<IncidentSummaryRecord> => {
        const skip = (status: 'skipped_budget' | 'interrupted', error: string | null): IncidentSummaryRecord => ({
          incident_id: incident.id,
          status,
          summary: null,
          usage: {...ZERO_USAGE},
          cost_usd: 0,
          latency_ms: 0,
          attempts: 0,
          repaired: false,
          error,
        })
        if (options.signal?.aborted) return done(skip('interrupted', 'not started: the run was interrupted'), index)
        const expected = budget === undefined ? 0 : estimate(provider, provider.preview ? provider.preview(incident, context) : null)
        if (stopped || !fits(expected)) {
          stopped = true
          return done(skip('skipped_budget', `skipped: the estimated $${expected.toFixed(4)} would exceed the budget of $${budget}`), index)
        }
        reserved += expected
        options.onIncidentStart?.(incident, index, total)
        let record: IncidentSummaryRecord
        try {
          const result = await provider.explain(incident, context)
          record = {
            incident_id: incident.id,
            status: 'ok',
            summary: result.summary,
            usage: result.usage,
            cost_usd: result.cost_usd,
            latency_ms: result.latency_ms,
            attempts: result.attempts,
            repaired: result.repaired,
            error: null,
          }
          if (provider.remote) {
            outputSeen += result.usage.output_tokens / Math.max(1, result.attempts)
            callsSeen++
          }
        } catch (error) {
          const spentOnIt = error instanceof ExplainError ? error.spent : undefined
          // Cut off by the caller's signal: stopped, not a failure of the model or the server.
          const interrupted = options.signal?.aborted === true
          record = {
            incident_id: incident.id,
            status: interrupted ? 'interrupted' : 'error',
            summary: null,
            usage: spentOnIt?.usage ?? {...ZERO_USAGE},
            cost_usd: spentOnIt ? spentOnIt.cost_usd : provider.remote ? null : 0,
            latency_ms: spentOnIt?.latency_ms ?? 0,
            attempts: spentOnIt?.attempts ?? 0,
            repaired: false,
            error: interrupted ? 'interrupted while being explained' : errorText(error),
          }
        } finally {
          reserved -= expected
        }
        spent += record.cost_usd ?? expected
        if (options.eval && record.summary) {
          let judgeUse = judge
          if (judge && budget !== undefined) {
            const preview = judge.previewCall ? judge.previewCall(judgeCall(incident, record.summary, judgeContext)) : null
            const judgeExpected = preview ? (judge.cost({input_tokens: preview.estimated_input_tokens, output_tokens: 300, cache_read: 0, cache_write: 0}) ?? 0) : 0
            if (!fits(judgeExpected)) judgeUse = undefined
          }
          record.judge = await judgeSummary(incident, record.summary, judgeUse, judgeContext)
          if (judge && !judgeUse) record.judge.error = 'judge skipped: its estimated cost would exceed the budget'
          spent += record.judge.cost_usd ?? 0
        }
        return done(record, index)
      }),
    ),
  )

  function done(record: IncidentSummaryRecord, index: number): IncidentSummaryRecord {
    options.onIncidentDone?.(record, index, total)
    return record
  }

  const document: SummariesDocument = {
    version: 1,
    generated_at: (options.now ?? (() => new Date()))().toISOString(),
    provider: provider.name,
    model: provider.model,
    offline: !provider.remote,
    source: {input: results.summary.input, format: results.summary.format, detector: results.summary.detector, incidents: results.incidents.length},
    redaction: {enabled: provider.remote && options.redaction !== false, replaced: redactor.stats()},
    budget: {max_cost_usd: budget ?? null, stopped: records.some((r) => r.status === 'skipped_budget')},
    incidents: records,
    totals: totals(records, provider, Math.round(performance.now() - started)),
  }
  if (options.eval) document.judge = judgeTotals(records, judge, judgeSkipped)
  return document
}

/** A budget needs a price for every model that would spend it (a usage error otherwise). */
export function checkBudget(budget: number | undefined, providers: ReadonlyArray<ExplainProvider | undefined>): void {
  if (budget === undefined) return
  const unknown = providers.find((p) => p && p.cost({input_tokens: 1_000_000, output_tokens: 0, cache_read: 0, cache_write: 0}) === null)
  if (unknown) {
    throw new FlareError(`Cannot enforce a cost limit: no price is known for ${unknown.name} model ${unknown.model}.`, {
      exitCode: ExitCode.usage,
      hint: 'Drop --max-cost, pick a model from the price table, or give the endpoint a price.',
    })
  }
}

function errorText(error: unknown): string {
  if (error instanceof FlareError) return error.hint ? `${error.message} (${error.hint})` : error.message
  return error instanceof Error ? error.message : String(error)
}

function totals(records: IncidentSummaryRecord[], provider: ExplainProvider, wallMs: number): SummaryTotals {
  const usage: Usage = records.reduce((sum, r) => addUsage(sum, r.usage), {...ZERO_USAGE})
  const called = records.filter((r) => r.status !== 'skipped_budget' && r.attempts > 0)
  const unknownCost = called.some((r) => r.cost_usd === null)
  const latencies = records.filter((r) => r.status === 'ok').map((r) => r.latency_ms).sort((a, b) => a - b)
  const p95 = latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.ceil(0.95 * latencies.length) - 1)]!
  let costNote: string | null = null
  if (!provider.remote) costNote = 'offline explainer: no model calls, no cost'
  else if (unknownCost) costNote = `cost unknown: no price is known for ${provider.name} model ${provider.model}`
  return {
    incidents: records.length,
    ok: records.filter((r) => r.status === 'ok').length,
    failed: records.filter((r) => r.status === 'error').length,
    skipped_budget: records.filter((r) => r.status === 'skipped_budget').length,
    interrupted: records.filter((r) => r.status === 'interrupted').length,
    ...usage,
    cost_usd: unknownCost ? null : round6(records.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0)),
    cost_note: costNote,
    latency_ms_mean: latencies.length === 0 ? null : Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
    latency_ms_p95: p95,
    wall_ms: wallMs,
  }
}
