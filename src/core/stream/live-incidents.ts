import type {Detector} from '../detect/detector.js'
import {WindowRate} from '../detect/window-rate.js'
import type {Vocabulary} from '../features/vocabulary.js'
import {silenceSpan, type LineEdges} from '../sessions/line-edges.js'
import {severityOf} from '../severity.js'
import type {Incident, Severity} from '../results.js'
import {levelClass, mentionsFailure} from '../severity.js'
import type {IncidentEvent, LiveIncident, ResolvedReason} from './contracts.js'
import type {LiveTemplates} from './live-parse.js'
import type {LiveSession} from './live-sessions.js'

/** Signatures this similar (Jaccard of their template sets) are one incident. */
const MATCH_OVERLAP = 0.5
/** A template in fewer than this share of training sessions is characteristic of an anomaly. */
const RARE_SHARE = 0.5
const SAMPLE_LINES = 8
/** Windows behind the watermark whose line edges are kept (a silence's start is looked up in the window before its quiet ones). */
const EDGE_WINDOWS_KEPT = 48
const RANK: Record<Severity, number> = {low: 0, medium: 1, high: 2, critical: 3}

interface Tracked {
  incident: LiveIncident
  /** Event time of the last session, epoch ms (lastSeen as a number). */
  last: number
  signature: Set<string>
  /** The template its title names (the first session's most characteristic: describe()). */
  lead?: string
  /** Sessions at the last `updated` event: updates are sent at 2, 4, 8, ... sessions or on a severity rise. */
  reported: number
  /** Its silences (by their silent:... id) to the end of their last silent window, where lastSeen looks for their lines resuming once it resolves. */
  quietTo?: Map<string, Quiet>
}

/** A silence's source (a stream, or a component on it) and [from, to) ms of its quiet windows. */
interface Quiet {
  stream: string
  component?: string
  from: number
  to: number
}

/** A row's hot templates, and its silences (by their `silent:` ids) as episodeTemplates found them. */
export class HotTemplates extends Set<string> {
  readonly quiet = new Map<string, Quiet>()
}

/**
 * An open incident as a --state file keeps it across a restart (Tracked, its signature as a
 * sorted list): restored, it goes on as if Flare had not stopped.
 */
export interface OpenIncidentState {
  incident: LiveIncident
  last: number
  signature: string[]
  lead?: string
  reported: number
}

/** A `resolved` event of an incident as it stands (a copy), at the ISO time `at`. */
export function resolvedEvent(incident: LiveIncident, at: string, reason: ResolvedReason): IncidentEvent {
  return {kind: 'resolved', at, incident: snapshot(incident), reason}
}

/**
 * An event's copy of an incident: its lists too, as the tracker goes on growing the incident's
 * (an event kept by a sink or a caller must not change after it was emitted).
 */
function snapshot(incident: LiveIncident): LiveIncident {
  return {...incident, signature: [...incident.signature], hosts: [...incident.hosts], sampleLines: [...incident.sampleLines]}
}

/** Incident details kept for the explainer, newest last. */
const DETAILS_KEPT = 1000

export interface TrackerOptions {
  /** An anomalous session within this much event time of an incident's last one may join it. */
  gapMs: number
  /**
   * How long after its last event a session may still be open, unscored (--idle for id sessions, the
   * window's length for windows): an incident resolves only once the watermark is this much past
   * its quiet gap, so that the sessions with events within the gap have closed and been matched.
   */
  lagMs?: number
  vocabulary: Vocabulary
  templates: LiveTemplates
  templateText: (index: number) => string
  /** Next incident number (a restored state continues its numbering). */
  nextId?: number
  /** Incidents open when the last run stopped (a restored state): they go on open. */
  restored?: readonly OpenIncidentState[]
  /** Windows: the lines' first and last times (OpenSessions.edges) and the window length: a silence runs from its source's last line to its next one, as batch tells it. */
  edges?: LineEdges
  windowMs?: number
}

/**
 * Incidents over time: an anomalous session opens one, later sessions with the same signature
 * (the templates that set them apart from normal) whose events come within the gap of its last
 * session's grow it, and it resolves once the watermark is the gap and the lag past its last
 * session (a session is scored when it closes, up to the lag after its last event).
 */
export class IncidentTracker {
  private readonly open: Tracked[] = []
  /** The first session of recent incidents, described as batch incidents are (for --summarize). */
  private readonly details = new Map<string, Incident>()
  nextId: number
  opened = 0
  resolved = 0
  /** Sessions scored so far (severity weighs an incident's size against it). */
  scoredSessions = 0
  /** Watermark the sessions observed last closed at (closing()). */
  private observedTo = Number.NEGATIVE_INFINITY

  constructor(private readonly options: TrackerOptions) {
    this.nextId = options.nextId ?? 1
    for (const r of options.restored ?? []) this.open.push({incident: {...r.incident}, last: r.last, signature: new Set(r.signature), ...(r.lead === undefined ? {} : {lead: r.lead}), reported: r.reported})
  }

  /** The open incidents as a --state file keeps them (restored by `TrackerOptions.restored`). */
  snapshot(): OpenIncidentState[] {
    return this.open.map((t) => ({incident: {...t.incident}, last: t.last, signature: [...t.signature].sort(), ...(t.lead === undefined ? {} : {lead: t.lead}), reported: t.reported}))
  }

  get openIncidents(): LiveIncident[] {
    return this.open.map((t) => t.incident)
  }

  /** An open incident in the shape of a batch one (templates, sample lines), for the explainer. */
  detailOf(id: string): Incident | undefined {
    return this.details.get(id)
  }

  /** Attaches an explanation: later events of the incident carry it. */
  annotate(id: string, summary: LiveIncident['summary']): void {
    const t = this.open.find((x) => x.incident.id === id)
    if (t && summary) t.incident.summary = summary
  }

  /**
   * Before a session closed at `watermark` is observed (sessions come in the order they closed):
   * once the watermark moves past the one the sessions before it closed at, every session closed
   * at that one has been matched, and the incidents quiet by it resolve. So a session is matched
   * before anything quiet by its own watermark resolves.
   */
  closing(watermark: number, now: number): IncidentEvent[] {
    if (!(watermark > this.observedTo)) return []
    const events = this.expire(this.observedTo, now)
    this.observedTo = watermark
    // a silence's edges are looked up when its windows are scored and when its incident resolves
    const {edges, windowMs, gapMs, lagMs} = this.options
    if (edges && windowMs !== undefined) edges.prune(watermark - Math.max(EDGE_WINDOWS_KEPT * windowMs, gapMs + (lagMs ?? 0) + 2 * windowMs))
    return events
  }

  /**
   * An anomalous session; `now` is the engine clock (epoch ms) when it closed. `hot`: the templates
   * the detector found far from their normal rate in it (windows: episodeTemplates), its signature
   * with the templates unseen in training; without them, its rare, unseen and warning/error ones.
   */
  observe(session: LiveSession, score: number, now: number, hot?: ReadonlySet<string> | HotTemplates): IncidentEvent | undefined {
    const signature = this.signature(session, hot)
    // a window without a line (a silent stream) spans its own time, not the clock's
    let first = Number.isFinite(session.firstSeen) ? session.firstSeen : session.windowStart ?? now
    let last = Number.isFinite(session.lastSeen) ? session.lastSeen : session.windowStart !== undefined ? session.windowStart + (this.options.lagMs ?? 0) : now
    // a silence: from its source's last line before its quiet windows (to the end of this one, for now)
    const quiet = hot instanceof HotTemplates ? this.quietWindows(hot, session) : undefined
    for (const q of quiet?.values() ?? []) {
      first = Math.min(first, this.silenceSpan(q)?.[0] ?? q.from)
      last = Math.max(last, q.to)
    }
    const described = this.describe(session, signature)
    // Similar: half the templates in common, or the same lead (a window's other unusual templates
    // come and go from minute to minute); the same lead first, then the most in common.
    let best: Tracked | undefined
    let bestOverlap = 0
    for (const t of this.open) {
      if (first - t.last > this.options.gapMs) continue
      const overlap = jaccard(signature, t.signature) + (described.lead !== undefined && t.lead === described.lead ? 1 : 0)
      if (overlap >= MATCH_OVERLAP && overlap > bestOverlap) {
        best = t
        bestOverlap = overlap
      }
    }
    if (!best) {
      const incident: LiveIncident = {
        id: `INC-${String(this.nextId++).padStart(4, '0')}`,
        severity: described.severity,
        title: described.title,
        signature: [...signature].sort(),
        firstSeen: iso(first),
        lastSeen: iso(last),
        detectedAt: iso(now),
        delayMs: Math.max(0, Math.round(now - first)),
        sessions: 1,
        score: round(score),
        hosts: session.hosts ? [...session.hosts].sort() : [],
        sampleLines: described.samples,
      }
      this.open.push({incident, last, signature, lead: described.lead, reported: 1, ...(quiet?.size ? {quietTo: quiet} : {})})
      this.details.set(incident.id, this.detail(incident, session, described))
      if (this.details.size > DETAILS_KEPT) this.details.delete(this.details.keys().next().value!)
      this.opened++
      return {kind: 'opened', at: iso(now), incident: snapshot(incident)}
    }
    const inc = best.incident
    inc.sessions++
    for (const [id, q] of quiet ?? []) if (!(q.to <= (best.quietTo?.get(id)?.to ?? Number.NEGATIVE_INFINITY))) (best.quietTo ??= new Map()).set(id, q)
    if (last > best.last) {
      best.last = last
      inc.lastSeen = iso(last)
    }
    if (first < Date.parse(inc.firstSeen)) inc.firstSeen = iso(first)
    inc.score = Math.max(inc.score, round(score))
    for (const h of session.hosts ?? []) if (!inc.hosts.includes(h)) inc.hosts = [...inc.hosts, h].sort()
    for (const line of described.samples) if (inc.sampleLines.length < SAMPLE_LINES && !inc.sampleLines.includes(line)) inc.sampleLines.push(line)
    const rose = RANK[described.severity] > RANK[inc.severity]
    if (rose) inc.severity = described.severity
    if (rose || inc.sessions >= best.reported * 2) {
      best.reported = inc.sessions
      return {kind: 'updated', at: iso(now), incident: snapshot(inc)}
    }
    return undefined
  }

  /** Resolves incidents whose last session is more than the gap and the lag behind the watermark. */
  expire(watermark: number, now: number, reason: ResolvedReason = 'quiet'): IncidentEvent[] {
    const events: IncidentEvent[] = []
    const quiet = this.options.gapMs + (this.options.lagMs ?? 0)
    for (let i = 0; i < this.open.length; i++) {
      const t = this.open[i]
      if (t.last + quiet >= watermark) continue
      this.open.splice(i--, 1)
      this.resolved++
      this.resumed(t)
      events.push(resolvedEvent(t.incident, iso(now), reason))
    }
    return events
  }

  /** Resolves everything (the input's end, a stop with no --state): the final state of every open incident. */
  resolveAll(now: number, reason: Exclude<ResolvedReason, 'quiet'>): IncidentEvent[] {
    return this.expire(Number.POSITIVE_INFINITY, now, reason)
  }

  /**
   * [start, end] of a silence: its source's last line before its quiet windows and first after them
   * (silenceSpan, as batch incidents tell it); undefined without line edges (sessions by id).
   */
  private silenceSpan(q: Quiet): [number, number] | undefined {
    const {edges, windowMs, templates} = this.options
    if (!edges || windowMs === undefined) return undefined
    return silenceSpan(edges, q.stream, q.component === undefined ? undefined : (t) => templates.metas[t]?.component === q.component, q.from, q.to, windowMs)
  }

  /** The row's silences, to this window's end (its length past its start: sliding windows). */
  private quietWindows(hot: HotTemplates, s: LiveSession): Map<string, Quiet> {
    const end = s.windowStart !== undefined && this.options.windowMs !== undefined ? s.windowStart + this.options.windowMs : undefined
    return new Map([...hot.quiet].map(([id, q]) => [id, {...q, to: end ?? q.to}]))
  }

  /** A resolving incident's silences end when their source's lines resumed (the windows after them are closed by then). */
  private resumed(t: Tracked): void {
    if (!t.quietTo) return
    let end = Date.parse(t.incident.lastSeen)
    for (const q of t.quietTo.values()) end = Math.max(end, this.silenceSpan(q)?.[1] ?? q.to)
    t.incident.lastSeen = iso(end)
  }

  /**
   * The templates that set the session apart: those the detector found hot (`hot`) and the ones
   * unseen in training; without `hot`, the unseen, the rare in training and warning/error lines.
   */
  private signature(s: LiveSession, hot?: ReadonlySet<string>): Set<string> {
    const {vocabulary, templates} = this.options
    const all = new Set<string>()
    const marked = new Set<string>(hot)
    const t = s.templates
    for (let k = 0; k < t.length; k += 3) {
      const index = t[k]
      const id = templates.id(index)
      all.add(id)
      const column = vocabulary.index.get(id)
      if (column === undefined || (!hot && (vocabulary.sessionShare[column] < RARE_SHARE || levelClass(templates.metas[index].level) > 0))) marked.add(id)
    }
    return marked.size > 0 ? marked : all
  }

  private detail(incident: LiveIncident, s: LiveSession, described: ReturnType<IncidentTracker['describe']>): Incident {
    const {vocabulary} = this.options
    return {
      id: incident.id,
      session_ids: [s.id],
      size: 1,
      severity: incident.severity,
      severity_reason: described.reason,
      score: incident.score,
      time_range: {start: incident.firstSeen, end: incident.lastSeen},
      templates: described.tmpl.map((t) => {
        const column = vocabulary.index.get(t.id)
        const level = this.options.templates.metas[t.index].level
        return {id: t.id, template: t.text, count: t.count, per_session: t.count, normal_mean: column === undefined ? 0 : round(normalMeanOf(vocabulary, column)), ...(level ? {level} : {})}
      }),
      sample_lines: described.tmpl.slice(0, SAMPLE_LINES).filter((t) => t.sample !== undefined).map((t) => ({line: t.line, text: t.sample!, template_id: t.id, session_id: s.id, reason: t.unseen ? 'template never seen in normal training sessions' : t.cls === 2 ? 'error line' : 'template rare in training'})),
      reasons: described.tmpl.filter((t) => t.unseen).slice(0, 3).map((t) => ({feature: `template ${t.id}`, value: 1, normal: 0, note: `template ${t.id} never appears in the normal training sessions`})),
      components: [],
      levels: described.levels,
    }
  }

  /** The session's templates in the batch incident order; the lead is the first of its signature. */
  private describe(s: LiveSession, signature: ReadonlySet<string>) {
    const {vocabulary, templates} = this.options
    const tmpl = []
    const levels: Record<string, number> = {}
    const t = s.templates
    for (let k = 0; k < t.length; k += 3) {
      const index = t[k]
      const meta = templates.metas[index]
      const column = vocabulary.index.get(meta.id)
      const count = t[k + 1]
      const text = this.options.templateText(index)
      tmpl.push({index, id: meta.id, line: t[k + 2], count, text, sample: s.texts[k / 3], unseen: column === undefined || normalMeanOf(vocabulary, column) === 0, share: column === undefined ? 0 : vocabulary.sessionShare[column], cls: levelClass(meta.level), failure: mentionsFailure(text)})
      const level = meta.level ?? 'NONE'
      levels[level] = (levels[level] ?? 0) + count
    }
    // The batch incident order: unseen first, then errors, then the rarest.
    tmpl.sort((a, b) => Number(b.unseen) - Number(a.unseen) || b.cls - a.cls || a.share - b.share || b.count - a.count)
    // a stream (or a component of it) gone quiet and nothing else unusual, as batch tells it: high, named after it
    const quiet = signature.size > 0 && [...signature].every((id) => id.startsWith('silent:')) ? [...signature].sort()[0] : undefined
    // (silent:STREAM, or silent:COMPONENT@STREAM: the component on the stream)
    const source = quiet?.slice(7).replace('@', ' on ')
    if (quiet) return {severity: 'high' as Severity, reason: `${source} went quiet: no lines in a window it normally fills`, tmpl, levels, lead: quiet, title: `no lines from ${source}`, samples: [] as string[]}
    const {severity, reason} = severityOf(tmpl, levels, 1, Math.max(1, this.scoredSessions))
    const lead = tmpl.find((t) => signature.has(t.id)) ?? tmpl[0]
    return {severity, reason, tmpl, levels, lead: lead?.id, title: lead?.text ?? s.id, samples: tmpl.slice(0, SAMPLE_LINES).map((t) => t.sample).filter((x): x is string => x !== undefined)}
  }
}

/**
 * Per row of the rows a detector has just scored: what it found far from normal in the row, for a
 * window-rate detector (its episodes: a template's id, `silent:STREAM` or `silent:COMPONENT@STREAM`
 * for a silence); undefined for other detectors, whose rows are judged as a whole. A window's other
 * templates come and go from minute to minute, so signatures of all of them would not match.
 */
export function episodeTemplates(detector: Detector, rows: number, columnIds: readonly string[]): Array<Set<string> | undefined> | undefined {
  if (!(detector instanceof WindowRate)) return undefined
  const hot: Array<HotTemplates | undefined> = new Array(rows)
  for (const e of detector.episodes()) {
    const id = e.kind === 'silent' ? `silent:${e.component === undefined ? '' : `${e.component}@`}${e.stream}` : columnIds[e.column]
    if (id === undefined) continue
    for (const r of e.rows) {
      if (r >= rows) continue
      const row = (hot[r] ??= new HotTemplates())
      row.add(id)
      if (e.kind === 'silent') row.quiet.set(id, {stream: e.stream, ...(e.component === undefined ? {} : {component: e.component}), from: e.startMs, to: e.endMs})
    }
  }
  return hot
}

/** A template column's mean count per normal training session: the model's normal profile (as batch incidents use), or for older models the mean over all training sessions. */
function normalMeanOf(vocabulary: Vocabulary, column: number): number {
  return vocabulary.normalMean ? vocabulary.normalMean[column] : vocabulary.meanCount[column]
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let both = 0
  for (const x of a) if (b.has(x)) both++
  const union = a.size + b.size - both
  return union === 0 ? 1 : both / union
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString()
}

function round(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE
  return Math.round(x * 1e6) / 1e6
}
