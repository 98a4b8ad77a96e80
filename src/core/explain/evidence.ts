import type {Incident, Severity} from '../results.js'
import type {DeterministicChecks, Evidence, IncidentSummary} from './schema.js'

const SEVERITY_RANK: Record<Severity, number> = {low: 0, medium: 1, high: 2, critical: 3}

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity]
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/**
 * Does this evidence item occur in the incident? A line must be one of the incident's sample
 * lines (by line number) and its text a contiguous excerpt of that line; a template must be one
 * of the incident's templates (by id) and its text an excerpt of the template. Whitespace is
 * normalised; a leading "L" on line refs is accepted ("L1042").
 */
export function evidenceOccurs(incident: Incident, evidence: Evidence): boolean {
  const quoted = normalise(evidence.text)
  if (quoted.length === 0) return false
  if (evidence.kind === 'line') {
    const n = Number(evidence.ref.replace(/^L(?:ine)?\s*/i, ''))
    const line = incident.sample_lines.find((sample) => sample.line === n)
    return line !== undefined && normalise(line.text).includes(quoted)
  }
  const template = incident.templates.find((t) => t.id === evidence.ref)
  return template !== undefined && (normalise(template.template).includes(quoted) || (template.as_seen !== undefined && normalise(template.as_seen).includes(quoted)))
}

/** Problems with a summary's evidence, phrased for the model in a repair request. Empty when all is grounded. */
export function evidenceProblems(incident: Incident, summary: IncidentSummary): string[] {
  const problems: string[] = []
  if (summary.evidence.length === 0) problems.push('evidence: cite at least one sample line or template from the incident')
  summary.evidence.forEach((item, index) => {
    if (!evidenceOccurs(incident, item)) {
      problems.push(
        item.kind === 'line'
          ? `evidence[${index}]: line ${item.ref} is not a sample line of this incident, or its text is not quoted verbatim from that line`
          : `evidence[${index}]: template ${item.ref} is not a template of this incident, or its text is not quoted verbatim from it`,
      )
    }
  })
  return problems
}

/**
 * Checks every summary gets, whatever wrote it.
 *
 * Severity rule: the detector already turned the anomaly score into `incident.severity`; a
 * summary is consistent when its severity is within ONE step of that (low↔medium↔high↔critical).
 * A model may argue the detector under- or over-rates an incident, but not jump two levels.
 */
export function deterministicChecks(incident: Incident, summary: IncidentSummary): DeterministicChecks {
  const missing = summary.evidence.filter((item) => !evidenceOccurs(incident, item)).map((item) => `${item.kind}:${item.ref}`)
  const evidencePresent = summary.evidence.length > 0 && missing.length === 0
  const remediationPresent = summary.remediation.some((item) => item.action.trim().length > 0)
  const distance = Math.abs(severityRank(summary.severity) - severityRank(incident.severity))
  const severityConsistent = distance <= 1
  const severityNote = severityConsistent
    ? `summary severity ${summary.severity} is within one step of the detector's ${incident.severity} (score ${incident.score})`
    : `summary severity ${summary.severity} is ${distance} steps from the detector's ${incident.severity} (score ${incident.score})`
  return {
    evidence_present: evidencePresent,
    evidence_missing: missing,
    evidence_count: summary.evidence.length,
    remediation_present: remediationPresent,
    severity_consistent: severityConsistent,
    severity_note: severityNote,
    passed: evidencePresent && remediationPresent && severityConsistent,
  }
}

/**
 * A template's rate in an incident against its normal rate, like with like: for a windowed
 * incident its count against the count expected over those windows; for a session incident its
 * count per incident session against its mean per normal session (a total of 3 over 3 sessions is
 * 1 per session, exactly a normal session's 1).
 */
export function templateRate(t: Incident['templates'][number], sessions: number): {value: number; normal: number; text: string} {
  const f = (x: number): string => String(Math.round(x * 100) / 100)
  if (t.expected !== undefined) return {value: t.count, normal: t.expected, text: `${t.count} vs ~${f(t.expected)} expected at its normal rate`}
  const value = t.per_session ?? t.count / Math.max(1, sessions)
  return {value, normal: t.normal_mean, text: `${f(value)} per session vs ${f(t.normal_mean)} per normal session`}
}
