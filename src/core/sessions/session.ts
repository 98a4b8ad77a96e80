/** One session's running tallies (Session) and their packing into shared typed arrays. */
import {levelClass} from '../severity.js'
import {P_ERRORS, P_EVENTS, P_FIRST_LINE, P_FIRST_ORDINAL, P_GAP_MAX, P_GAP_SUM, P_GAPS, P_LAST_LINE, P_LAST_ORDINAL, P_MAX_TIME, P_MIN_TIME, P_SEQ_FIRST_TIME, P_SEQ_LAST_TIME, P_TEMPLATES, P_TRANSITIONS, P_WARNINGS, PARTIAL_HEAD} from './partials.js'

/** A packed session's transitions (Session.transitions: a view of its profile). */
export type SessionNumbers = Int32Array | Float64Array

/** A session's numbers in its slot (SessionSlots): Float64 words, then Int32 words. */
const F_EVENTS = 0
const F_ERRORS = 1
const F_WARNINGS = 2
const F_FIRST_LINE = 3
const F_LAST_LINE = 4
const F_FIRST_TIME = 5
const F_LAST_TIME = 6
const F_PREV_TIME = 7
const F_GAP_SUM = 8
const F_GAP_MAX = 9
const F_GAPS = 10
const F_WORDS = 11
const I_PREV_TEMPLATE = 0
/** A packed session: where its first lines are in its batch's lines, and its profile (ProfileTable offset). */
const I_LINES_AT = 1
const I_PROFILE = 2
const I_WORDS = 3
/** Sessions a chunk of slots holds. */
const SLOTS_PER_CHUNK = 8192

/**
 * Where sessions keep their numbers: typed arrays in chunks, a slot per session, handed out in
 * order. A million sessions as object fields would be a million objects' worth of fields and boxed
 * doubles for every collection to walk; in slots they are 100 bytes each that no collection reads.
 * A chunk lives as long as a session in it (the slots keep only the newest chunk).
 */
export class SessionSlots {
  private chunk = new SlotChunk(0)
  private next = SLOTS_PER_CHUNK

  constructor(private readonly perChunk = SLOTS_PER_CHUNK) {
    this.next = perChunk
  }

  /** The chunk of the next slot (take() hands out its number), holding a session's starting numbers. */
  get current(): SlotChunk {
    if (this.next === this.perChunk) {
      this.chunk = new SlotChunk(this.perChunk)
      this.next = 0
    }
    return this.chunk
  }

  /** A new slot of `current` (read that first). */
  take(): number {
    const slot = this.next++
    const f = slot * F_WORDS
    const num = this.chunk.num
    num[f + F_FIRST_LINE] = Number.MAX_SAFE_INTEGER
    num[f + F_FIRST_TIME] = Number.NaN
    num[f + F_LAST_TIME] = Number.NaN
    num[f + F_PREV_TIME] = Number.NaN
    this.chunk.int[slot * I_WORDS + I_PREV_TEMPLATE] = -1
    return slot
  }
}

/** The typed arrays of a chunk of slots (a session keeps its chunk and its slot's number: two fields, not four). */
export class SlotChunk {
  readonly num: Float64Array
  readonly int: Int32Array
  constructor(slots: number) {
    this.num = new Float64Array(slots * F_WORDS)
    this.int = new Int32Array(slots * I_WORDS)
  }
}

/**
 * What Flare remembers of one session while streaming: per template its count and first line,
 * transitions between consecutive templates, levels and timing. Compact on purpose (flat number
 * arrays, linear scans: a session rarely has more than a few dozen distinct templates; its scalar
 * numbers in a slot of shared typed arrays, SessionSlots) so that a million sessions fit
 * comfortably in memory.
 */
export class Session {
  /**
   * Plain arrays while the session grows; the store packs quiet and complete sessions
   * (packSessions): a shared profile (ProfileTable) and the session's first lines in a typed array.
   */
  private grownTemplates: number[] | undefined = []
  private grownTransitions: number[] | undefined = []
  private packed?: PackedBatch
  /** The session's slot: num[f, f + F_WORDS) and int[i, i + I_WORDS) of its chunk. */
  private readonly chunk: SlotChunk
  private readonly slot: number

  /**
   * Windowed sessions: the stream (host, component, ...) and the window's start, epoch ms. Set on
   * window sessions only (declared, not defined: an id session has no room for them).
   */
  declare stream?: string
  declare windowStart?: number

  /** `slots`: the store's (a session made alone gets slots of its own). */
  constructor(readonly id: string, readonly order: number, slots: SessionSlots = new SessionSlots(1)) {
    this.chunk = slots.current
    this.slot = slots.take()
  }

  private get num(): Float64Array {
    return this.chunk.num
  }

  private get int(): Int32Array {
    return this.chunk.int
  }

  private get f(): number {
    return this.slot * F_WORDS
  }

  private get i(): number {
    return this.slot * I_WORDS
  }

  get events(): number {
    return this.num[this.f + F_EVENTS]
  }

  set events(n: number) {
    this.num[this.f + F_EVENTS] = n
  }

  get errors(): number {
    return this.num[this.f + F_ERRORS]
  }

  set errors(n: number) {
    this.num[this.f + F_ERRORS] = n
  }

  get warnings(): number {
    return this.num[this.f + F_WARNINGS]
  }

  set warnings(n: number) {
    this.num[this.f + F_WARNINGS] = n
  }

  /** Line ids (MAX_SAFE_INTEGER and 0 before any line). */
  get firstLine(): number {
    return this.num[this.f + F_FIRST_LINE]
  }

  set firstLine(n: number) {
    this.num[this.f + F_FIRST_LINE] = n
  }

  get lastLine(): number {
    return this.num[this.f + F_LAST_LINE]
  }

  set lastLine(n: number) {
    this.num[this.f + F_LAST_LINE] = n
  }

  /** Epoch ms (NaN: no timestamp). */
  get firstTime(): number {
    return this.num[this.f + F_FIRST_TIME]
  }

  set firstTime(t: number) {
    this.num[this.f + F_FIRST_TIME] = t
  }

  get lastTime(): number {
    return this.num[this.f + F_LAST_TIME]
  }

  set lastTime(t: number) {
    this.num[this.f + F_LAST_TIME] = t
  }

  get gapSum(): number {
    return this.num[this.f + F_GAP_SUM]
  }

  set gapSum(ms: number) {
    this.num[this.f + F_GAP_SUM] = ms
  }

  get gapMax(): number {
    return this.num[this.f + F_GAP_MAX]
  }

  set gapMax(ms: number) {
    this.num[this.f + F_GAP_MAX] = ms
  }

  get gaps(): number {
    return this.num[this.f + F_GAPS]
  }

  set gaps(n: number) {
    this.num[this.f + F_GAPS] = n
  }

  add(templateIndex: number, lineId: number, level: string | undefined, time: number | undefined): void {
    this.addEvent(templateIndex, lineId, level === undefined ? 0 : levelClass(level), time === undefined ? Number.NaN : time)
  }

  /**
   * add() with the level as its class (levelClass: 2 error, 1 warning, 0 other) and the time as a
   * number (NaN: none): what a batch of line events has without making a string per line.
   */
  addEvent(templateIndex: number, lineId: number, levelCode: number, time: number): void {
    const num = this.num
    const f = this.f
    num[f + F_EVENTS]++
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
    const prevTemplate = this.int[this.i + I_PREV_TEMPLATE]
    if (prevTemplate >= 0) addTransition(this.grownTransitions!, prevTemplate * 1_048_576 + templateIndex, 1)
    this.int[this.i + I_PREV_TEMPLATE] = templateIndex
    if (lineId < num[f + F_FIRST_LINE]) num[f + F_FIRST_LINE] = lineId
    if (lineId > num[f + F_LAST_LINE]) num[f + F_LAST_LINE] = lineId
    if (levelCode === 2) num[f + F_ERRORS]++
    else if (levelCode === 1) num[f + F_WARNINGS]++
    if (Number.isFinite(time)) this.addTime(time, time, time, time, 0, 0, 0)
  }

  /**
   * Times of lines after the session's: least and greatest, the first and last in line order, and
   * the gaps between them (sum, greatest, how many).
   */
  private addTime(min: number, max: number, seqFirst: number, seqLast: number, gapSum: number, gapMax: number, gaps: number): void {
    const num = this.num
    const f = this.f
    const first = num[f + F_FIRST_TIME]
    const last = num[f + F_LAST_TIME]
    if (Number.isNaN(first) || min < first) num[f + F_FIRST_TIME] = min
    if (Number.isNaN(last) || max > last) num[f + F_LAST_TIME] = max
    const prevTime = num[f + F_PREV_TIME]
    if (!Number.isNaN(prevTime)) {
      const gap = Math.max(0, seqFirst - prevTime)
      num[f + F_GAP_SUM] += gap
      num[f + F_GAPS]++
      if (gap > num[f + F_GAP_MAX]) num[f + F_GAP_MAX] = gap
    }
    num[f + F_GAP_SUM] += gapSum
    num[f + F_GAPS] += gaps
    if (gapMax > num[f + F_GAP_MAX]) num[f + F_GAP_MAX] = gapMax
    num[f + F_PREV_TIME] = seqLast
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
    const num = this.num
    const f = this.f
    num[f + F_EVENTS] += p[at + P_EVENTS] | 0
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
    const prevTemplate = this.int[this.i + I_PREV_TEMPLATE]
    if (prevTemplate >= 0) addTransition(tr, prevTemplate * 1_048_576 + index[p[at + P_FIRST_ORDINAL] | 0], 1)
    for (let k = 0; k < ntr; k++, q += 3) addTransition(tr, index[p[q] | 0] * 1_048_576 + index[p[q + 1] | 0], p[q + 2] | 0)
    this.int[this.i + I_PREV_TEMPLATE] = index[p[at + P_LAST_ORDINAL] | 0]
    const firstLine = firstLineId + (p[at + P_FIRST_LINE] | 0)
    const lastLine = firstLineId + (p[at + P_LAST_LINE] | 0)
    if (firstLine < num[f + F_FIRST_LINE]) num[f + F_FIRST_LINE] = firstLine
    if (lastLine > num[f + F_LAST_LINE]) num[f + F_LAST_LINE] = lastLine
    num[f + F_ERRORS] += p[at + P_ERRORS] | 0
    num[f + F_WARNINGS] += p[at + P_WARNINGS] | 0
    const seqFirst = p[at + P_SEQ_FIRST_TIME]
    if (!Number.isNaN(seqFirst)) this.addTime(p[at + P_MIN_TIME], p[at + P_MAX_TIME], seqFirst, p[at + P_SEQ_LAST_TIME], p[at + P_GAP_SUM], p[at + P_GAP_MAX], p[at + P_GAPS] | 0)
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
   * session makes them on each call (from its profile and its first lines): take them once per
   * loop, not per element.
   */
  get templates(): number[] {
    if (this.grownTemplates) return this.grownTemplates
    const d = this.packed!.profiles.data
    const lines = this.packed!.lines
    let q = this.int[this.i + I_PROFILE]
    const nt = d[q]
    q += 2
    let l = this.int[this.i + I_LINES_AT]
    const out = new Array<number>(3 * nt)
    for (let o = 0; o < out.length; o += 3, q += 2) {
      out[o] = d[q]
      out[o + 1] = d[q + 1]
      out[o + 2] = lines[l++]
    }
    return out
  }

  /** Flat pairs: [fromIndex * 2^20 + toIndex, count, ...]; a packed session's are a view of its profile. */
  get transitions(): SessionNumbers | number[] {
    if (this.grownTransitions) return this.grownTransitions
    const d = this.packed!.profiles.data
    const q = this.int[this.i + I_PROFILE]
    const from = q + 2 + 2 * d[q]
    return d.subarray(from, from + 2 * d[q + 1])
  }

  /** True once packed (until another event comes). */
  get isPacked(): boolean {
    return this.grownTemplates === undefined
  }

  /**
   * Packs the session into `batch`: its templates' and transitions' numbers become a profile of
   * the batch's table (shared with every session that has the same), its first lines go to
   * batch.lines from `at`. Returns how many lines it wrote (its templates).
   */
  packWith(batch: PackedBatch, at: number): number {
    const t = this.templates
    const tr = this.transitions
    const profile = batch.profiles.intern(t, tr)
    const lines = batch.lines
    let l = at
    for (let k = 2; k < t.length; k += 3) lines[l++] = t[k]
    this.packed = batch
    this.int[this.i + I_LINES_AT] = at
    this.int[this.i + I_PROFILE] = profile
    this.grownTemplates = this.grownTransitions = undefined
    return l - at
  }

  /** Back to growable arrays (a packed session given another event). */
  private unpack(): void {
    // Its own array literal, not the getter's: V8 tenures the arrays of an allocation site whose
    // arrays tend to live, and the getter's are garbage at once everywhere else (were they
    // allocated old, a million sessions read once would be a million arrays for the collector).
    const grown: number[] = []
    const t = this.templates
    for (let k = 0; k < t.length; k++) grown.push(t[k])
    this.grownTransitions = Array.from(this.transitions)
    this.grownTemplates = grown
    this.packed = undefined
  }

  count(templateIndex: number): number {
    if (this.grownTemplates) {
      const t = this.grownTemplates
      for (let i = 0; i < t.length; i += 3) if (t[i] === templateIndex) return t[i + 1]
      return 0
    }
    const d = this.packed!.profiles.data
    const q = this.int[this.i + I_PROFILE]
    for (let k = 0, r = q + 2; k < d[q]; k++, r += 2) if (d[r] === templateIndex) return d[r + 1]
    return 0
  }

  get durationMs(): number {
    return Number.isNaN(this.firstTime) ? 0 : this.lastTime - this.firstTime
  }
}


/**
 * Where packed sessions keep their numbers (packSessions): the table of distinct profiles, and the
 * first line of each template of each session packed at once (Int32 when every line id fits).
 */
export class PackedBatch {
  constructor(
    readonly profiles: ProfileTable,
    readonly lines: Int32Array | Float64Array,
  ) {}
}

/**
 * Distinct session profiles: the templates with their counts and the transitions with theirs, in
 * order of first appearance — everything a session holds but its first lines. Sessions repeat a
 * few profiles (HDFS_2percent: 1,396 among 11,501 blocks; a bigger log of the same system, few
 * more), so a packed session keeps a profile's offset and its first lines instead of ~45 numbers.
 * Each profile is stored once: nt, ntr, nt × [template, count], ntr × [transition key, count].
 * Profiles stay for the table's life: a session packed again with other counts adds one (shared
 * by sessions with the same), and its old first lines stay behind in their batch.
 */
export class ProfileTable {
  data = new Float64Array(1024)
  private used = 0
  /** Open addressing: profile offset + 1 (0: empty), and the profile's hash beside it. */
  private slots = new Int32Array(2 * 1024)
  private profiles = 0

  get size(): number {
    return this.profiles
  }

  /** The offset of the profile of flat triples `t` (templates) and pairs `tr` (transitions), added when new. */
  intern(t: ArrayLike<number>, tr: ArrayLike<number>): number {
    const nt = t.length / 3
    const ntr = tr.length / 2
    let h = mix(mix(0x811c9dc5, nt), ntr)
    for (let k = 0; k < t.length; k += 3) h = mix(mix(h, t[k]), t[k + 1])
    for (let k = 0; k < tr.length; k++) h = mix(h, tr[k])
    const slots = this.slots
    const mask = (slots.length >> 1) - 1
    let s = h & mask
    for (; slots[2 * s] !== 0; s = (s + 1) & mask) {
      if (slots[2 * s + 1] === h && this.equals(slots[2 * s] - 1, t, tr)) return slots[2 * s] - 1
    }
    const at = this.append(t, tr)
    slots[2 * s] = at + 1
    slots[2 * s + 1] = h
    if (++this.profiles * 2 > mask + 1) this.rehash()
    return at
  }

  private equals(p: number, t: ArrayLike<number>, tr: ArrayLike<number>): boolean {
    const d = this.data
    if (d[p] * 3 !== t.length || d[p + 1] * 2 !== tr.length) return false
    let q = p + 2
    for (let k = 0; k < t.length; k += 3, q += 2) if (d[q] !== t[k] || d[q + 1] !== t[k + 1]) return false
    for (let k = 0; k < tr.length; k++, q++) if (d[q] !== tr[k]) return false
    return true
  }

  private append(t: ArrayLike<number>, tr: ArrayLike<number>): number {
    const need = 2 + (2 * t.length) / 3 + tr.length
    if (this.used + need > this.data.length) {
      const grown = new Float64Array(Math.max(2 * this.data.length, this.used + need))
      grown.set(this.data.subarray(0, this.used))
      this.data = grown
    }
    const d = this.data
    const at = this.used
    let q = at
    d[q++] = t.length / 3
    d[q++] = tr.length / 2
    for (let k = 0; k < t.length; k += 3) {
      d[q++] = t[k]
      d[q++] = t[k + 1]
    }
    for (let k = 0; k < tr.length; k++) d[q++] = tr[k]
    this.used = q
    return at
  }

  private rehash(): void {
    const old = this.slots
    const slots = new Int32Array(2 * old.length)
    const mask = (slots.length >> 1) - 1
    for (let s = 0; s < old.length; s += 2) {
      if (old[s] === 0) continue
      let r = old[s + 1] & mask
      while (slots[2 * r] !== 0) r = (r + 1) & mask
      slots[2 * r] = old[s]
      slots[2 * r + 1] = old[s + 1]
    }
    this.slots = slots
  }
}

/** One FNV-1a step over an integer of up to 53 bits (its low and high 32 bits). */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 16777619)
  return Math.imul(h ^ ((v / 4294967296) | 0), 16777619)
}

/**
 * Packs the sessions: their templates and transitions become profiles of `profiles` (each
 * distinct one stored once), their first lines one typed array. A plain array costs 8 bytes an
 * element plus its headers, and hundreds of thousands of them are objects every collection walks.
 */
export function packSessions(list: Session[], profiles: ProfileTable = new ProfileTable()): void {
  if (list.length === 0) return
  let total = 0
  let fits = true
  for (const s of list) {
    const t = s.templates
    total += t.length / 3
    for (let k = 2; k < t.length && fits; k += 3) if (t[k] !== (t[k] | 0)) fits = false
  }
  const batch = new PackedBatch(profiles, fits ? new Int32Array(total) : new Float64Array(total))
  let at = 0
  for (const s of list) at += s.packWith(batch, at)
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
