import type {LogRecord} from '../ingest/record.js'
import {levelClass} from '../severity.js'
import {formatDuration, windowsContaining} from './window.js'

export {levelClass} from '../severity.js'

export type SessionKeyMode = 'auto' | 'block' | 'request' | 'pid' | 'window'
export type ResolvedSessionKey = Exclude<SessionKeyMode, 'auto'>

/**
 * What Flare remembers of one session while streaming: per template its count and first line,
 * transitions between consecutive templates, levels and timing. Compact on purpose (flat number
 * arrays, linear scans: a session rarely has more than a few dozen distinct templates) so that
 * hundreds of thousands of sessions fit comfortably in memory.
 */
export class Session {
  /** Flat triples: [templateIndex, count, firstLineId, ...]. */
  readonly templates: number[] = []
  /** Flat pairs: [fromIndex * 2^20 + toIndex, count, ...]. */
  readonly transitions: number[] = []
  events = 0
  errors = 0
  warnings = 0
  firstLine = Number.MAX_SAFE_INTEGER
  lastLine = 0
  firstTime = Number.NaN
  lastTime = Number.NaN
  private prevTemplate = -1
  private prevTime = Number.NaN
  gapSum = 0
  gapMax = 0
  gaps = 0

  constructor(readonly id: string, readonly order: number) {}

  add(templateIndex: number, lineId: number, level: string | undefined, time: number | undefined): void {
    this.events++
    const t = this.templates
    let found = false
    for (let i = 0; i < t.length; i += 3) {
      if (t[i] === templateIndex) {
        t[i + 1]++
        found = true
        break
      }
    }
    if (!found) t.push(templateIndex, 1, lineId)
    if (this.prevTemplate >= 0) {
      const key = this.prevTemplate * 1_048_576 + templateIndex
      const tr = this.transitions
      let seen = false
      for (let i = 0; i < tr.length; i += 2) {
        if (tr[i] === key) {
          tr[i + 1]++
          seen = true
          break
        }
      }
      if (!seen) tr.push(key, 1)
    }
    this.prevTemplate = templateIndex
    if (lineId < this.firstLine) this.firstLine = lineId
    if (lineId > this.lastLine) this.lastLine = lineId
    if (level !== undefined) {
      const c = levelClass(level)
      if (c === 2) this.errors++
      else if (c === 1) this.warnings++
    }
    if (time !== undefined && Number.isFinite(time)) {
      if (Number.isNaN(this.firstTime) || time < this.firstTime) this.firstTime = time
      if (Number.isNaN(this.lastTime) || time > this.lastTime) this.lastTime = time
      if (!Number.isNaN(this.prevTime)) {
        const gap = Math.max(0, time - this.prevTime)
        this.gapSum += gap
        this.gaps++
        if (gap > this.gapMax) this.gapMax = gap
      }
      this.prevTime = time
    }
  }

  count(templateIndex: number): number {
    const t = this.templates
    for (let i = 0; i < t.length; i += 3) if (t[i] === templateIndex) return t[i + 1]
    return 0
  }

  get durationMs(): number {
    return Number.isNaN(this.firstTime) ? 0 : this.lastTime - this.firstTime
  }
}

export const DEFAULT_WINDOW_MS = 5 * 60_000

const WINDOW_CHOICES = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400].map((s) => s * 1000)

/**
 * Window length for a log without session ids, from its timestamps: the shortest window whose
 * non-empty windows hold a median of at least 10 events (enough for counts to mean something),
 * unless that leaves fewer than 20 windows (too few to tell normal from odd), in which case the
 * longest shorter window that still gives 20. An 8-hour syslog at a few lines a minute gets 10m;
 * two busy minutes of Android logcat get seconds; a year of sparse BGL alerts gets hours.
 */
export function chooseWindow(times: number[]): number {
  if (times.length === 0) return DEFAULT_WINDOW_MS
  const stats = WINDOW_CHOICES.map((w) => {
    const counts = new Map<number, number>()
    for (const t of times) {
      const k = Math.floor(t / w)
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    const sizes = [...counts.values()].sort((a, b) => a - b)
    return {w, windows: sizes.length, median: sizes[Math.floor(sizes.length / 2)]}
  })
  const dense = stats.findIndex((s) => s.median >= 10)
  if (dense < 0) return stats[stats.length - 1].w
  if (stats[dense].windows >= 20) return stats[dense].w
  for (let i = dense - 1; i >= 0; i--) if (stats[i].windows >= 20) return stats[i].w
  return stats[dense].w
}

export interface SessionStoreOptions {
  mode: SessionKeyMode
  /**
   * Window length for `window` mode, in ms. Undefined: chosen from the data once all records are
   * in (see chooseWindow), which means window-mode records are held until finish().
   */
  windowMs?: number
  /** Slide between windows, in ms (defaults to windowMs: tumbling windows). */
  stepMs?: number
  /** Records examined before `auto` decides between an id key and windows. */
  autoSample?: number
  /** Lines per window when the log carries no timestamps at all. */
  linesPerWindow?: number
}

interface Pending {
  record: LogRecord
  templateIndex: number
}

/**
 * Groups records into sessions as they stream by. In `auto` mode the first records are held back
 * until it is clear whether the log carries session ids (and of which kind) or needs time windows.
 */
export class SessionStore {
  readonly sessions = new Map<string, Session>()
  resolved?: ResolvedSessionKey
  /** Why `auto` chose what it chose, for the summary. */
  reason = ''
  /** Records that could not be assigned to any session (no id of the chosen kind). */
  unassigned = 0
  /** True when window mode had to fall back to counting lines (no timestamps anywhere). */
  lineWindows = false
  private pending: Pending[] = []
  private lastTime = Number.NaN
  private windowSize: number | undefined
  private stepSize: number | undefined
  /** Window mode with an automatic size: records held as (template, line, level, time) until finish(). */
  private readonly held: {template: number[]; line: number[]; level: Array<string | undefined>; time: number[]} = {template: [], line: [], level: [], time: []}
  private readonly autoSample: number
  private readonly linesPerWindow: number

  constructor(private readonly options: SessionStoreOptions) {
    this.windowSize = options.windowMs
    this.stepSize = options.stepMs ?? options.windowMs
    this.autoSample = options.autoSample ?? 2000
    this.linesPerWindow = options.linesPerWindow ?? 200
    if (options.mode !== 'auto') {
      this.resolved = options.mode
      this.reason = `--session-key ${options.mode}`
    }
  }

  add(record: LogRecord, templateIndex: number): void {
    if (this.resolved === undefined) {
      this.pending.push({record, templateIndex})
      if (this.pending.length >= this.autoSample) this.resolve()
      return
    }
    this.assign(record, templateIndex)
  }

  /** Call once after the last record. Returns sessions in order of first appearance. */
  finish(): Session[] {
    if (this.resolved === undefined) this.resolve()
    if (this.held.time.length > 0) this.flushHeld()
    return [...this.sessions.values()]
  }

  /** The window length in force (chosen by finish() when it was automatic). */
  get windowMs(): number {
    return this.windowSize ?? DEFAULT_WINDOW_MS
  }

  get stepMs(): number {
    return this.stepSize ?? this.windowMs
  }

  describe(): string {
    if (this.resolved !== 'window') return this.resolved ?? 'auto'
    if (this.lineWindows) return `window (${this.linesPerWindow} lines; no timestamps)`
    const step = this.stepMs === this.windowMs ? '' : `, step ${formatDuration(this.stepMs)}`
    return `window (${this.options.windowMs === undefined ? 'auto: ' : ''}${formatDuration(this.windowMs)}${step})`
  }

  private flushHeld(): void {
    const h = this.held
    this.windowSize = chooseWindow(h.time)
    this.stepSize ??= this.windowSize
    for (let i = 0; i < h.time.length; i++) this.addToWindows(h.template[i], h.line[i], h.level[i], h.time[i])
    h.template.length = h.line.length = h.level.length = h.time.length = 0
  }

  private resolve(): void {
    const byKind = new Map<string, number>()
    for (const {record} of this.pending) {
      if (record.sessionKeys.length > 0 && record.sessionKind) byKind.set(record.sessionKind, (byKind.get(record.sessionKind) ?? 0) + 1)
    }
    let best: string | undefined
    let bestCount = 0
    for (const [kind, count] of byKind) {
      if (count > bestCount) {
        best = kind
        bestCount = count
      }
    }
    const share = this.pending.length === 0 ? 0 : bestCount / this.pending.length
    // An id carried by a fifth of the lines is a real session key (HDFS puts block ids on ~95%;
    // service logs often log the request id on the access line and a few others only).
    if (best && share >= 0.2) {
      this.resolved = best as ResolvedSessionKey
      this.reason = `${(share * 100).toFixed(0)}% of the first ${this.pending.length} records carry a ${best} id`
    } else {
      this.resolved = 'window'
      this.reason = best ? `only ${(share * 100).toFixed(0)}% of records carry a ${best} id` : 'no session ids found'
    }
    const pending = this.pending
    this.pending = []
    for (const p of pending) this.assign(p.record, p.templateIndex)
  }

  private assign(record: LogRecord, templateIndex: number): void {
    const mode = this.resolved!
    if (mode === 'window') {
      this.assignWindow(record, templateIndex)
      return
    }
    if (record.sessionKeys.length === 0 || record.sessionKind !== mode) {
      this.unassigned++
      return
    }
    for (const key of record.sessionKeys) this.session(key).add(templateIndex, record.lineId, record.level, record.timestamp)
  }

  private assignWindow(record: LogRecord, templateIndex: number): void {
    let t = record.timestamp
    if (t === undefined || !Number.isFinite(t)) t = Number.isNaN(this.lastTime) ? undefined : this.lastTime
    else this.lastTime = t
    if (t === undefined) {
      // No timestamp seen yet: count lines instead. Once a timestamped record appears later the
      // earlier lines stay in their line windows.
      this.lineWindows = true
      const k = Math.floor((record.lineId - 1) / this.linesPerWindow)
      const id = `lines ${k * this.linesPerWindow + 1}-${(k + 1) * this.linesPerWindow}`
      this.session(id).add(templateIndex, record.lineId, record.level, undefined)
      return
    }
    if (this.windowSize === undefined) {
      this.held.template.push(templateIndex)
      this.held.line.push(record.lineId)
      this.held.level.push(record.level)
      this.held.time.push(t)
      return
    }
    this.addToWindows(templateIndex, record.lineId, record.level, t)
  }

  private addToWindows(templateIndex: number, lineId: number, level: string | undefined, t: number): void {
    const {first, last} = windowsContaining(t, this.windowMs, this.stepMs)
    for (let k = first; k <= last; k++) {
      const id = new Date(k * this.stepMs).toISOString()
      this.session(id).add(templateIndex, lineId, level, t)
    }
  }

  private session(id: string): Session {
    let s = this.sessions.get(id)
    if (!s) {
      s = new Session(id, this.sessions.size)
      this.sessions.set(id, s)
    }
    return s
  }
}
