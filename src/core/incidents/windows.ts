import type {Episode} from '../detect/window-rate.js'
import type {TemplateMeta} from '../mining/mine.js'
import {untimed, type Incident, type Severity} from '../results.js'
import {levelClass, mentionsFailure} from '../severity.js'
import type {LineBins} from '../sessions/line-bins.js'
import {silenceSpan, type LineEdges} from '../sessions/line-edges.js'
import {sessionAt, type Session, type Sessions} from '../sessions/store.js'
import {formatDuration} from '../sessions/window.js'
import {severityOf} from '../severity.js'
import type {DraftIncident, PendingSample} from './build.js'
import {WindowLines, type EpisodeLines} from './window-lines.js'

export interface WindowIncidentInput {
  sessions: Sessions
  /** Anomalous episodes (window-rate), any order. */
  episodes: Episode[]
  stepMs: number
  /** Window length in ms (default stepMs: tumbling windows). */
  windowMs?: number
  /**
   * With sliding windows (step < window), every line once (SessionStore.lineBins): an episode's
   * count sums its windows, which overlap, so incidents count their lines here (window-lines.ts).
   */
  lines?: LineBins
  /** Timed windows: the lines' first and last times (SessionStore.lineEdges): a silence runs from its source's last line to its next one. */
  edges?: LineEdges
  /** Feature column → pipeline template index (−1 when the column's template is not in this log). */
  templateOfColumn: number[]
  templates: TemplateMeta[]
  templateText: (index: number) => string
  /** Per column: the normal count per window in its episode's stream (λ). */
  normalRate: (stream: string, column: number) => number
  sampleLines?: number
}

/**
 * Incidents of a windowed log: contiguous stretches of time. Anomalous episodes (a template far
 * above its rate, a new one, a silent host) that overlap or touch (at most one quiet window
 * between them) are one incident, whatever their stream — a full disk on the database shows as
 * errors on the web hosts in the same minutes. Episodes hours apart stay separate incidents; a
 * later one led by the same template is marked as a recurrence of the first. Each incident lists
 * its unusual templates, most anomalous first, with their count against the normal rate, and
 * samples their lines.
 */
export function buildWindowIncidents(input: WindowIncidentInput): DraftIncident[] {
  const {sessions, stepMs, templates} = input
  const limit = input.sampleLines ?? 8
  const groups = linkEpisodes(input.episodes, sessions, stepMs)
  const windowMs = input.windowMs ?? stepMs
  const recount = input.lines && windowMs > stepMs ? new WindowLines(input.lines, windowMs, stepMs, input.templateOfColumn, templates) : undefined
  // lead: the leading template (recurrences); at: where it starts (ms, or a row number without timestamps)
  const drafts: Array<DraftIncident & {lead: string; at: number}> = []
  for (const group of groups) {
    group.sort((a, b) => b.score - a.score || a.startMs - b.startMs)
    const rows = [...new Set(group.flatMap((e) => e.rows))].sort((a, b) => a - b)
    // Line windows (a log without timestamps) have no windowStart: their episodes' times are row numbers.
    const timed = rows.every((r) => sessionAt(sessions, r).windowStart !== undefined)
    // an episode's lines as told: with sliding windows, each line once (window-lines.ts)
    const lines = timed ? recount : undefined
    const told = (e: Episode): EpisodeLines => lines?.of(e) ?? {count: e.count, expected: e.expected, ms: e.endMs - e.startMs}
    // with sliding windows, when its lines were (window-lines.ts), not all its windows' time
    const spans = group.map((e): [number, number] => (e.kind === 'silent' && timed && input.edges ? quietSpan(e, input.edges, windowMs, stepMs, templates) : lines ? lines.timeSpan(e) : [e.startMs, e.endMs]))
    const start = Math.min(...spans.map((x) => x[0]))
    const stop = Math.max(...spans.map((x) => x[1]))
    // one entry per template: its episodes' lines and expected lines summed, its best score
    const byTemplate = new Map<number, {column: number; index: number; count: number; expected: number; score: number; rate: number; rows: number[]; unseen: boolean; episodes: Episode[]}>()
    for (const e of group) {
      if (e.kind === 'silent') continue
      const index = input.templateOfColumn[e.column]
      if (index === undefined || index < 0) continue
      let t = byTemplate.get(index)
      if (!t) byTemplate.set(index, (t = {column: e.column, index, count: 0, expected: 0, score: 0, rate: 0, rows: [], unseen: true, episodes: []}))
      t.count += e.count
      t.expected += e.expected
      t.score = Math.max(t.score, e.score)
      t.rate += input.normalRate(e.stream, e.column)
      t.rows.push(...e.rows)
      t.episodes.push(e)
      if (e.kind !== 'new') t.unseen = false
    }
    // overlapping windows: a template's lines once, whichever of its episodes' windows hold them
    if (lines) for (const t of byTemplate.values()) Object.assign(t, lines.together(t.episodes))
    const tmpl = [...byTemplate.values()].sort((a, b) => b.score - a.score || b.count - a.count)
    const levels: Record<string, number> = {}
    const components = new Map<string, number>()
    for (const t of tmpl) {
      const meta = templates[t.index]
      levels[meta.level ?? 'NONE'] = (levels[meta.level ?? 'NONE'] ?? 0) + t.count
      if (meta.component) components.set(meta.component, (components.get(meta.component) ?? 0) + t.count)
    }
    const silent = group.filter((e) => e.kind === 'silent')
    let severity: {severity: Severity; reason: string}
    let silence: Incident['silence']
    const scored = tmpl.map((t) => ({unseen: t.unseen, cls: levelClass(templates[t.index].level), failure: mentionsFailure(input.templateText(t.index)), count: t.count}))
    if (silent.length > 0 && (tmpl.length === 0 || silent[0].score >= tmpl[0].score)) {
      const s = silent[0]
      const quiet = told(s)
      severity = {severity: 'high', reason: `${silentName(s)} went quiet: ${quiet.count} lines in ${formatDuration(quiet.ms)} against ~${Math.round(quiet.expected)} normally`}
      silence = {source: silentName(s), duration: formatDuration(quiet.ms), lines: quiet.count, expected: round(quiet.expected)}
    } else severity = severityOf(scored, levels, rows.length, sessions.length)

    const lead = tmpl[0] ? templates[tmpl[0].index].id : silent[0] ? `silent:${silentName(silent[0])}` : ''
    drafts.push({
      id: '',
      lead,
      at: start,
      session_ids: rows.map((r) => sessionAt(sessions, r).id),
      size: rows.length,
      severity: severity.severity,
      severity_reason: severity.reason,
      score: round(group[0].score),
      time_range: timed ? {start: new Date(start).toISOString(), end: new Date(stop).toISOString()} : {start: null, end: null},
      ...untimed(timed ? start : Number.NaN, rows.map((r) => sessionAt(sessions, r))),
      templates: tmpl.map((t) => ({
        id: templates[t.index].id,
        template: input.templateText(t.index),
        count: t.count,
        normal_mean: round(t.rate),
        ...(templates[t.index].level ? {level: templates[t.index].level} : {}),
        expected: round(t.expected),
        score: round(t.score),
      })),
      reasons: group.slice(0, 6).map((e) => reasonOf(e, told(e), templates, input.templateOfColumn)),
      components: [...components.entries()].sort((a, b) => b[1] - a[1]).map(([name, count]) => ({name, count})),
      levels,
      streams: [...new Set(group.map((e) => e.stream))].filter(Boolean).sort(),
      pending: samplesOf(tmpl, sessions, templates, limit),
      ...(silence ? {silence} : {}),
      ...(silent.length > 0 ? {quiet: true} : {}),
    })
  }
  // Most anomalous first; ids follow that order. Recurrences point at the earliest incident with the same lead.
  drafts.sort((a, b) => b.score - a.score || (a.at < b.at ? -1 : 1))
  drafts.forEach((d, k) => (d.id = `INC-${String(k + 1).padStart(3, '0')}`))
  const firstOf = new Map<string, DraftIncident & {lead: string}>()
  for (const d of [...drafts].sort((a, b) => (a.at < b.at ? -1 : 1))) {
    const first = firstOf.get(d.lead)
    if (first && d.lead) d.recurrence_of = first.id
    else firstOf.set(d.lead, d)
  }
  return drafts.map(({lead: _lead, at: _at, ...d}) => d)
}

/**
 * Episodes whose anomalous windows touch (same or neighbouring window, any stream) are one
 * incident; a periodic episode's quiet gaps do not pull in what happens between its runs.
 */
function linkEpisodes(episodes: Episode[], sessions: Sessions, stepMs: number): Episode[][] {
  const parent = episodes.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]]
    return i
  }
  const atWindow = new Map<number, number>()
  episodes.forEach((e, i) => {
    for (const r of e.rows) {
      const w = Math.round((sessionAt(sessions, r).windowStart ?? r) / stepMs)
      for (const k of [w - 1, w, w + 1]) {
        const other = atWindow.get(k)
        if (other === undefined) continue
        const a = find(i)
        const b = find(other)
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
      }
      if (!atWindow.has(w)) atWindow.set(w, i)
    }
  })
  const groups = new Map<number, Episode[]>()
  episodes.forEach((e, i) => {
    const root = find(i)
    let g = groups.get(root)
    if (!g) groups.set(root, (g = []))
    g.push(e)
  })
  return [...groups.values()]
}

/**
 * A silent episode's time: from when the quiet began (its source's last line before its windows)
 * to when its lines resumed (its first line after them), as the live tracker tells it.
 */
function quietSpan(e: Episode, edges: LineEdges, windowMs: number, stepMs: number, templates: TemplateMeta[]): [number, number] {
  const which = e.component === undefined ? undefined : (t: number) => templates[t]?.component === e.component
  return silenceSpan(edges, e.stream, which, e.startMs, e.endMs - stepMs + windowMs, windowMs)
}

function silentName(e: Episode): string {
  return e.component ? `${e.component} on ${e.stream}` : e.stream || 'the log'
}

/** `seen`: the episode's lines as told (told() in buildWindowIncidents). */
function reasonOf(e: Episode, seen: EpisodeLines, templates: TemplateMeta[], templateOfColumn: number[]): Incident['reasons'][number] {
  const where = e.stream ? ` on ${e.stream}` : ''
  const {count, expected} = seen
  if (e.kind === 'silent') {
    return {feature: `silence ${silentName(e)}`, value: count, normal: round(expected), note: `${silentName(e)} logged ${count} lines in ${formatDuration(seen.ms)}; ~${Math.round(expected)} expected`}
  }
  const id = templates[templateOfColumn[e.column]]?.id ?? `column ${e.column}`
  const note =
    e.kind === 'new'
      ? `template ${id}: ${count} lines${where}, never seen there outside this stretch`
      : `template ${id}: ${count} lines${where} against ~${round(expected)} at its normal rate (×${(count / Math.max(expected, 1e-9)).toFixed(1)})`
  return {feature: `template ${id}${e.stream ? `@${e.stream}` : ''}`, value: count, normal: round(expected), note}
}

/** One line of each unusual template first (most anomalous first), then more lines of the leading ones. */
function samplesOf(tmpl: Array<{index: number; rows: number[]; unseen: boolean}>, sessions: Sessions, templates: TemplateMeta[], limit: number): PendingSample[] {
  const picked: PendingSample[] = []
  const lines = new Set<number>()
  const take = (t: {index: number; unseen: boolean}, row: number): void => {
    const s = sessionAt(sessions, row)
    const tr = s.templates
    for (let k = 0; k < tr.length; k += 3) {
      if (tr[k] !== t.index || lines.has(tr[k + 2])) continue
      lines.add(tr[k + 2])
      const level = templates[t.index].level
      const reason = t.unseen ? 'template new in this stream' : levelClass(level) > 0 ? `${level} line far above its normal rate` : 'template far above its normal rate'
      picked.push({line: tr[k + 2], template_id: templates[t.index].id, session_id: s.id, reason})
      return
    }
  }
  for (const t of tmpl) {
    if (picked.length >= limit) break
    take(t, t.rows[0])
  }
  for (const t of tmpl) {
    for (const row of t.rows.slice(1)) {
      if (picked.length >= limit) break
      take(t, row)
    }
  }
  return picked.sort((a, b) => a.line - b.line)
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
