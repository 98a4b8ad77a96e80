import type {Incident} from '../results.js'
import {deterministicChecks} from './evidence.js'
import {round6} from './pricing.js'
import {incidentPrompt} from './prompts.js'
import type {ExplainProvider} from './providers/types.js'
import {DEFAULT_ANTHROPIC_MODEL} from './providers/anthropic.js'
import {redactIncident} from './providers/remote.js'
import type {Redactor} from './redact.js'
import {JudgeOutput, type IncidentJudgement, type IncidentSummary, type IncidentSummaryRecord, type JudgeTotals} from './schema.js'

export {deterministicChecks} from './evidence.js'

/** The judge grades with a different model from the writer: a small one for a large writer, Sonnet for a Haiku writer. */
export const DEFAULT_JUDGE_MODEL = 'claude-haiku-4-5'

export function defaultJudgeModel(writerModel: string): string {
  return /haiku/i.test(writerModel) ? DEFAULT_ANTHROPIC_MODEL : DEFAULT_JUDGE_MODEL
}

const JUDGE_TOOL = 'record_judgement'

const JUDGE_SYSTEM = `You grade explanations of log incidents written for on-call engineers. You receive the incident (as the explainer saw it) and the explanation. Score each criterion from 1 (poor) to 5 (excellent) and give a one-sentence reason:
- relevance: does it explain THIS incident, consistent with its templates, counts and lines? 1 = about something else or contradicts the evidence; 5 = fully grounded in it.
- specificity: does it name concrete template ids, counts, line numbers, components? 1 = generic text that fits any incident; 5 = specific throughout.
- actionability: could an on-call engineer act on the remediation now? 1 = no usable step; 5 = clear, prioritised steps naming what to check or change.
Judge only what is written; do not reward length. Values like <EMAIL_1> are pseudonyms for redacted data.`

export interface JudgeContext {
  format: string
  detector?: string
  redactor: Redactor
  signal?: AbortSignal
  maxPromptTokens?: number
}

/**
 * Grade one summary: deterministic checks always; LLM scores when `judge` is given. A failing
 * judge call is recorded in `error`, never thrown: the summary stands without scores.
 */
export async function judgeSummary(
  incident: Incident,
  summary: IncidentSummary,
  judge: ExplainProvider | undefined,
  context: JudgeContext,
): Promise<IncidentJudgement> {
  const checks = deterministicChecks(incident, summary)
  if (!judge?.complete) {
    return {checks, scores: null, model: null, usage: null, cost_usd: null, latency_ms: 0}
  }
  const call = judgeCall(incident, summary, context)
  try {
    const result = await judge.complete(call)
    return {checks, scores: result.value, model: judge.model, usage: result.usage, cost_usd: result.cost_usd, latency_ms: result.latency_ms}
  } catch (error) {
    const spent = (error as {spent?: {usage: IncidentJudgement['usage']; cost_usd: number | null; latency_ms: number}}).spent
    return {
      checks,
      scores: null,
      model: judge.model,
      usage: spent?.usage ?? null,
      cost_usd: spent?.cost_usd ?? null,
      latency_ms: spent?.latency_ms ?? 0,
      error: error instanceof Error ? error.message : String(error),
    }
  }
}

/** The judge's structured call; exported so dry runs and tests can see what it sends. */
export function judgeCall(incident: Incident, summary: IncidentSummary, context: JudgeContext) {
  const redacted = redactIncident(incident, context.redactor)
  const prompt = incidentPrompt(redacted, context.format, {maxPromptTokens: context.maxPromptTokens, detector: context.detector})
  const redactedSummary = JSON.parse(context.redactor.redact(JSON.stringify(summary))) as unknown
  const user = `${prompt.user.replace(/\n[^\n]*answer only with the structured incident summary\.$/, '')}

The explanation to grade:
${JSON.stringify(redactedSummary, null, 2)}

Grade it by calling ${JUDGE_TOOL}.`
  return {
    name: JUDGE_TOOL,
    description: 'Record scores (1-5) with reasons for relevance, specificity and actionability of an incident explanation.',
    system: JUDGE_SYSTEM,
    user,
    schema: JudgeOutput,
    signal: context.signal,
  }
}

function mean(values: number[]): number | null {
  if (values.length === 0) return null
  return Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 1000) / 1000
}

function rate(values: boolean[]): number | null {
  if (values.length === 0) return null
  return Math.round((values.filter(Boolean).length / values.length) * 1000) / 1000
}

/** Means over judged incidents, plus a flat metrics object (`judge.relevance_mean`, ...) for tracking. */
export function judgeTotals(records: IncidentSummaryRecord[], judge: ExplainProvider | undefined, skippedReason: string | null): JudgeTotals {
  const judged = records.filter((r) => r.judge)
  const judgements = judged.map((r) => r.judge!)
  const scored = judgements.filter((j) => j.scores)
  const costs = judgements.filter((j) => j.model !== null).map((j) => j.cost_usd)
  const cost = costs.length === 0 ? (judge ? 0 : null) : costs.some((c) => c === null) ? null : round6(costs.reduce((a: number, c) => a + (c ?? 0), 0))
  const totals: Omit<JudgeTotals, 'metrics'> = {
    model: judge?.model ?? null,
    provider: judge?.name ?? null,
    llm_judge_skipped: skippedReason,
    judged: judgements.length,
    relevance_mean: mean(scored.map((j) => j.scores!.relevance.score)),
    specificity_mean: mean(scored.map((j) => j.scores!.specificity.score)),
    actionability_mean: mean(scored.map((j) => j.scores!.actionability.score)),
    checks_pass_rate: rate(judgements.map((j) => j.checks.passed)),
    evidence_present_rate: rate(judgements.map((j) => j.checks.evidence_present)),
    remediation_present_rate: rate(judgements.map((j) => j.checks.remediation_present)),
    severity_consistent_rate: rate(judgements.map((j) => j.checks.severity_consistent)),
    cost_usd: cost,
    latency_ms_mean: mean(judgements.filter((j) => j.model !== null).map((j) => j.latency_ms)),
  }
  const metrics: Record<string, number> = {}
  for (const [key, value] of Object.entries(totals)) {
    if (typeof value === 'number') metrics[`judge.${key}`] = value
  }
  return {...totals, metrics}
}
