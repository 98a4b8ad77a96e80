import * as z from '../zod.js'
import {Severity} from '../results.js'

/**
 * Schemas of `flare summarize`: what a provider must return for one incident (the LLM output,
 * also produced by the offline explainer), what the judge returns, and the summaries document
 * written to disk. zod is the single source of truth: the JSON schema sent to the model is
 * generated from `IncidentSummary` with `z.toJSONSchema`, and the model's answer is validated
 * against the same object.
 *
 * Every field of the LLM output is required (no optionals): OpenAI-style `strict` JSON schema
 * mode needs it, and "say nothing" is expressed as an empty array, not a missing key.
 */

export const RemediationPriority = z.enum(['immediate', 'short_term', 'long_term'])
export type RemediationPriority = z.infer<typeof RemediationPriority>

export const Remediation = z.object({
  action: z.string().min(1).describe('One concrete step an on-call engineer can take, naming the component or template it concerns.'),
  priority: RemediationPriority,
})
export type Remediation = z.infer<typeof Remediation>

/**
 * One piece of evidence. `kind: 'line'` cites a sample line by its line number (`ref` is the
 * number as a string, e.g. "1042") and `text` quotes that line or part of it; `kind: 'template'`
 * cites a template by id (`ref` e.g. "T7") and `text` quotes the template. Flat rather than a
 * union so every JSON-schema dialect (Anthropic tools, OpenAI strict, llama.cpp grammars) takes it.
 */
export const Evidence = z.object({
  kind: z.enum(['line', 'template']),
  ref: z.string().min(1).describe('Line number (for kind "line") or template id (for kind "template"), exactly as given in the incident.'),
  text: z.string().min(1).describe('The quoted log line or template text (verbatim, may be a contiguous excerpt).'),
})
export type Evidence = z.infer<typeof Evidence>

export const IncidentSummary = z.object({
  explanation: z.string().min(1).describe('What happened, in plain words, citing template ids and line numbers.'),
  root_cause: z.string().min(1).describe('The most likely root cause, or "unknown" with the best hypothesis when inconclusive.'),
  severity: Severity,
  severity_reasoning: z.string().min(1),
  confidence: z.number().min(0).max(1),
  confidence_reasoning: z.string().min(1),
  remediation: z.array(Remediation),
  evidence: z.array(Evidence),
  inconclusive: z.boolean().describe('True when the evidence does not support a root cause.'),
  ruled_out: z.array(z.string()).describe('Hypotheses considered and rejected, each with the evidence that rules it out.'),
})
export type IncidentSummary = z.infer<typeof IncidentSummary>

/** A JSON schema for the model, without the `$schema` key some endpoints reject. */
export function toModelJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {target: 'draft-2020-12', io: 'output'}) as Record<string, unknown>
  delete json.$schema
  return json
}

// ---------------------------------------------------------------------------------------------
// Judge

export const JudgeScore = z.object({
  score: z.number().int().min(1).max(5),
  reason: z.string().min(1),
})

export const JudgeOutput = z.object({
  relevance: JudgeScore.describe('Does the summary explain THIS incident (its templates, lines, components)?'),
  specificity: JudgeScore.describe('Does it name concrete templates, counts, line numbers, components instead of generic advice?'),
  actionability: JudgeScore.describe('Could an on-call engineer act on the remediation right now?'),
})
export type JudgeOutput = z.infer<typeof JudgeOutput>

/** Checks any provider's summary gets, no model needed. */
export const DeterministicChecks = z.object({
  evidence_present: z.boolean(),
  /** Evidence items that do not occur in the incident, as "kind:ref". */
  evidence_missing: z.array(z.string()),
  evidence_count: z.number().int().nonnegative(),
  remediation_present: z.boolean(),
  severity_consistent: z.boolean(),
  severity_note: z.string(),
  passed: z.boolean(),
})
export type DeterministicChecks = z.infer<typeof DeterministicChecks>

export const Usage = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_read: z.number().int().nonnegative(),
  cache_write: z.number().int().nonnegative(),
})
export type Usage = z.infer<typeof Usage>

export const IncidentJudgement = z.object({
  checks: DeterministicChecks,
  /** Null when no LLM judge ran (offline, or the judge call failed: see `error`). */
  scores: JudgeOutput.nullable(),
  model: z.string().nullable(),
  usage: Usage.nullable(),
  cost_usd: z.number().nullable(),
  latency_ms: z.number().nonnegative(),
  error: z.string().optional(),
})
export type IncidentJudgement = z.infer<typeof IncidentJudgement>

// ---------------------------------------------------------------------------------------------
// Summaries document

/** `interrupted`: the run was stopped (Ctrl-C, SIGTERM) before this incident was explained; not a failure of the model. */
export const SummaryStatus = z.enum(['ok', 'error', 'skipped_budget', 'interrupted'])
export type SummaryStatus = z.infer<typeof SummaryStatus>

export const IncidentSummaryRecord = z.object({
  incident_id: z.string(),
  status: SummaryStatus,
  summary: IncidentSummary.nullable(),
  usage: Usage,
  /** Null when the model has no known price. */
  cost_usd: z.number().nullable(),
  latency_ms: z.number().nonnegative(),
  /** Provider calls made: 1, 2 with a repair, 0 when skipped. Transport retries are not counted. */
  attempts: z.number().int().nonnegative(),
  repaired: z.boolean(),
  error: z.string().nullable(),
  judge: IncidentJudgement.optional(),
})
export type IncidentSummaryRecord = z.infer<typeof IncidentSummaryRecord>

export const JudgeTotals = z.object({
  model: z.string().nullable(),
  provider: z.string().nullable(),
  /** Why no LLM judge ran, when none did. */
  llm_judge_skipped: z.string().nullable(),
  judged: z.number().int().nonnegative(),
  relevance_mean: z.number().nullable(),
  specificity_mean: z.number().nullable(),
  actionability_mean: z.number().nullable(),
  checks_pass_rate: z.number().nullable(),
  evidence_present_rate: z.number().nullable(),
  remediation_present_rate: z.number().nullable(),
  severity_consistent_rate: z.number().nullable(),
  cost_usd: z.number().nullable(),
  latency_ms_mean: z.number().nullable(),
  /** Flat numeric metrics for experiment tracking, e.g. `judge.relevance_mean`. */
  metrics: z.record(z.string(), z.number()),
})
export type JudgeTotals = z.infer<typeof JudgeTotals>

export const SummaryTotals = z.object({
  incidents: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped_budget: z.number().int().nonnegative(),
  /** Not explained because the run was interrupted (absent in documents written before it existed). */
  interrupted: z.number().int().nonnegative().optional(),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_read: z.number().int().nonnegative(),
  cache_write: z.number().int().nonnegative(),
  /** Summaries only; the judge's cost is in `judge.cost_usd`. Null when any call's price is unknown. */
  cost_usd: z.number().nullable(),
  cost_note: z.string().nullable(),
  latency_ms_mean: z.number().nullable(),
  latency_ms_p95: z.number().nullable(),
  wall_ms: z.number().nonnegative(),
})
export type SummaryTotals = z.infer<typeof SummaryTotals>

export const SummariesDocument = z.object({
  version: z.literal(1),
  generated_at: z.string(),
  provider: z.string(),
  model: z.string(),
  /** True for the offline explainer: no model wrote these summaries. */
  offline: z.boolean(),
  source: z.object({input: z.string(), format: z.string(), detector: z.string(), incidents: z.number().int()}),
  redaction: z.object({
    enabled: z.boolean(),
    /** Distinct values replaced by a pseudonym, per kind (EMAIL, SECRET, ...). */
    replaced: z.record(z.string(), z.number().int()),
  }),
  budget: z.object({max_cost_usd: z.number().nullable(), stopped: z.boolean()}),
  incidents: z.array(IncidentSummaryRecord),
  totals: SummaryTotals,
  judge: JudgeTotals.optional(),
})
export type SummariesDocument = z.infer<typeof SummariesDocument>
