import type {DryRunReport, IncidentSummaryRecord, JudgeTotals, SummariesDocument, SummaryTotals} from '../core/explain/index.js'
import type {Incident} from '../core/results.js'
import {int, ms, pct, visible} from './format.js'
import {out, severityColor} from './style.js'
import {fitLine, table, terminalWidth} from './table.js'

/**
 * Terminal rendering of incident summaries (`flare summarize`, `flare detect --summarize`).
 * Everything here returns text for stdout; spinners and errors on stderr are the caller's.
 */

const PRIORITY_LABEL: Record<string, string> = {immediate: 'immediate', short_term: 'short-term', long_term: 'long-term'}

/**
 * Width to wrap prose to: the terminal's (or $COLUMNS), at most 120 columns; 100 when piped. A
 * terminal under 60 columns gets prose wrapped to its own width (at least 20), not to 60 columns
 * that every line would then overflow.
 */
export function textWidth(columns = terminalWidth()): number {
  if (!columns) return 100
  return Math.min(120, Math.max(20, columns))
}

/** Greedy word wrap; every line gets `indent`, words longer than the width stay whole. */
export function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = []
  for (const paragraph of text.split(/\n+/)) {
    let line = ''
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + visibleLength(line) + 1 + visibleLength(word) > width) {
        lines.push(indent + line)
        line = word
      } else {
        line = line ? `${line} ${word}` : word
      }
    }
    if (line) lines.push(indent + line)
  }
  return lines.join('\n')
}

/** A list item: `marker` at `indent`, continuation lines aligned with the text after it. */
function hanging(marker: string, text: string, width: number, indent: number): string {
  const pad = ' '.repeat(indent + marker.length + 1)
  return `${' '.repeat(indent)}${marker} ${wrap(text, width, pad).slice(pad.length)}`
}

function severity(level: string): string {
  return (severityColor[level] ?? ((s: string) => s))(level)
}

function money(usd: number): string {
  if (usd === 0) return '$0'
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`
}

/** How the provider is named in output; an offline run chosen by default says why. */
export function providerLabel(document: {provider: string; model: string; offline: boolean}, autoOffline: boolean): string {
  if (document.offline) return autoOffline ? 'offline explainer (no API key set)' : 'offline explainer'
  return `${document.provider} · ${document.model}`
}

export const ENABLE_CLAUDE_HINT = 'set ANTHROPIC_API_KEY to have Claude write these summaries (or --llm-base-url URL --llm-model NAME for a local OpenAI-compatible model)'

/** The header line above the blocks. */
export function renderHeader(source: string, label: string, incidents: number, autoOffline: boolean): string {
  const lines = [fitLine([out.bold('Flare summaries'), source, `${int(incidents)} incident${incidents === 1 ? '' : 's'}`, out.cyan(label)], textWidth())]
  if (autoOffline) lines.push(out.dim(wrap(`→ ${ENABLE_CLAUDE_HINT}`, textWidth(), '  ').slice(2)))
  return lines.join('\n')
}

/** One readable block per incident: what happened, why, what to do, and the lines that show it. */
export function renderRecord(record: IncidentSummaryRecord, incident: Incident | undefined, width = textWidth()): string {
  const rule = (title: string) => `${title} ${out.dim('─'.repeat(Math.max(3, width - visibleLength(title) - 1)))}`
  if (record.status === 'skipped_budget') {
    return `${rule(`${out.bold(record.incident_id)} ${out.dim('· skipped (budget)')}`)}\n${wrap(visible(record.error ?? 'skipped: the budget was reached'), width, '  ')}`
  }
  if (record.status === 'interrupted') {
    return rule(`${out.bold(record.incident_id)} ${out.dim('· not explained (interrupted)')}`)
  }
  if (record.status === 'error' || !record.summary) {
    return `${rule(`${out.bold(record.incident_id)} ${out.red('· failed')}`)}\n${out.red(wrap(visible(record.error ?? 'failed without a message'), width, '  '))}`
  }
  // Replies and log lines are shown with their control characters written out (see visible()).
  const s = record.summary
  const detectorSeverity = incident && incident.severity !== s.severity ? out.dim(` (detector: ${incident.severity})`) : ''
  const head = [
    out.bold(record.incident_id),
    `${severity(s.severity)}${detectorSeverity}`,
    `confidence ${pct(s.confidence, 0)}`,
    ...(s.inconclusive ? [out.yellow('inconclusive')] : []),
    ...(record.repaired ? [out.dim('repaired')] : []),
  ].join(out.dim(' · '))
  const lines = [rule(head)]
  lines.push(wrap(`${out.bold('Root cause:')} ${visible(s.root_cause)}`, width, '  '))
  lines.push('', wrap(visible(s.explanation), width, '  '))
  if (s.remediation.length > 0) {
    lines.push('', `  ${out.bold('Remediation')}`)
    s.remediation.forEach((r, i) => {
      const tag = `[${PRIORITY_LABEL[r.priority] ?? r.priority}]`
      const colored = r.priority === 'immediate' ? out.red(tag) : r.priority === 'short_term' ? out.yellow(tag) : out.dim(tag)
      lines.push(hanging(`${i + 1}.`, `${colored} ${visible(r.action)}`, width, 3))
    })
  }
  if (s.evidence.length > 0) {
    lines.push('', `  ${out.bold('Evidence')}`)
    const labels = s.evidence.map((e) => (e.kind === 'line' ? `line ${e.ref}` : `template ${e.ref}`))
    const pad = Math.max(...labels.map((l) => l.length))
    s.evidence.forEach((e, i) => {
      const text = visible(e.text.replace(/\s+/g, ' '))
      const room = Math.max(20, width - pad - 6)
      lines.push(`    ${out.cyan(labels[i]!.padEnd(pad))}  ${text.length > room ? `${text.slice(0, room - 1)}…` : text}`)
    })
  }
  if (s.inconclusive || s.ruled_out.length > 0) {
    lines.push('', `  ${out.bold(s.inconclusive ? 'Inconclusive — hypotheses ruled out' : 'Ruled out')}`)
    if (s.ruled_out.length === 0) lines.push(out.dim('    (none recorded)'))
    for (const h of s.ruled_out) lines.push(hanging('-', visible(h), width, 4))
  }
  if (record.judge) lines.push('', renderJudgement(record.judge))
  return lines.join('\n')
}

function renderJudgement(judge: NonNullable<IncidentSummaryRecord['judge']>): string {
  const c = judge.checks
  const parts = [
    c.passed ? out.green('checks passed') : out.yellow('checks failed'),
    `evidence ${c.evidence_present ? 'present' : 'missing'}${c.evidence_missing.length > 0 ? ` (not in the incident: ${c.evidence_missing.join(', ')})` : ''}`,
    `remediation ${c.remediation_present ? 'present' : 'missing'}`,
    `severity ${c.severity_consistent ? 'consistent' : `inconsistent: ${c.severity_note}`}`,
  ]
  const scores = judge.scores
    ? ` · judge ${judge.model}: relevance ${judge.scores.relevance.score}/5, specificity ${judge.scores.specificity.score}/5, actionability ${judge.scores.actionability.score}/5`
    : judge.error
      ? ` · ${out.yellow(`judge: ${judge.error}`)}`
      : ''
  return wrap(`${out.dim('Eval:')} ${parts.join(out.dim(', '))}${scores}`, textWidth(), '  ')
}

/** Strip ANSI codes to measure what the terminal shows. */
function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*m/g, '').length
}

/** Tokens, cost, latency, and what was skipped or failed. */
export function renderTotals(document: Pick<SummariesDocument, 'totals' | 'budget' | 'incidents' | 'offline'>): string {
  const t: SummaryTotals = document.totals
  const cost = t.cost_usd === null ? 'unknown' : document.offline ? '$0 (offline)' : money(t.cost_usd)
  const tab = table(['incidents', 'ok', 'failed', 'skipped', 'tokens in', 'tokens out', 'cost', 'latency mean', 'latency p95'], {
    colAligns: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    drop: [8, 5, 4],
  })
  tab.push([
    int(t.incidents),
    int(t.ok),
    t.failed > 0 ? out.red(int(t.failed)) : '0',
    t.skipped_budget > 0 ? out.yellow(int(t.skipped_budget)) : '0',
    int(t.input_tokens),
    int(t.output_tokens),
    cost,
    t.latency_ms_mean === null ? '—' : ms(t.latency_ms_mean),
    t.latency_ms_p95 === null ? '—' : ms(t.latency_ms_p95),
  ])
  const lines = [tab.toString()]
  if (t.cache_read > 0 || t.cache_write > 0) lines.push(out.dim(`prompt cache: ${int(t.cache_read)} tokens read, ${int(t.cache_write)} written`))
  if (t.cost_usd === null) lines.push(out.yellow(`cost unknown: ${t.cost_note?.replace(/^cost unknown: /, '') ?? 'the model has no known price'}`))
  const skipped = document.incidents.filter((r) => r.status === 'skipped_budget').map((r) => r.incident_id)
  if (skipped.length > 0) {
    lines.push(out.yellow(`Budget of ${money(document.budget.max_cost_usd ?? 0)} reached: skipped ${skipped.join(', ')}`))
    lines.push(out.dim('→ raise --max-cost, or pick incidents with --incident INC-…'))
  }
  const failed = document.incidents.filter((r) => r.status === 'error').map((r) => r.incident_id)
  if (failed.length > 0) lines.push(out.red(`Failed: ${failed.join(', ')}`))
  const interrupted = document.incidents.filter((r) => r.status === 'interrupted').map((r) => r.incident_id)
  if (interrupted.length > 0) {
    lines.push(out.yellow(`Interrupted: ${interrupted.join(', ')} not explained`))
    lines.push(out.dim(`→ explain them with --incident ${interrupted[0]}${interrupted.length > 1 ? ' …' : ''}`))
  }
  return lines.join('\n')
}

/** The eval table: means of the judge's scores and pass rates of the deterministic checks. */
export function renderJudgeTotals(judge: JudgeTotals): string {
  const num = (v: number | null) => (v === null ? '—' : v.toFixed(2))
  const rate = (v: number | null) => (v === null ? '—' : pct(v, 0))
  const tab = table(['judge', 'judged', 'relevance', 'specificity', 'actionability', 'checks passed', 'evidence', 'remediation', 'severity ok', 'judge cost'], {
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    wrap: [0],
    drop: [9, 8, 7, 6],
  })
  tab.push([
    judge.model ?? 'checks only',
    int(judge.judged),
    num(judge.relevance_mean),
    num(judge.specificity_mean),
    num(judge.actionability_mean),
    rate(judge.checks_pass_rate),
    rate(judge.evidence_present_rate),
    rate(judge.remediation_present_rate),
    rate(judge.severity_consistent_rate),
    judge.cost_usd === null ? (judge.model ? 'unknown' : '—') : money(judge.cost_usd),
  ])
  const lines = [tab.toString()]
  if (judge.llm_judge_skipped) lines.push(out.dim(wrap(`no LLM judge: ${judge.llm_judge_skipped.replace('(pass an eval provider for LLM scores)', '(LLM scores need a remote writer, e.g. with ANTHROPIC_API_KEY set)')}`, textWidth())))
  return lines.join('\n')
}

/** `--dry-run`: every request exactly as it would be sent (credentials redacted), then estimates. */
export function renderDryRun(report: DryRunReport, source: string, keyNote: string | null): string {
  const lines = [`${out.bold('Flare summaries — dry run')} ${out.dim('·')} ${source} ${out.dim('·')} ${report.offline ? 'offline explainer' : `${report.provider} · ${report.model}`} ${out.dim('· nothing is sent')}`]
  if (keyNote) lines.push(out.dim(keyNote))
  if (report.offline) {
    lines.push(`The offline explainer runs on this machine: no request would leave it for ${report.requests.map((r) => r.incident_id).join(', ') || 'any incident (there are none)'}.`)
  } else {
    const replaced = Object.entries(report.redaction.replaced).map(([kind, n]) => `${kind} ${n}`)
    lines.push(out.dim(`redaction ${report.redaction.enabled ? 'on' : 'off'}${replaced.length > 0 ? ` (pseudonymised: ${replaced.join(', ')})` : ''}`))
    for (const r of report.requests) {
      lines.push('', `${out.bold(r.incident_id)}${r.within_budget ? '' : out.yellow(' (would be skipped: over --max-cost)')}`)
      if (!r.request) continue
      lines.push(`${r.request.method} ${r.request.url}`)
      for (const [name, value] of Object.entries(r.request.headers)) lines.push(`${name}: ${value}`)
      lines.push('', JSON.stringify(r.request.body, null, 2))
      lines.push(out.dim(`≈ ${int(r.request.estimated_input_tokens)} input + ${int(r.request.estimated_output_tokens)} output tokens, ${r.request.estimated_cost_usd === null ? 'cost unknown (no price for this model)' : `≈ ${money(r.request.estimated_cost_usd)}`}`))
    }
  }
  const t = report.totals
  const tab = table(['requests', 'est. tokens in', 'est. tokens out', 'est. cost', 'max cost'], {colAligns: ['right', 'right', 'right', 'right', 'right']})
  tab.push([int(t.requests), int(t.estimated_input_tokens), int(t.estimated_output_tokens), t.estimated_cost_usd === null ? 'unknown' : money(t.estimated_cost_usd), t.max_cost_usd === null ? '—' : money(t.max_cost_usd)])
  lines.push('', tab.toString())
  if (t.would_skip_for_budget.length > 0) lines.push(out.yellow(`--max-cost would skip: ${t.would_skip_for_budget.join(', ')}`))
  if (report.judge) lines.push(out.dim(`eval: ${report.judge.model ? `judge ${report.judge.model}; ${report.judge.note}` : report.judge.note}`))
  return lines.join('\n')
}
