import {Counter, Gauge, Histogram, Registry} from 'prom-client'
import type {SummariesDocument} from '../core/explain/schema.js'
import type {Results} from '../core/results.js'

/** The Prometheus series of one server (its own registry: tests start many servers in one process). */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly requests = new Counter({name: 'flare_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry]})
  readonly latency = new Histogram({name: 'flare_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry]})
  readonly lines = new Counter({name: 'flare_lines_total', help: 'log lines analysed', registers: [this.registry]})
  readonly anomalies = new Counter({name: 'flare_anomalous_sessions_total', help: 'sessions flagged anomalous', registers: [this.registry]})
  readonly incidents = new Counter({name: 'flare_incidents_total', help: 'incidents found, by severity', labelNames: ['severity'], registers: [this.registry]})
  readonly tokens = new Counter({name: 'flare_llm_tokens_total', help: 'LLM tokens used for summaries', labelNames: ['direction'], registers: [this.registry]})
  readonly cost = new Counter({name: 'flare_llm_cost_usd_total', help: 'LLM cost of summaries in USD (known prices only)', registers: [this.registry]})
  readonly rejected = new Counter({name: 'flare_queue_rejected_total', help: 'analyses refused with 503 because the queue was full', registers: [this.registry]})
  readonly queueDepth = new Gauge({name: 'flare_queue_depth', help: 'analyses running or waiting', registers: [this.registry]})

  countResults(results: Results): void {
    this.lines.inc(results.summary.lines)
    this.anomalies.inc(results.summary.anomalies)
    for (const incident of results.incidents) this.incidents.inc({severity: incident.severity})
  }

  countSummaries(document: SummariesDocument): void {
    this.tokens.inc({direction: 'input'}, document.totals.input_tokens)
    this.tokens.inc({direction: 'output'}, document.totals.output_tokens)
    if (document.totals.cost_usd) this.cost.inc(document.totals.cost_usd)
  }
}
