import {summarizeIncidents} from '../explain/summarize.js'
import type {ExplainProvider} from '../explain/providers/types.js'
import type {Incident} from '../results.js'
import type {LiveIncident} from './contracts.js'

/**
 * `--summarize` for live incidents: each is explained once, when it opens, by the same explain
 * engine as `flare summarize` (the offline explainer unless an LLM is configured), the run's
 * spend held under `maxCostUsd` across incidents.
 */
export class LiveSummarizer {
  spentUsd = 0
  explained = 0
  skipped = 0
  /** Explanations written so far, by incident id (bounded). */
  readonly summaries = new Map<string, NonNullable<LiveIncident['summary']>>()

  constructor(private readonly provider: ExplainProvider, private readonly maxCostUsd?: number, private readonly onNote?: (note: string) => void) {}

  /** One explanation at a time (the budget is checked before each; an LLM's rate limit is per key). */
  private turn: Promise<unknown> = Promise.resolve()

  /** `signal`: aborting cancels the call in flight (a shutdown does not wait for a slow LLM). */
  explain(incident: LiveIncident, detail: Incident | undefined, signal?: AbortSignal): Promise<LiveIncident['summary']> {
    const next = this.turn.then(() => (signal?.aborted ? undefined : this.explainNow(incident, detail, signal)))
    this.turn = next.catch(() => {})
    return next
  }

  private async explainNow(incident: LiveIncident, detail: Incident | undefined, signal?: AbortSignal): Promise<LiveIncident['summary']> {
    if (!detail) return undefined
    const budget = this.maxCostUsd === undefined ? undefined : this.maxCostUsd - this.spentUsd
    if (budget !== undefined && budget <= 0) {
      this.skipped++
      return undefined
    }
    const results = {
      version: 1 as const,
      summary: {input: 'live', lines: 0, parsed: 0, skipped: 0, sessions: detail.size, anomalies: detail.size, incidents: 1, templates: detail.templates.length, format: 'live', session_key: 'live', detector: 'live', threshold: 0, elapsed_ms: 0},
      incidents: [detail],
      anomalies: [],
    }
    try {
      const document = await summarizeIncidents(results, {provider: this.provider, maxCostUsd: budget, concurrency: 1, signal})
      const record = document.incidents[0]
      this.spentUsd += record?.cost_usd ?? 0
      const summary = record?.summary
      if (!summary) {
        this.skipped++
        if (record?.error) this.onNote?.(`${incident.id} not explained: ${record.error}`)
        return undefined
      }
      this.explained++
      const written = {rootCause: summary.root_cause, remediation: summary.remediation.map((r) => r.action), provider: this.provider.remote ? `${this.provider.name}/${this.provider.model}` : 'offline'}
      this.summaries.set(incident.id, written)
      if (this.summaries.size > 1000) this.summaries.delete(this.summaries.keys().next().value!)
      return written
    } catch (error) {
      this.skipped++
      this.onNote?.(`${incident.id} not explained: ${(error as Error).message}`)
      return undefined
    }
  }
}
