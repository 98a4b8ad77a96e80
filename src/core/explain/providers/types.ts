import type * as z from '../../zod.js'
import type {Incident} from '../../results.js'
import type {Redactor} from '../redact.js'
import type {IncidentSummary, Usage} from '../schema.js'

export type ProviderName = 'anthropic' | 'openai-compatible' | 'offline'

export interface ExplainContext {
  /** `results.summary.format`: picks the prompt's log-family guidance. */
  format: string
  detector?: string
  /** Shared across a run so pseudonyms are stable; remote providers create one if absent. */
  redactor?: Redactor
  signal?: AbortSignal
  maxPromptTokens?: number
  /** Incident id → "seen before: …" lines from the incident memory, given to the model as context. */
  pastIncidents?: Record<string, string[]>
}

/** One incident's explanation: a structured result whose value is the summary. */
export type ExplainResult = Omit<StructuredResult<IncidentSummary>, 'value'> & {summary: IncidentSummary}

/** A structured-output request: the provider must return a value satisfying `schema` (and `check`). */
export interface StructuredCall<T> {
  /** Tool / json_schema name. */
  name: string
  description: string
  system: string
  user: string
  schema: z.ZodType<T>
  /** Semantic checks after the schema passes; returned problems trigger the one repair attempt. */
  check?: (value: T) => string[]
  maxOutputTokens?: number
  signal?: AbortSignal
}

export interface StructuredResult<T> {
  value: T
  usage: Usage
  /** Null when the model has no known price. */
  cost_usd: number | null
  latency_ms: number
  /** Provider calls made (2 when a repair was needed). */
  attempts: number
  repaired: boolean
  raw?: unknown
}

/** Exactly what a remote provider would send, for `--dry-run`. Credentials are never included. */
export interface RequestPreview {
  method: 'POST'
  url: string
  /** Header names and non-secret values; the credential header shows `<redacted>`. */
  headers: Record<string, string>
  body: Record<string, unknown>
  estimated_input_tokens: number
  estimated_output_tokens: number
  /** Null when the model has no known price. */
  estimated_cost_usd: number | null
}

export interface ExplainProvider {
  readonly name: ProviderName
  readonly model: string
  /** True when prompts leave the machine (and so are redacted). */
  readonly remote: boolean
  explain(incident: Incident, context: ExplainContext): Promise<ExplainResult>
  /** Generic structured call, used by the judge. Offline has none. */
  complete?<T>(call: StructuredCall<T>): Promise<StructuredResult<T>>
  /** The request `explain` would send, after redaction; sends nothing. */
  preview?(incident: Incident, context: ExplainContext): RequestPreview
  /** The request `complete` would send for this call; sends nothing. */
  previewCall?<T>(call: StructuredCall<T>): RequestPreview
  /** Cost of a call with this usage, null when unknown. */
  cost(usage: Usage): number | null
  /** The same provider (endpoint, credentials, settings) with another model: how the judge gets a second model. */
  withModel?(model: string): ExplainProvider
  /** Typical output tokens of one explanation, for budget estimates before a call. */
  readonly expectedOutputTokens: number
}
