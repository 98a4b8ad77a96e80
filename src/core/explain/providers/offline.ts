import {describeLines, describeSilence, type Incident, type Severity} from '../../results.js'
import {isCriticalLevel, isErrorLevel, mentionsFailure} from '../../severity.js'
import {severityRank, templateRate} from '../evidence.js'
import {ZERO_USAGE} from '../pricing.js'
import {logFamily, rankLines, rankTemplates, type LogFamily} from '../prompts.js'
import type {Evidence, IncidentSummary, Remediation, Usage} from '../schema.js'
import {FAILURE_SIGNATURES, matchSignatures, type SignatureMatch} from '../signatures.js'
import type {ExplainContext, ExplainProvider, ExplainResult} from './types.js'

export const OFFLINE_MODEL = 'flare-offline-1'

/**
 * The explainer that needs no model: a deterministic reading of the incident's own evidence
 * (templates against their normal-session means, error levels, components, the failure-signature
 * table in signatures.ts). Same incident in, byte-identical summary out.
 *
 * Severity rule: start from the detector's severity (derived from the anomaly score); raise it by
 * ONE step when a matched signature's floor, or a fatal/critical level line, calls for more. Never
 * lower it: the offline explainer has no grounds to overrule the detector downwards.
 */
export class OfflineProvider implements ExplainProvider {
  readonly name = 'offline' as const
  readonly model = OFFLINE_MODEL
  readonly remote = false
  readonly expectedOutputTokens = 0

  async explain(incident: Incident, context: ExplainContext): Promise<ExplainResult> {
    const started = performance.now()
    const summary = explainOffline(incident, context.format)
    return {summary, usage: {...ZERO_USAGE}, cost_usd: 0, latency_ms: Math.round(performance.now() - started), attempts: 1, repaired: false}
  }

  cost(_usage: Usage): number {
    return 0
  }
}

/** Anomaly (log2 of count over expected) from which a template is unusual: twice its normal rate. */
const UNUSUAL = 1

const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical']

/** Signatures worth saying "ruled out" about, per log family, in this order. */
const RULE_OUT_CANDIDATES: Record<LogFamily, string[]> = {
  hdfs: ['disk_full', 'out_of_memory', 'hdfs_replication', 'hdfs_block_transfer', 'dns', 'timeout'],
  bgl: ['kernel_hardware', 'out_of_memory', 'segfault', 'disk_full'],
  ssh: ['auth_failure', 'dns', 'permission_denied', 'connection_reset'],
  syslog: ['out_of_memory', 'disk_full', 'segfault', 'process_restart'],
  json: ['timeout', 'connection_refused', 'database', 'out_of_memory', 'http_5xx'],
  generic: ['disk_full', 'out_of_memory', 'connection_refused', 'timeout'],
}

type Template = Incident['templates'][number]
type Line = Incident['sample_lines'][number]

function quote(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return `"${flat.length > max ? `${flat.slice(0, max - 3)}...` : flat}"`
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}

function list(items: string[], max: number): string {
  const shown = items.slice(0, max)
  const more = items.length - shown.length
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ')
}

function isErrorTemplate(t: Template): boolean {
  return isErrorLevel(t.level) || mentionsFailure(t.template)
}

/** Evidence text: the full line/template, or a prefix of it (still a verbatim excerpt) when long. */
function excerpt(text: string, max = 300): string {
  return text.length > max ? text.slice(0, max) : text
}

export function explainOffline(incident: Incident, format: string): IncidentSummary {
  const family = logFamily(format)
  const templates = rankTemplates(incident)
  const lines = rankLines(incident)
  const byId = new Map(incident.templates.map((t) => [t.id, t]))
  // Signatures resting on unusual evidence first (a template every normal session shows is the
  // weakest lead), then in table order, causes before the symptoms that follow them (a segfault
  // before the connection refusals of its restart, however many more of those), then strength.
  const anomaly = templateAnomaly(incident)
  const lineTemplate = new Map(incident.sample_lines.map((l) => [l.line, l.template_id]))
  const strength = (m: SignatureMatch): number => Math.max(-1, ...m.templateIds.map((id) => anomaly.get(id) ?? -1), ...m.lines.map((l) => anomaly.get(lineTemplate.get(l) ?? '') ?? -1))
  const matches = matchSignatures(incident.templates, incident.sample_lines)
    .map((m, order) => ({m, order, strength: strength(m)}))
    .sort((a, b) => Number(b.m.signature.id !== 'exception') - Number(a.m.signature.id !== 'exception') || Number(b.strength >= UNUSUAL) - Number(a.strength >= UNUSUAL) || a.order - b.order || b.strength - a.strength)
    .map(({m}) => m)
  const primary: SignatureMatch | undefined = matches[0]
  const primaryStrength = primary ? strength(primary) : -1
  const contributing = matches.filter((m) => m !== primary)

  const unseen = templates.filter((t) => t.normal_mean === 0 && t.count > 0)
  const rate = (t: Template) => templateRate(t, incident.size)
  const elevated = templates.filter((t) => t.normal_mean > 0 && rate(t).value >= 2 * rate(t).normal)
  const missing = templates.filter((t) => t.normal_mean > 0 && rate(t).value <= 0.5 * rate(t).normal)
  const errorTemplates = templates.filter(isErrorTemplate)
  const errorLevelCount = Object.entries(incident.levels)
    .filter(([level]) => isErrorLevel(level))
    .reduce((sum, [, n]) => sum + n, 0)
  const fatalCount = Object.entries(incident.levels)
    .filter(([level]) => isCriticalLevel(level))
    .reduce((sum, [, n]) => sum + n, 0)

  // a host (or a component on one) that went quiet: no template to read, but a cause to name
  const silence = !primary ? incident.silence : undefined
  const inconclusive = matches.length === 0 && !silence
  const timeRange =
    incident.time_range.start || incident.time_range.end
      ? `between ${incident.time_range.start ?? '?'} and ${incident.time_range.end ?? '?'}`
      : incident.line_range
        ? `in ${describeLines(incident.line_range)} (the lines carry no timestamps)`
        : 'at an unknown time (the lines carry no timestamps)'
  const sessions = list(incident.session_ids, 3)
  // (as seen: with the values most of its lines held, which say where: `GET /api/v1/cart HTTP/2.0 500 ...`)
  const describeTemplate = (t: Template) => `${t.id} ${quote(t.as_seen ?? t.template, 90)}`
  const linesOf = (m: SignatureMatch) => m.lines.slice(0, 3).map(String)

  // ---- explanation
  const parts: string[] = []
  parts.push(
    `Incident ${incident.id} groups ${incident.size} session${incident.size === 1 ? '' : 's'} (${sessions}) that the detector flagged with score ${fmt(incident.score)} (${incident.severity}: ${incident.severity_reason}) ${timeRange}.`,
  )
  if (incident.components.length > 0) {
    const components = [...incident.components].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    parts.push(`Components involved: ${list(components.map((c) => `${c.name} (${c.count} line${c.count === 1 ? '' : 's'})`), 4)}.`)
  }
  const streams = (incident.streams ?? []).filter((x) => x !== '' && x !== '-')
  if (streams.length > 0) parts.push(`It happened on ${list(streams, 4)}.`)
  const levels = Object.entries(incident.levels).sort(([, a], [, b]) => b - a)
  if (levels.length > 0) parts.push(`Levels: ${levels.map(([level, n]) => `${level} ${n}`).join(', ')}.`)
  if (unseen.length > 0) {
    parts.push(`Never seen in normal sessions: ${list(unseen.map((t) => `${describeTemplate(t)} x${t.count}`), 3)}.`)
  }
  if (elevated.length > 0) {
    parts.push(`Above normal: ${list(elevated.map((t) => `${describeTemplate(t)} ${rate(t).text}`), 3)}.`)
  }
  if (missing.length > 0) {
    parts.push(
      `Below normal, so expected steps are missing or cut short: ${list(missing.map((t) => `${describeTemplate(t)} ${rate(t).text}`), 3)}.`,
    )
  }
  if (primary) {
    const where = [
      primary.templateIds.length > 0 ? `template${primary.templateIds.length > 1 ? 's' : ''} ${list(primary.templateIds, 4)}` : '',
      primary.lines.length > 0 ? `line${primary.lines.length > 1 ? 's' : ''} ${list(linesOf(primary), 3)}` : '',
    ]
      .filter(Boolean)
      .join(' and ')
    parts.push(`This matches the known failure signature "${primary.signature.name}" (${where}, ${primary.occurrences} occurrence${primary.occurrences === 1 ? '' : 's'}): ${primary.signature.cause}.`)
    if (contributing.length > 0) {
      parts.push(`Also present: ${list(contributing.map((m) => `${m.signature.name} (${list([...m.templateIds, ...m.lines.map((l) => `line ${l}`)], 3)})`), 3)}.`)
    }
  } else if (silence) {
    parts.push(`The detector found a silence: ${describeSilence(silence)}; a source that logs steadily does not stop on its own.`)
  } else {
    parts.push('No known failure signature matches these templates or lines.')
  }
  const keyLines = lines.slice(0, 2)
  if (keyLines.length > 0) parts.push(`Key line${keyLines.length > 1 ? 's' : ''}: ${keyLines.map((l) => `line ${l.line} ${quote(l.text, 140)}`).join('; ')}.`)
  if (incident.reasons.length > 0) {
    parts.push(`Detector features: ${list(incident.reasons.map((r) => `${r.feature} ${fmt(r.value)} vs ${fmt(r.normal)} normally (${r.note})`), 2)}.`)
  }

  // ---- root cause
  const mostAnomalous = [...incident.templates].sort((a, b) => (anomaly.get(b.id) ?? 0) - (anomaly.get(a.id) ?? 0))[0]
  const leadTemplate: Template | undefined = (mostAnomalous && (anomaly.get(mostAnomalous.id) ?? 0) >= UNUSUAL ? mostAnomalous : undefined) ?? unseen[0] ?? elevated[0] ?? missing[0] ?? templates[0]
  let rootCause: string
  if (primary) {
    const firstTemplate = primary.templateIds[0] ? byId.get(primary.templateIds[0]) : undefined
    const anchor = firstTemplate ? describeTemplate(firstTemplate) : `line ${primary.lines[0]}`
    const weak = primaryStrength < UNUSUAL ? `; but ${anchor.split(' ')[0]} occurs at its normal rate, so this is a weak lead${leadTemplate && leadTemplate.id !== firstTemplate?.id ? ` — the most unusual evidence is ${describeTemplate(leadTemplate)}` : ''}` : ''
    rootCause = `${capitalise(primary.signature.name)}: ${primary.signature.cause}, evidenced by ${anchor}${primary.signature.id === 'exception' ? '; the exception type is the best lead, not a confirmed cause' : ''}${weak}.`
  } else if (silence) {
    rootCause = `Host silence: ${silence.source} went quiet (${describeSilence(silence)}): the host is down or rebooting, its log agent or the service stopped, or a network partition cut it off from the collector.`
  } else if (leadTemplate) {
    const comparison = leadTemplate.normal_mean === 0 ? 'which never occurs in normal sessions' : `at ${rate(leadTemplate).text}`
    rootCause = `Unknown. Best hypothesis: the behaviour behind ${describeTemplate(leadTemplate)}, ${comparison}; no known failure signature matches.`
  } else {
    rootCause = 'Unknown: the incident carries no templates to reason from.'
  }

  // ---- severity
  const base = severityRank(incident.severity)
  let wanted = base
  const reasons: string[] = []
  const floor = matches.reduce((max, m) => Math.max(max, severityRank(m.signature.severity)), -1)
  if (floor > base) {
    wanted = base + 1
    const strongest = matches.find((m) => severityRank(m.signature.severity) === floor)!
    reasons.push(`raised one step because "${strongest.signature.name}" is at least ${strongest.signature.severity} on its own`)
  }
  if (fatalCount > 0 && wanted === base && base < severityRank('high')) {
    wanted = base + 1
    reasons.push(`raised one step for ${fatalCount} fatal/critical-level line${fatalCount === 1 ? '' : 's'}`)
  }
  const severity = SEVERITIES[Math.min(wanted, SEVERITIES.length - 1)]!
  const severityReasoning =
    `The detector rated this incident ${incident.severity} (score ${fmt(incident.score)}: ${incident.severity_reason}); ` +
    (reasons.length > 0 ? `${reasons.join('; ')}.` : `kept at ${severity}: nothing in the evidence calls for a different level.`) +
    (errorLevelCount > 0 ? ` ${errorLevelCount} line${errorLevelCount === 1 ? ' is' : 's are'} at error level or above.` : ' No line is at error level.')

  // ---- evidence (every item is copied from the incident, so it occurs there by construction)
  const evidence: Evidence[] = []
  const seen = new Set<string>()
  const addTemplate = (t: Template | undefined) => {
    if (!t || seen.has(`t:${t.id}`)) return
    seen.add(`t:${t.id}`)
    evidence.push({kind: 'template', ref: t.id, text: excerpt(t.template)})
  }
  const addLine = (l: Line | undefined) => {
    if (!l || seen.has(`l:${l.line}`)) return
    seen.add(`l:${l.line}`)
    evidence.push({kind: 'line', ref: String(l.line), text: excerpt(l.text)})
  }
  const lineByNumber = new Map(incident.sample_lines.map((l) => [l.line, l]))
  for (const m of [primary, ...contributing].filter((m): m is SignatureMatch => m !== undefined).slice(0, 3)) {
    addTemplate(m.templateIds[0] ? byId.get(m.templateIds[0]) : undefined)
    addLine(m.lines[0] !== undefined ? lineByNumber.get(m.lines[0]) : undefined)
  }
  for (const t of [...unseen, ...errorTemplates, ...missing].slice(0, 3)) addTemplate(t)
  for (const l of lines) {
    if (evidence.length >= 8) break
    addLine(l)
  }

  // ---- confidence
  let confidence = 0.25
  const confidenceReasons: string[] = []
  if (primary && primary.signature.id !== 'exception' && primaryStrength >= UNUSUAL) {
    confidence += 0.3
    confidenceReasons.push(`a specific signature (${primary.signature.name}) matches unusual evidence`)
  } else if (primary && primary.signature.id !== 'exception') {
    confidence += 0.1
    confidenceReasons.push(`a specific signature (${primary.signature.name}) matches, but only templates at their normal rate`)
  } else if (primary) {
    confidence += 0.1
    confidenceReasons.push('only a generic exception signature matches')
  } else if (silence) {
    confidence += 0.2
    confidenceReasons.push(`a silence of ${silence.source} (${silence.lines} lines against ~${Math.round(silence.expected)} expected)`)
  } else {
    confidenceReasons.push('no known signature matches')
  }
  if (errorLevelCount > 0 || errorTemplates.length > 0) {
    confidence += 0.15
    confidenceReasons.push(`${errorTemplates.length} error-like template${errorTemplates.length === 1 ? '' : 's'}`)
  }
  if (unseen.length > 0 || missing.length > 0) {
    confidence += 0.1
    confidenceReasons.push(`${unseen.length} template${unseen.length === 1 ? '' : 's'} absent from normal sessions, ${missing.length} below normal`)
  }
  if (evidence.length >= 3) confidence += 0.05
  confidence = Math.min(inconclusive ? 0.35 : 0.85, confidence)
  confidence = Math.round(confidence * 100) / 100
  const confidenceReasoning = `Rule-based estimate without a language model: ${confidenceReasons.join('; ')}; ${evidence.length} evidence item${evidence.length === 1 ? '' : 's'}.`

  // ---- remediation
  const remediation: Remediation[] = []
  const citedLines = lines.slice(0, 3).map((l) => l.line)
  remediation.push({
    action: `Pull the full logs of session${incident.session_ids.length === 1 ? '' : 's'} ${list(incident.session_ids, 3)} ${timeRange}${citedLines.length > 0 ? `, starting from line${citedLines.length > 1 ? 's' : ''} ${citedLines.join(', ')}` : ''}${leadTemplate ? `, and confirm what ${leadTemplate.id} indicates` : ''}`,
    priority: 'immediate',
  })
  if (primary) {
    const refs = list([...primary.templateIds, ...linesOf(primary).map((l) => `line ${l}`)], 3)
    for (const step of primary.signature.remediation) {
      remediation.push({action: step.priority === 'immediate' ? `${step.action} (see ${refs})` : step.action, priority: step.priority})
    }
    for (const m of contributing.slice(0, 2)) {
      const first = m.signature.remediation.find((s) => s.priority === 'immediate')
      if (first) remediation.push({action: `${first.action} (${m.signature.name}: ${list([...m.templateIds, ...linesOf(m).map((l) => `line ${l}`)], 2)})`, priority: 'short_term'})
    }
  } else if (silence) {
    remediation.push({action: `Check that ${silence.source} is up and reachable (ping or ssh it, look at its console or cloud status, uptime for a reboot)`, priority: 'immediate'})
    remediation.push({action: `On ${silence.source}, check the log agent and the service that writes these logs (systemctl status, journalctl), and the disk it logs to; restart what stopped`, priority: 'immediate'})
    remediation.push({action: `Check the network path from ${silence.source} to the log collector (firewall, DNS, a partition) if the host itself is healthy`, priority: 'short_term'})
    remediation.push({action: `Alert on missing heartbeats from ${silence.source} so a silence pages before its absence is noticed`, priority: 'long_term'})
  } else {
    if (leadTemplate) {
      remediation.push({action: `Find which component emits ${describeTemplate(leadTemplate)} and whether it is expected during deploys or maintenance`, priority: 'short_term'})
    }
    remediation.push({action: `Label incident ${incident.id} as a true or false positive so the detector threshold can be tuned`, priority: 'long_term'})
  }

  // ---- ruled out
  const ruledOut: string[] = []
  const matchedIds = new Set(matches.map((m) => m.signature.id))
  for (const id of RULE_OUT_CANDIDATES[family]) {
    if (matchedIds.has(id) || ruledOut.length >= 4) continue
    const signature = FAILURE_SIGNATURES.find((s) => s.id === id)
    if (!signature) continue
    ruledOut.push(
      `${capitalise(signature.name)}: none of the ${incident.templates.length} templates or ${incident.sample_lines.length} sample lines match it.`,
    )
  }
  if (unseen.length > 0) {
    ruledOut.push(`Normal variation (a false positive): ${unseen[0]!.id} never occurs in normal sessions, so this is not just more of the usual traffic.`)
  }

  return {
    explanation: parts.join(' '),
    root_cause: rootCause,
    severity,
    severity_reasoning: severityReasoning,
    confidence,
    confidence_reasoning: confidenceReasoning,
    remediation,
    evidence,
    inconclusive,
    ruled_out: ruledOut,
  }
}

/**
 * How far each template of an incident is from normal, in log2 units: the detector's own score when
 * it gives one (windowed incidents), else 10 for a template never seen in normal sessions and
 * log2(count / expected) for one that is, expected = its mean per normal session × the sessions in
 * the incident — below UNUSUAL (twice the normal rate) means "about its normal rate".
 */
export function templateAnomaly(incident: Incident): Map<string, number> {
  const out = new Map<string, number>()
  for (const t of incident.templates) {
    if (t.score !== undefined) out.set(t.id, t.score)
    else if (t.normal_mean === 0) out.set(t.id, 10 + Math.log2(1 + t.count))
    else out.set(t.id, Math.log2(t.count / (t.normal_mean * Math.max(1, incident.size))))
  }
  return out
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
