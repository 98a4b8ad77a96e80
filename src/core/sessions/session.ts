/** One session's running tallies (Session) and their packing into shared typed arrays. */
import {levelClass} from '../severity.js'

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
    if (this.prevTemplate >= 0) {
      const key = this.prevTemplate * 1_048_576 + templateIndex
      const tr = this.grownTransitions!
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
