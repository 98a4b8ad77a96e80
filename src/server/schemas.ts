import * as z from '../core/zod.js'
import {IncidentSummaryRecord, SummariesDocument} from '../core/explain/schema.js'
import {Incident, Results} from '../core/results.js'

/**
 * Request and response shapes of the HTTP API. The results and summaries schemas are the ones the
 * CLI writes and reads; the request bodies accept the original Flare's fields (`log_text`,
 * `contamination`, `use_registry`, `run_eval`) so its clients keep working.
 */
export const DetectOptions = z.object({
  format: z.string().optional().describe('log format, or auto (default)'),
  session_key: z.enum(['auto', 'block', 'request', 'pid', 'window']).optional(),
  detector: z.string().optional().describe('anomaly detector (default: chosen from the session key)'),
  contamination: z.number().gt(0).lte(0.5).optional().describe('expected anomaly share in (0, 0.5]'),
  use_registry: z.boolean().optional().describe('score with the model the server was started with (--model); default: true when it has one'),
})

export const DetectRequest = DetectOptions.extend({
  log_text: z.string().min(1).describe('the log, as text'),
})

export const AnalyzeRequest = DetectRequest.extend({
  run_eval: z.boolean().optional().describe('grade every summary (deterministic checks, plus an LLM judge when the writer is remote)'),
})

export const SimilarIncident = z.object({
  key: z.string(),
  run_id: z.number().int(),
  incident_id: z.string(),
  created_at: z.string(),
  severity: z.string(),
  lead_template: z.string(),
  overlap: z.number().describe('shared templates / templates in either (Jaccard)'),
  score: z.number().describe('the ranking similarity: the same Jaccard with templates weighted by rarity (IDF)'),
  shared_templates: z.number().int(),
  root_cause: z.string().nullable(),
  suggested_last_time: z.string().nullable().describe("the first remediation step the explainer suggested for that incident: a suggestion, not a confirmed fix"),
  resolved_by: z.string().nullable().describe('deprecated: the same value as suggested_last_time (nobody recorded a resolution); kept for existing clients'),
})

export const MlflowRunStatus = z.object({
  status: z.enum(['off', 'logged', 'pending', 'failed', 'skipped']).describe('off: the server does not track; pending: still being logged when this response left; skipped: too many runs were being logged at once'),
  run_id: z.string().nullable(),
  url: z.string().nullable().describe('the run in the MLflow UI (no credentials)'),
  error: z.string().nullable().describe('what could not be logged, and why'),
})

export const DetectResponse = Results.extend({
  run_id: z.number().int().nullable().describe('id of this analysis in the incident memory (null without one)'),
  incident_keys: z.record(z.string(), z.string()).describe('incident id → key in the incident memory (`<run>.<incident>`)'),
  similar: z.record(z.string(), z.array(SimilarIncident)).describe('incident id → similar past incidents'),
  warnings: z.array(z.string()),
  mlflow: MlflowRunStatus.describe('whether this analysis was logged as an MLflow run'),
})

export const SummarizeRequest = z.object({
  results: Results.optional().describe('a results document (from /detect or `flare detect -o`)'),
  incidents: z.array(Incident).optional().describe('or just its incidents'),
  format: z.string().optional().describe('log format of bare incidents (default generic)'),
  incident_ids: z.array(z.string()).optional(),
  run_eval: z.boolean().optional(),
})

export const AnalyzeResponse = DetectResponse.extend({summaries: SummariesDocument})

export const UploadResponse = DetectResponse.extend({summaries: SummariesDocument.optional().describe('with summarize=true: the summaries, stored with the run')})

export const RunRecord = z.object({
  id: z.number().int(),
  created_at: z.string(),
  origin: z.string(),
  input: z.string(),
  format: z.string(),
  detector: z.string(),
  lines: z.number().int(),
  sessions: z.number().int(),
  anomalies: z.number().int(),
  incidents: z.number().int(),
  elapsed_ms: z.number(),
  llm_cost_usd: z.number().nullable(),
})

export const RunDetail = RunRecord.extend({results: Results, summaries: SummariesDocument.nullable()})

export const ErrorBody = z.object({error: z.string(), hint: z.string().optional(), statusCode: z.number().int()})

/** With serve --token, a request without the token gets only status and version. */
export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  llm: z.object({provider: z.string(), model: z.string(), remote: z.boolean(), reachable: z.boolean().nullable(), note: z.string()}).optional(),
  mlflow: z.object({configured: z.boolean(), reachable: z.boolean().nullable(), tracking: z.boolean().describe('each analysis is logged as an MLflow run'), experiment: z.string().nullable()}).optional(),
  model: z.object({loaded: z.boolean(), source: z.string().nullable(), detector: z.string().nullable()}).optional(),
  history: z.object({enabled: z.boolean(), path: z.string().nullable()}).optional(),
  queue: z.object({running: z.number().int(), waiting: z.number().int(), limit: z.number().int(), workers: z.number().int()}).optional(),
})

export {IncidentSummaryRecord}
