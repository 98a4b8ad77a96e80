/** One session's running tallies (Session) and their packing into shared typed arrays. */
import {levelClass} from '../severity.js'
import {P_ERRORS, P_EVENTS, P_FIRST_LINE, P_FIRST_ORDINAL, P_GAP_MAX, P_GAP_SUM, P_GAPS, P_LAST_LINE, P_LAST_ORDINAL, P_MAX_TIME, P_MIN_TIME, P_SEQ_FIRST_TIME, P_SEQ_LAST_TIME, P_TEMPLATES, P_TRANSITIONS, P_WARNINGS, PARTIAL_HEAD} from './partials.js'

/** A packed session's numbers (Session.templates, .transitions). */
export type SessionNumbers = Int32Array | Float64Array

/**
 * What Flare remembers of one session while streaming: per template its count and first line,
 * transitions between consecutive templates, levels and timing. Compact on purpose (flat number
 * arrays, linear scans: a session rarely has more than a few dozen distinct templates) so that
 * hundreds of thousands of sessions fit comfortably in memory.
 */
export class Session {
  /**
   * Plain arrays while the session grows; SessionStore.finish() packs complete sessions into one
   * shared typed array (packSessions), each session keeping only where its numbers are.
   */
  private grownTemplates: number[] | undefined = []
  private grownTransitions: number[] | undefined = []
  private packed?: SessionNumbers
  private packedAt = 0
  private packedTemplates = 0
  private packedTransitions = 0
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

  /** Windowed sessions: the stream (host, component, ...) and the window's start, epoch ms. */
  stream?: string
  windowStart?: number

  constructor(readonly id: string, readonly order: number) {}

  add(templateIndex: number, lineId: number, level: string | undefined, time: number | undefined): void {
    this.addEvent(templateIndex, lineId, level === undefined ? 0 : levelClass(level), time === undefined ? Number.NaN : time)
  }

  /**
   * add() with the level as its class (levelClass: 2 error, 1 warning, 0 other) and the time as a
   * number (NaN: none): what a batch of line events has without making a string per line.
   */
  addEvent(templateIndex: number, lineId: number, levelCode: number, time: number): void {
    this.events++
    if (this.grownTemplates === undefined) this.unpack()
    const t = this.grownTemplates!
    let found = false
    for (let i = 0; i < t.length; i += 3) {
      if (t[i] === templateIndex) {
        t[i + 1]++
        found = true
        break
      }
    }
    if (!found) t.push(templateIndex, 1, lineId)
    if (this.prevTemplate >= 0) addTransition(this.grownTransitions!, this.prevTemplate * 1_048_576 + templateIndex, 1)
    this.prevTemplate = templateIndex
    if (lineId < this.firstLine) this.firstLine = lineId
    if (lineId > this.lastLine) this.lastLine = lineId
    if (levelCode === 2) this.errors++
    else if (levelCode === 1) this.warnings++
    if (Number.isFinite(time)) {
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

  /**
   * Adds a region's lines at once: the partial session at p[at] (partials.ts; its lines counted
   * from firstLineId, its cluster ordinals mapped to template indices by `index`), as addEvent()
   * would have added them one by one. Returns where the next partial starts. The same numbers in
   * the same order: templates and transitions are looked up and appended in their order of first
   * appearance in the region, after those of earlier regions (the transition across the regions'
   * boundary first); counts, lines and times are whole numbers (HDFS times are whole seconds),
   * whose sums are exact in any grouping.
   */
  merge(p: Float64Array, at: number, firstLineId: number, index: Int32Array): number {
    this.events += p[at + P_EVENTS] | 0
    if (this.grownTemplates === undefined) this.unpack()
    const t = this.grownTemplates!
    const tr = this.grownTransitions!
    const nt = p[at + P_TEMPLATES] | 0
    const ntr = p[at + P_TRANSITIONS] | 0
    let q = at + PARTIAL_HEAD
    for (let k = 0; k < nt; k++, q += 3) {
      const template = index[p[q] | 0]
      const count = p[q + 1] | 0
      let found = false
      for (let i = 0; i < t.length; i += 3) {
        if (t[i] === template) {
          t[i + 1] += count
          found = true
          break
        }
      }
      if (!found) t.push(template, count, firstLineId + (p[q + 2] | 0))
    }
    if (this.prevTemplate >= 0) addTransition(tr, this.prevTemplate * 1_048_576 + index[p[at + P_FIRST_ORDINAL] | 0], 1)
    for (let k = 0; k < ntr; k++, q += 3) addTransition(tr, index[p[q] | 0] * 1_048_576 + index[p[q + 1] | 0], p[q + 2] | 0)
    this.prevTemplate = index[p[at + P_LAST_ORDINAL] | 0]
    const firstLine = firstLineId + (p[at + P_FIRST_LINE] | 0)
    const lastLine = firstLineId + (p[at + P_LAST_LINE] | 0)
    if (firstLine < this.firstLine) this.firstLine = firstLine
    if (lastLine > this.lastLine) this.lastLine = lastLine
    this.errors += p[at + P_ERRORS] | 0
    this.warnings += p[at + P_WARNINGS] | 0
    const seqFirst = p[at + P_SEQ_FIRST_TIME]
    if (!Number.isNaN(seqFirst)) {
      const min = p[at + P_MIN_TIME]
      const max = p[at + P_MAX_TIME]
      if (Number.isNaN(this.firstTime) || min < this.firstTime) this.firstTime = min
      if (Number.isNaN(this.lastTime) || max > this.lastTime) this.lastTime = max
      if (!Number.isNaN(this.prevTime)) {
        const gap = Math.max(0, seqFirst - this.prevTime)
        this.gapSum += gap
        this.gaps++
        if (gap > this.gapMax) this.gapMax = gap
      }
      this.gapSum += p[at + P_GAP_SUM]
      this.gaps += p[at + P_GAPS] | 0
      if (p[at + P_GAP_MAX] > this.gapMax) this.gapMax = p[at + P_GAP_MAX]
      this.prevTime = p[at + P_SEQ_LAST_TIME]
    }
    return q
  }

  /**
   * Gives back the room the arrays grew into (V8 grows them by half again + 16 slots): about a
   * third of a session's memory once it is complete.
   */
  compact(): void {
    if (this.grownTemplates) this.grownTemplates = this.grownTemplates.slice()
    if (this.grownTransitions) this.grownTransitions = this.grownTransitions.slice()
  }

  /**
   * Flat triples: [templateIndex, count, firstLineId, ...], in order of first appearance. A packed
   * session hands out a new view on each call: take it once per loop, not per element.
   */
  get templates(): SessionNumbers | number[] {
    return this.grownTemplates ?? this.packed!.subarray(this.packedAt, this.packedAt + this.packedTemplates)
  }

  /** Flat pairs: [fromIndex * 2^20 + toIndex, count, ...]. */
  get transitions(): SessionNumbers | number[] {
    if (this.grownTransitions) return this.grownTransitions
    const from = this.packedAt + this.packedTemplates
    return this.packed!.subarray(from, from + this.packedTransitions)
  }

  /** True once packInto() moved its numbers out (until another event comes). */
  get isPacked(): boolean {
    return this.grownTemplates === undefined
  }

  /** Numbers this session packs into (templates then transitions). */
  get packedLength(): number {
    return this.templates.length + this.transitions.length
  }

  /** Moves the templates and transitions into pool[at, at + packedLength) (packSessions). */
  packInto(pool: SessionNumbers, at: number): void {
    const t = this.templates
    const tr = this.transitions
    pool.set(t, at)
    pool.set(tr, at + t.length)
    this.packed = pool
    this.packedAt = at
    this.packedTemplates = t.length
    this.packedTransitions = tr.length
    this.grownTemplates = this.grownTransitions = undefined
  }

  /** Back to growable arrays (a packed session given another event). */
  private unpack(): void {
    this.grownTemplates = Array.from(this.templates)
    this.grownTransitions = Array.from(this.transitions)
    this.packed = undefined
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


/**
 * Packs the sessions' template and transition numbers into one typed array: a plain array costs
 * 8 bytes an element plus its headers, and hundreds of thousands of them are objects every
 * collection walks. Int32 when every value fits, else Float64 (values unchanged).
 */
export function packSessions(list: Session[]): void {
  if (list.length === 0) return
  let total = 0
  let fits = true
  for (const s of list) {
    for (const a of [s.templates, s.transitions]) {
      total += a.length
      for (let k = 0; k < a.length && fits; k++) if (a[k] !== (a[k] | 0)) fits = false
    }
  }
  const pool = fits ? new Int32Array(total) : new Float64Array(total)
  let at = 0
  for (const s of list) {
    const n = s.packedLength
    s.packInto(pool, at)
    at += n
  }
}

/** Counts `count` more of transition `key` in flat pairs [key, count, ...] (appended when new). */
function addTransition(tr: number[], key: number, count: number): void {
  for (let i = 0; i < tr.length; i += 2) {
    if (tr[i] === key) {
      tr[i + 1] += count
      return
    }
  }
  tr.push(key, count)
}
