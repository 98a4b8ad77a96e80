import {describeLines, type Incident} from '../results.js'
import {isErrorLevel, levelClass, mentionsFailure} from '../severity.js'
import {estimateTokens} from './pricing.js'
import {templateRate} from './evidence.js'

/**
 * Prompts for explaining one incident. The system prompt is static per log family (so it can be
 * cached across incidents); everything about the incident goes into the user message, built
 * within a token budget: error-level lines and templates never seen in normal sessions first.
 */

export type LogFamily = 'hdfs' | 'bgl' | 'ssh' | 'syslog' | 'json' | 'generic'

/** Map `results.summary.format` (a format registry name) onto the families prompts know about. */
export function logFamily(format: string): LogFamily {
  const f = format.toLowerCase()
  if (f.includes('hdfs') || f.includes('hadoop')) return 'hdfs'
  if (f.includes('bgl') || f.includes('bluegene') || f.includes('blue-gene')) return 'bgl'
  if (f.includes('ssh') || f.includes('auth')) return 'ssh'
  if (f.includes('json') || f.includes('service') || f.includes('ndjson') || f.includes('logfmt')) return 'json'
  if (f.includes('syslog') || f.includes('journal') || f.includes('linux')) return 'syslog'
  return 'generic'
}

const FAMILY_GUIDANCE: Record<LogFamily, string> = {
  hdfs: `These are Hadoop HDFS logs (NameNode and DataNode). A session is one block (blk_ id). A normal block's life is: allocateBlock on the NameNode, a write pipeline of usually three DataNodes (Receiving block, PacketResponder terminating, Received block), addStoredBlock updates on the NameNode, and possibly deletion later. Anomalies are typically failed or interrupted pipeline transfers (exceptions in receiveBlock/writeBlock, PacketResponder interrupted), replication problems, or deletes of blocks that are not there. Missing expected steps (a template whose count is BELOW its normal mean) is as telling as unexpected ones.`,
  bgl: `These are Blue Gene/L supercomputer RAS logs. Each line carries a node location, a component (KERNEL, APP, MMCS, LINKCARD, ...) and a level (INFO ... FATAL/FAILURE). Anomalies are usually hardware or kernel faults (cache/memory parity, machine checks, torus/link errors), job control failures (ciod, rts) or node crashes. Distinguish corrected (benign when rare) from uncorrectable errors and say which nodes are involved.`,
  ssh: `These are sshd / authentication logs. A session is usually one sshd process or one source address. Anomalies are typically bursts of failed passwords or invalid users from one address (brute force), repeated disconnects before authentication, or configuration problems (bad host keys, PAM errors). Note the accounts and source addresses only by the identifiers given (some are pseudonymised).`,
  syslog: `These are Unix syslog lines from several daemons (kernel, systemd, cron, network services). Anomalies are typically service crashes and restarts, kernel messages (OOM killer, I/O errors, segfaults), disk and network errors. Name the daemon (component) for each claim.`,
  json: `These are structured service logs (JSON or key-value) from an application service. A session is usually one request or trace id. Anomalies are typically failing requests: exceptions, upstream timeouts or connection errors, 5xx statuses, database errors, retries. Name the endpoint, upstream or component for each claim when the lines show it.`,
  generic: `The log format is not one Flare knows specifically. Read the templates and lines as given; infer components from the lines themselves and say when the format limits what can be concluded.`,
}

const RULES = `How to answer:
- Explain what happened in THIS incident for an on-call engineer, in plain words.
- Every claim must cite evidence: template ids (e.g. T12) or line numbers (e.g. line 1042) exactly as given. Put the lines and templates your explanation rests on in "evidence", quoting their text verbatim (an excerpt is fine). Never cite a line or template that is not listed in the incident.
- Compare with normal sessions: a template with normal mean 0 never occurs in normal sessions; a count well below its normal mean means an expected step is missing.
- Severity is low, medium, high or critical. The detector's severity is given; stay within one step of it unless the evidence clearly says otherwise, and explain why in severity_reasoning.
- confidence is between 0 and 1. If the evidence does not support a root cause, set inconclusive to true, give your best hypothesis in root_cause, and keep confidence low.
- List in ruled_out the hypotheses you considered and rejected, each with the evidence that rules it out.
- Remediation: concrete actions naming the component, host or template involved, each marked immediate, short_term or long_term. No generic advice.
- Values like <EMAIL_1> or <SECRET_2> are pseudonyms for redacted data; use them as they are.`

export function systemPrompt(format: string): string {
  const family = logFamily(format)
  return `You are Flare, an assistant that explains log anomalies to on-call engineers. Flare has parsed the logs into templates (Drain), grouped lines into sessions, scored sessions with an anomaly detector and clustered anomalous sessions into incidents. You receive one incident at a time.

${FAMILY_GUIDANCE[family]}

${RULES}`
}

export interface PromptOptions {
  /** Budget for the user message, in estimated tokens. */
  maxPromptTokens?: number
  /** Longest line text kept, in characters; longer lines are cut in the middle. */
  maxLineChars?: number
  detector?: string
  /** "seen before: …" lines from the incident memory. */
  seenBefore?: string[]
}

export interface IncidentPrompt {
  system: string
  user: string
  estimatedTokens: number
  /** What the budget left out. */
  omitted: {templates: number; lines: number}
}

export const DEFAULT_MAX_PROMPT_TOKENS = 6000


function clip(text: string, max: number): string {
  if (text.length <= max) return text
  const half = Math.floor((max - 5) / 2)
  return `${text.slice(0, half)} [...] ${text.slice(text.length - half)}`
}

function ratioNote(t: Incident['templates'][number], sessions: number): string {
  const {value, normal, text} = templateRate(t, sessions)
  if (t.normal_mean === 0) return t.count > 0 ? 'never in normal sessions' : 'absent'
  const ratio = value / Math.max(normal, 1e-9)
  if (ratio >= 1.5) return `${ratio.toFixed(1)}x normal (${text})`
  if (ratio <= 0.5) return `${ratio.toFixed(2)}x normal (${text}; expected step missing or reduced)`
  return 'about normal'
}

/** How interesting a template is: error level, never seen in normal sessions, far from its normal mean. */
export function templatePriority(template: Incident['templates'][number]): number {
  let score = 0
  const cls = levelClass(template.level)
  if (cls === 2) score += 100
  else if (cls === 1) score += 40
  if (template.normal_mean === 0 && template.count > 0) score += 60
  else if (template.normal_mean > 0) score += Math.min(50, Math.abs(Math.log2((template.count + 0.1) / template.normal_mean)) * 10)
  return score
}

function linePriority(line: Incident['sample_lines'][number], templateLevels: Map<string, number>): number {
  const reason = line.reason.toLowerCase()
  let score = templateLevels.get(line.template_id) ?? 0
  // the reason names the line's level ("CRITICAL line") or what it shows
  if (isErrorLevel(reason.split(' ')[0]) || mentionsFailure(reason)) score += 80
  if (/rare|unseen|new|never/.test(reason)) score += 50
  if (/first|last/.test(reason)) score += 5
  return score
}

/** The sample lines in the order prompts (and the offline explainer) consider them: most telling first, ties by line number. */
export function rankLines(incident: Incident): Incident['sample_lines'] {
  const templatePriorities = new Map(incident.templates.map((t) => [t.id, templatePriority(t)]))
  return [...incident.sample_lines].sort(
    (a, b) => linePriority(b, templatePriorities) - linePriority(a, templatePriorities) || a.line - b.line,
  )
}

export function rankTemplates(incident: Incident): Incident['templates'] {
  return [...incident.templates].sort((a, b) => templatePriority(b) - templatePriority(a) || b.count - a.count || a.id.localeCompare(b.id))
}

/** The user message for one incident, within `maxPromptTokens`. */
export function incidentPrompt(incident: Incident, format: string, options: PromptOptions = {}): IncidentPrompt {
  const budget = options.maxPromptTokens ?? DEFAULT_MAX_PROMPT_TOKENS
  const maxLineChars = options.maxLineChars ?? 400
  const system = systemPrompt(format)

  const header: string[] = []
  header.push(`Incident ${incident.id} (log format: ${format}${options.detector ? `, detector: ${options.detector}` : ''})`)
  header.push(`Detector score: ${incident.score}; detector severity: ${incident.severity} (${incident.severity_reason})`)
  const sessions = incident.session_ids.slice(0, 10).join(', ')
  header.push(`Sessions: ${incident.size}${sessions ? ` (${sessions}${incident.session_ids.length > 10 ? `, +${incident.session_ids.length - 10} more` : ''})` : ''}`)
  const {start, end} = incident.time_range
  if (start === null && end === null && incident.line_range) header.push(`Time range: unknown (the lines carry no timestamps); ${describeLines(incident.line_range)}`)
  else header.push(`Time range: ${start ?? 'unknown'} to ${end ?? 'unknown'}`)
  if (incident.components.length > 0) {
    header.push(`Components: ${incident.components.map((c) => `${c.name} (${c.count})`).join(', ')}`)
  }
  if (incident.streams && incident.streams.length > 0) header.push(`Streams (hosts) it happened on: ${incident.streams.slice(0, 10).join(', ')}${incident.streams.length > 10 ? `, +${incident.streams.length - 10} more` : ''}`)
  const levels = Object.entries(incident.levels).sort(([a], [b]) => a.localeCompare(b))
  if (levels.length > 0) header.push(`Levels: ${levels.map(([level, n]) => `${level} ${n}`).join(', ')}`)
  if (options.seenBefore?.length) header.push('', 'Similar past incidents (from the incident memory):', ...options.seenBefore.map((line) => `- ${line}`))
  if (incident.reasons.length > 0) {
    header.push('', 'Why the detector flagged it (feature: value in incident vs normal):')
    for (const reason of incident.reasons) header.push(`- ${reason.feature}: ${reason.value} vs ${reason.normal} (${reason.note})`)
  }

  let used = estimateTokens(header.join('\n')) + 200
  // Templates take at most 45% of the budget; lines get the rest.
  const templateBudget = Math.floor(budget * 0.45)
  const templateLines: string[] = []
  let templateTokens = 0
  const templates = rankTemplates(incident)
  let omittedTemplates = 0
  for (const t of templates) {
    // (as seen: the template with the values most of its lines held, `GET /api/v1/cart HTTP/2.0 500 ...`)
    const row = `- ${t.id} | count ${t.count} | normal mean ${round(t.normal_mean)} | ${ratioNote(t, incident.size)}${t.level ? ` | ${t.level}` : ''} | ${clip(t.template, maxLineChars)}${t.as_seen ? ` | as seen: ${clip(t.as_seen, maxLineChars)}` : ''}`
    const cost = estimateTokens(row) + 1
    if (templateTokens + cost > templateBudget || used + cost > budget) {
      omittedTemplates++
      continue
    }
    templateTokens += cost
    used += cost
    templateLines.push(row)
  }

  const lineRows: Array<{line: number; row: string}> = []
  let omittedLines = 0
  for (const l of rankLines(incident)) {
    const row = `line ${l.line} [${l.template_id}] (session ${l.session_id}; ${l.reason}): ${clip(l.text, maxLineChars)}`
    const cost = estimateTokens(row) + 1
    if (used + cost > budget) {
      omittedLines++
      continue
    }
    used += cost
    lineRows.push({line: l.line, row})
  }
  // Chosen by priority, shown in log order so the sequence of events reads naturally.
  lineRows.sort((a, b) => a.line - b.line)

  const parts = [...header, '', 'Templates (id | count in incident | mean count per normal session | comparison | level | template):', ...templateLines]
  if (omittedTemplates > 0) parts.push(`(${omittedTemplates} less unusual templates omitted for length)`)
  parts.push('', 'Representative lines (in log order):', ...lineRows.map((r) => r.row))
  if (omittedLines > 0) parts.push(`(${omittedLines} further sample lines omitted for length)`)
  parts.push('', `Explain incident ${incident.id} and answer only with the structured incident summary.`)
  const user = parts.join('\n')
  return {system, user, estimatedTokens: estimateTokens(system) + estimateTokens(user), omitted: {templates: omittedTemplates, lines: omittedLines}}
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
