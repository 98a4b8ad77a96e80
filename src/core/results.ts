import {deferredArray} from './io/json-stream.js'
import * as z from './zod.js'

/**
 * The results document of `flare detect`: written by `-o`, printed by `--json`, read by
 * `flare summarize` and the server. This schema is the single source of truth for its shape.
 */
export const Severity = z.enum(['low', 'medium', 'high', 'critical'])
export type Severity = z.infer<typeof Severity>

export const IncidentTemplate = z.object({
  id: z.string(),
  template: z.string(),
  count: z.number().int().nonnegative(),
  /** Mean count of this template per normal session (0 when never seen in normal sessions). */
  normal_mean: z.number().nonnegative(),
  level: z.string().optional(),
  /** Session incidents: count / sessions in the incident, the rate to set against normal_mean (both per session). */
  per_session: z.number().nonnegative().optional(),
  /** Windowed incidents: the count expected over the incident's windows at the normal rate. */
  expected: z.number().nonnegative().optional(),
  /** Windowed incidents: how far from normal (weighted −log10 tail probability); templates are sorted by it. */
  score: z.number().optional(),
  /**
   * Windowed incidents: what each `<*>` held in the incident's lines (its streams, its time), in
   * order: the type, the lines counted, the distinct values, the most common (paths with their ids
   * as `{id}`; secrets masked).
   */
  parameters: z
    .array(
      z.object({
        position: z.number().int().nonnegative(),
        type: z.string(),
        lines: z.number().int().nonnegative(),
        distinct: z.number().int().nonnegative(),
        values: z.array(z.object({value: z.string(), count: z.number().int().positive()})),
      }),
    )
    .optional(),
  /** The template with each `<*>` that held one value in most of its lines written in (`GET / HTTP/2.0 504 Gateway Timeout`). */
  as_seen: z.string().optional(),
})

export const SampleLine = z.object({
  line: z.number().int().positive(),
  text: z.string(),
  template_id: z.string(),
  session_id: z.string(),
  /** Why this line was chosen: error level, rare template, first of session, ... */
  reason: z.string(),
})

export const FeatureReason = z.object({
  feature: z.string(),
  value: z.number(),
  normal: z.number(),
  note: z.string(),
})

export const Incident = z.object({
  id: z.string(),
  session_ids: z.array(z.string()),
  size: z.number().int().positive(),
  severity: Severity,
  severity_reason: z.string(),
  score: z.number(),
  /** ISO 8601 UTC; null when the incident's lines carry no timestamps (then see line_range). */
  time_range: z.object({start: z.string().nullable(), end: z.string().nullable()}),
  /** Set only when the incident's lines carry no timestamps: its first and last line. */
  line_range: z.object({first: z.number().int().positive(), last: z.number().int().positive()}).optional(),
  templates: z.array(IncidentTemplate),
  sample_lines: z.array(SampleLine),
  reasons: z.array(FeatureReason),
  components: z.array(z.object({name: z.string(), count: z.number().int()})),
  levels: z.record(z.string(), z.number().int()),
  /** Windowed incidents: the streams (hosts, host/component) it touches. */
  streams: z.array(z.string()).optional(),
  /** Windowed incidents: an earlier incident of the same leading template this one recurs after. */
  recurrence_of: z.string().optional(),
  /** Windowed incidents led by a silence: which host (or component on a host) went quiet, for how long, lines logged against expected. */
  silence: z.object({source: z.string(), duration: z.string(), lines: z.number().int().nonnegative(), expected: z.number().nonnegative()}).optional(),
})
export type Incident = z.infer<typeof Incident>

/**
 * An incident set aside as one client network's burst (a scan, a crawl): four in five of its
 * requests above the normal rate came from that network, and the server answered them as it
 * should (incidents/client-bursts.ts).
 */
export const ClientBurst = Incident.extend({
  client: z.object({
    network: z.string(),
    /** The network's lines. */
    lines: z.number().int().nonnegative(),
    /** The incident's lines (all its templates') from every client, and of those the lines above their normal rate. */
    requests: z.number().int().nonnegative(),
    above_normal: z.number().int().nonnegative(),
    statuses: z.array(z.object({status: z.number().int(), count: z.number().int()})),
  }),
})
export type ClientBurst = z.infer<typeof ClientBurst>

/** What a silence was, in a few words: "no lines from worker-01 for 1h" or "3 lines from worker-01 in 1h, ~290 expected". */
export function describeSilence(s: NonNullable<Incident['silence']>): string {
  return s.lines === 0 ? `no lines from ${s.source} for ${s.duration}` : `${s.lines} line${s.lines === 1 ? '' : 's'} from ${s.source} in ${s.duration}, ~${Math.round(s.expected)} expected`
}

/** `lines 801–1000`: where an incident without timestamps is (its line_range). */
export function describeLines(r: NonNullable<Incident['line_range']>): string {
  return r.first === r.last ? `line ${r.first}` : `lines ${r.first}–${r.last}`
}

/**
 * `{line_range}` (the sessions' first and last line) for an incident whose start time is not
 * finite (its lines carry no timestamps); nothing otherwise.
 */
export function untimed(start: number, sessions: Iterable<{firstLine: number; lastLine: number}>): Pick<Incident, 'line_range'> {
  if (Number.isFinite(start)) return {}
  let first = Number.POSITIVE_INFINITY
  let last = 0
  for (const s of sessions) {
    first = Math.min(first, s.firstLine)
    last = Math.max(last, s.lastLine)
  }
  return Number.isFinite(first) && last >= first ? {line_range: {first, last}} : {}
}

export const Anomaly = z.object({
  session_id: z.string(),
  score: z.number(),
  is_anomaly: z.boolean(),
  event_count: z.number().int().nonnegative(),
})
export type Anomaly = z.infer<typeof Anomaly>

export const Evaluation = z.object({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  tp: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  tn: z.number().int(),
  labelled_sessions: z.number().int(),
  unlabelled_sessions: z.number().int(),
  labels_without_session: z.number().int(),
})
export type Evaluation = z.infer<typeof Evaluation>

export const Summary = z.object({
  input: z.string(),
  lines: z.number().int(),
  parsed: z.number().int(),
  skipped: z.number().int(),
  /** Records that carried no id of the session key, so went into no session (absent when none: older results lack it). */
  unassigned: z.number().int().optional(),
  /** Of those, the ones at ERROR level or worse. */
  unassigned_errors: z.number().int().optional(),
  sessions: z.number().int(),
  anomalies: z.number().int(),
  incidents: z.number().int(),
  /** Incidents set aside as one client network's bursts (absent when none). */
  client_bursts: z.number().int().optional(),
  templates: z.number().int(),
  format: z.string(),
  session_key: z.string(),
  detector: z.string(),
  threshold: z.number(),
  elapsed_ms: z.number(),
})

export const Results = z.object({
  version: z.literal(1),
  summary: Summary,
  incidents: z.array(Incident),
  /** Incidents set aside as one client network's bursts (absent when none). */
  client_bursts: z.array(ClientBurst).optional(),
  anomalies: z.array(Anomaly),
  evaluation: Evaluation.optional(),
})
export type Results = z.infer<typeof Results>

/**
 * The document without its per-session rows: what the pipeline validates. The rows (one per
 * session, hundreds of thousands at scale) are built valid and joined by `withAnomalyRows`.
 */
export const ResultsEnvelope = Results.omit({anomalies: true})
export type ResultsEnvelope = z.infer<typeof ResultsEnvelope>

/**
 * The whole document, its keys in the schema's order (the order `Results.parse` gives, so the
 * JSON text is the same), its rows made by `row(i)` when `anomalies` is first read, and written
 * without being made by writeJson (deferredArray).
 */
export function withAnomalyRows(envelope: ResultsEnvelope, count: number, row: (i: number) => Anomaly): Results {
  const {version, summary, incidents, client_bursts: bursts, evaluation} = envelope
  const results = {version, summary, incidents, ...(bursts === undefined ? {} : {client_bursts: bursts})} as Results
  deferredArray(results, 'anomalies', count, row)
  if (evaluation !== undefined) results.evaluation = evaluation
  return results
}
