/** One session's running tallies (Session): a view of its slot in SessionSlots (packed into shared profiles by packing.ts). */
import {levelClass} from '../severity.js'
import type {SessionIdSource} from './ids.js'
import {SessionLists} from './lists.js'
import {readVarint, unzigzag, VARINT, varintBytes, writeVarint, zigzag, type PackedBatch} from './packing.js'
import {P_ERRORS, P_EVENTS, P_FIRST_LINE, P_FIRST_ORDINAL, P_GAP_MAX, P_GAP_SUM, P_GAPS, P_LAST_LINE, P_LAST_ORDINAL, P_MAX_TIME, P_MIN_TIME, P_SEQ_FIRST_TIME, P_SEQ_LAST_TIME, P_TEMPLATES, P_TRANSITIONS, P_WARNINGS, PARTIAL_HEAD} from './partials.js'
import {F_FIRST_TIME, F_GAP_MAX, F_GAP_SUM, F_LAST_TIME, F_PREV_TIME, F_WORDS, L_FIRST, L_LAST, L_WORDS, I_A, I_B, I_ERRORS, I_EVENTS, I_GAPS, I_PREV_TEMPLATE, I_T_LEN, I_TR_LEN, I_WARNINGS, I_WORDS, SessionSlots, type SlotChunk} from './slots.js'

export {SessionSlots} from './slots.js'

/** A session's transitions (Session.transitions: a view of its profile when packed, a copy while growing). */
export type SessionNumbers = Int32Array | Float64Array

/** What `templates` reads a session's lists into before copying them out (never handed out). */
const SCRATCH_LISTS = new SessionLists()
/** Passed as a Session's id: a view of a slot already taken (Session.of), not a new session. */
const EXISTING: unique symbol = Symbol('existing session')

/**
 * Sessions in order, read by index: a store's sessions (SessionList, a view made at each read) or
 * a plain array of them.
 */
export interface Sessions extends Iterable<Session> {
  readonly length: number
  at(index: number): Session | undefined
}

/**
 * The sessions of orders 0 … length - 1 of `slots` (a store's, in order of first appearance):
 * each read makes a view (Session.of), so a million sessions are no million objects.
 */
export class SessionList implements Sessions {
  constructor(
    private readonly slots: SessionSlots,
    readonly length: number,
  ) {}

  at(index: number): Session | undefined {
    if (index < 0) index += this.length
    return index >= 0 && index < this.length ? Session.of(this.slots, index) : undefined
  }

  *[Symbol.iterator](): Iterator<Session> {
    for (let i = 0; i < this.length; i++) yield Session.of(this.slots, i)
  }
}

/** `sessions.at(i)`, which must be there. */
export function sessionAt(sessions: Sessions, i: number): Session {
  const s = sessions.at(i)
  if (s === undefined) throw new RangeError(`session ${i} of ${sessions.length}`)
  return s
}

/**
 * What Flare remembers of one session while streaming: per template its count and first line,
 * transitions between consecutive templates, levels and timing. Everything of it is in its slot
 * of shared typed arrays (SessionSlots), found by its order: its scalar numbers; its templates and
 * transitions as flat lists with linear scans (a session rarely has more than a few dozen distinct
 * templates), in blocks of the slots' GrowArena while it grows and as a shared profile once
 * packed; its id, and a window's stream and start. A Session object is a view of the slot, made
 * where it is read (two views of one slot are the same session: compare `order`s, not objects).
 */
export class Session {
  /** Where the session is kept (everything but its order). */
  readonly #slots: SessionSlots

  /**
   * A new session: `id` its id, or (a store's block sessions) where its id is found by its order;
   * `slots`: the store's (a session made alone gets slots of its own).
   */
  constructor(id: string | SessionIdSource | typeof EXISTING, readonly order: number, slots: SessionSlots = new SessionSlots(1)) {
    this.#slots = slots
    if (id !== EXISTING) slots.take(order, id)
  }

  /** The session of `order` in `slots` (a view of a slot already taken). */
  static of(slots: SessionSlots, order: number): Session {
    return new Session(EXISTING, order, slots)
  }

  /** The session's id (made at each call when kept among the store's ids: read it once per use). */
  get id(): string {
    const name = this.#slots.name(this.order)
    return typeof name === 'string' ? name : name.at(this.order)
  }

  /** Where the session's id is kept when kept among its store's (undefined: a string of its own). */
  get idSource(): SessionIdSource | undefined {
    const name = this.#slots.name(this.order)
    return typeof name === 'string' ? undefined : name
  }

  /** Windowed sessions: the stream (host, component, ...); undefined for id sessions. */
  get stream(): string | undefined {
    return this.#slots.stream(this.order)
  }

  set stream(stream: string | undefined) {
    this.#slots.setStream(this.order, stream)
  }

  /** Windowed sessions: the window's start, epoch ms; undefined for id sessions. */
  get windowStart(): number | undefined {
    return this.#slots.windowStart(this.order)
  }

  set windowStart(ms: number | undefined) {
    this.#slots.setWindowStart(this.order, ms)
  }

  private get chunk(): SlotChunk {
    return this.#slots.chunk(this.order)
  }

  private get int(): Int32Array {
    return this.chunk.int
  }

  private get f(): number {
    return this.#slots.slot(this.order) * F_WORDS
  }

  private get l(): number {
    return this.#slots.slot(this.order) * L_WORDS
  }

  private get i(): number {
    return this.#slots.slot(this.order) * I_WORDS
  }

  /** The batch of a packed session (undefined while it grows). */
  private get packed(): PackedBatch | undefined {
    const word = this.int[this.i + I_T_LEN]
    return word < 0 ? this.#slots.batch(word) : undefined
  }

  get events(): number {
    return this.int[this.i + I_EVENTS]
  }

  set events(n: number) {
    this.int[this.i + I_EVENTS] = n
  }

  get errors(): number {
    return this.int[this.i + I_ERRORS]
  }

  set errors(n: number) {
    this.int[this.i + I_ERRORS] = n
  }

  get warnings(): number {
    return this.int[this.i + I_WARNINGS]
  }

  set warnings(n: number) {
    this.int[this.i + I_WARNINGS] = n
  }

  /** Line ids (MAX_SAFE_INTEGER and 0 before any line). */
  get firstLine(): number {
    return this.chunk.line(this.l + L_FIRST)
  }

  set firstLine(n: number) {
    // (a packed session's first lines are steps from its first line: unpacked before it moves)
    if (this.isPacked) this.unpack()
    this.chunk.setLine(this.l + L_FIRST, n)
  }

  get lastLine(): number {
    return this.chunk.line(this.l + L_LAST)
  }

  set lastLine(n: number) {
    this.chunk.setLine(this.l + L_LAST, n)
  }

  /** Epoch ms (NaN: no timestamp). */
  get firstTime(): number {
    return this.chunk.time(this.f + F_FIRST_TIME)
  }

  set firstTime(t: number) {
    this.chunk.setTime(this.f + F_FIRST_TIME, t)
  }

  get lastTime(): number {
    return this.chunk.time(this.f + F_LAST_TIME)
  }

  set lastTime(t: number) {
    this.chunk.setTime(this.f + F_LAST_TIME, t)
  }

  get gapSum(): number {
    return this.chunk.span(this.f + F_GAP_SUM)
  }

  set gapSum(ms: number) {
    this.chunk.setSpan(this.f + F_GAP_SUM, ms)
  }

  get gapMax(): number {
    return this.chunk.span(this.f + F_GAP_MAX)
  }

  set gapMax(ms: number) {
    this.chunk.setSpan(this.f + F_GAP_MAX, ms)
  }

  get gaps(): number {
    return this.int[this.i + I_GAPS]
  }

  set gaps(n: number) {
    this.int[this.i + I_GAPS] = n
  }

  add(templateIndex: number, lineId: number, level: string | undefined, time: number | undefined): void {
    this.addEvent(templateIndex, lineId, level === undefined ? 0 : levelClass(level), time === undefined ? Number.NaN : time)
  }

  /**
   * add() with the level as its class (levelClass: 2 error, 1 warning, 0 other) and the time as a
   * number (NaN: none): what a batch of line events has without making a string per line.
   */
  addEvent(templateIndex: number, lineId: number, levelCode: number, time: number): void {
    const int = this.int
    const i = this.i
    int[i + I_EVENTS]++
    if (this.isPacked) this.unpack()
    this.addTemplate(templateIndex, 1, lineId)
    const prevTemplate = int[i + I_PREV_TEMPLATE]
    if (prevTemplate >= 0) this.addTransition(prevTemplate * 1_048_576 + templateIndex, 1)
    int[i + I_PREV_TEMPLATE] = templateIndex
    if (lineId < this.firstLine) this.firstLine = lineId
    if (lineId > this.lastLine) this.lastLine = lineId
    if (levelCode === 2) int[i + I_ERRORS]++
    else if (levelCode === 1) int[i + I_WARNINGS]++
    if (Number.isFinite(time)) this.addTime(time, time, time, time, 0, 0, 0)
  }

  /**
   * Times of lines after the session's: least and greatest, the first and last in line order, and
   * the gaps between them (sum, greatest, how many).
   */
  private addTime(min: number, max: number, seqFirst: number, seqLast: number, gapSum: number, gapMax: number, gaps: number): void {
    const c = this.chunk
    const f = this.f
    const int = this.int
    const i = this.i
    const first = c.time(f + F_FIRST_TIME)
    const last = c.time(f + F_LAST_TIME)
    if (Number.isNaN(first) || min < first) c.setTime(f + F_FIRST_TIME, min)
    if (Number.isNaN(last) || max > last) c.setTime(f + F_LAST_TIME, max)
    const prevTime = c.time(f + F_PREV_TIME)
    if (!Number.isNaN(prevTime)) {
      const gap = Math.max(0, seqFirst - prevTime)
      c.setSpan(f + F_GAP_SUM, c.span(f + F_GAP_SUM) + gap)
      int[i + I_GAPS]++
      if (gap > c.span(f + F_GAP_MAX)) c.setSpan(f + F_GAP_MAX, gap)
    }
    c.setSpan(f + F_GAP_SUM, c.span(f + F_GAP_SUM) + gapSum)
    int[i + I_GAPS] += gaps
    if (gapMax > c.span(f + F_GAP_MAX)) c.setSpan(f + F_GAP_MAX, gapMax)
    c.setTime(f + F_PREV_TIME, seqLast)
  }

  /**
   * Adds a region's lines at once: the partial session at p[at] (partials.ts; its lines counted
   * from firstLineId, its cluster ordinals mapped to template indices by `index`), as addEvent()
   * would have added them one by one. Returns where the next partial starts. The same numbers in
   * the same order: templates and transitions are looked up and appended in their order of first
   * appearance in the region, after those of earlier regions (the transition across the regions'
   * boundary first); counts, lines and times are whole numbers (HDFS times are whole seconds),
   * whose sums are exact in any grouping. `distinct`: the region's ordinals name distinct
   * templates (SessionStore.addPartials checks), so a first merge may copy its lists whole.
   */
  merge(p: Float64Array, at: number, firstLineId: number, index: Int32Array, distinct = false): number {
    const int = this.int
    const i = this.i
    int[i + I_EVENTS] += p[at + P_EVENTS] | 0
    if (this.isPacked) this.unpack()
    const nt = p[at + P_TEMPLATES] | 0
    const ntr = p[at + P_TRANSITIONS] | 0
    let q = at + PARTIAL_HEAD
    if (distinct && int[i + I_T_LEN] === 0 && int[i + I_PREV_TEMPLATE] < 0) q = this.mergeFresh(p, q, nt, ntr, firstLineId, index)
    else {
      for (let k = 0; k < nt; k++, q += 3) this.addTemplate(index[p[q] | 0], p[q + 1] | 0, firstLineId + (p[q + 2] | 0))
      const prevTemplate = int[i + I_PREV_TEMPLATE]
      if (prevTemplate >= 0) this.addTransition(prevTemplate * 1_048_576 + index[p[at + P_FIRST_ORDINAL] | 0], 1)
      for (let k = 0; k < ntr; k++, q += 3) this.addTransition(index[p[q] | 0] * 1_048_576 + index[p[q + 1] | 0], p[q + 2] | 0)
    }
    int[i + I_PREV_TEMPLATE] = index[p[at + P_LAST_ORDINAL] | 0]
    const firstLine = firstLineId + (p[at + P_FIRST_LINE] | 0)
    const lastLine = firstLineId + (p[at + P_LAST_LINE] | 0)
    if (firstLine < this.firstLine) this.firstLine = firstLine
    if (lastLine > this.lastLine) this.lastLine = lastLine
    int[i + I_ERRORS] += p[at + P_ERRORS] | 0
    int[i + I_WARNINGS] += p[at + P_WARNINGS] | 0
    const seqFirst = p[at + P_SEQ_FIRST_TIME]
    if (!Number.isNaN(seqFirst)) this.addTime(p[at + P_MIN_TIME], p[at + P_MAX_TIME], seqFirst, p[at + P_SEQ_LAST_TIME], p[at + P_GAP_SUM], p[at + P_GAP_MAX], p[at + P_GAPS] | 0)
    return q
  }

  /**
   * merge() into a session with no line yet (most merges are a session's first), when the
   * region's ordinals name distinct templates (`distinct`): a partial's templates and transitions
   * are then distinct, and there is no transition across the boundary, so each list is copied
   * into a block of its size at once, with nothing to look up.
   */
  private mergeFresh(p: Float64Array, q: number, nt: number, ntr: number, firstLineId: number, index: Int32Array): number {
    const int = this.int
    const i = this.i
    const arena = this.#slots.arena
    let at = (int[i + I_A] = arena.room(int[i + I_A], 0, 3 * nt))
    int[i + I_T_LEN] = 3 * nt
    let d = arena.data
    for (let k = 0; k < nt; k++, q += 3, at += 3) {
      d[at] = index[p[q] | 0]
      d[at + 1] = p[q + 1] | 0
      d[at + 2] = firstLineId + (p[q + 2] | 0)
    }
    if (ntr === 0) return q
    at = int[i + I_B] = arena.room(int[i + I_B], 0, 2 * ntr)
    int[i + I_TR_LEN] = 2 * ntr
    d = arena.data
    for (let k = 0; k < ntr; k++, q += 3, at += 2) {
      d[at] = index[p[q] | 0] * 1_048_576 + index[p[q + 1] | 0]
      d[at + 1] = p[q + 2] | 0
    }
    return q
  }

  /** Counts `count` more of template `template`, first seen at line `lineId` when new (a growing session). */
  private addTemplate(template: number, count: number, lineId: number): void {
    this.addTo(I_A, I_T_LEN, 3, template, count, lineId)
  }

  /** Counts `count` more of transition `key` (from * 2^20 + to), appended when new (a growing session). */
  private addTransition(key: number, count: number): void {
    this.addTo(I_B, I_TR_LEN, 2, key, count, 0)
  }

  /**
   * Counts `count` more of `key` in the session's list of `stride` words an entry (offset and
   * length in its slot's int words atWord and lenWord): [key, count, third] for templates, [key,
   * count] for transitions; appended when new.
   */
  private addTo(atWord: number, lenWord: number, stride: number, key: number, count: number, third: number): void {
    const int = this.int
    const i = this.i
    const arena = this.#slots.arena
    let d = arena.data
    let at = int[i + atWord]
    const len = int[i + lenWord]
    for (let k = at; k < at + len; k += stride) {
      if (d[k] === key) {
        d[k + 1] += count
        return
      }
    }
    at = int[i + atWord] = arena.room(at, len, stride)
    d = arena.data
    d[at + len] = key
    d[at + len + 1] = count
    if (stride === 3) d[at + len + 2] = third
    int[i + lenWord] = len + stride
  }

  /**
   * Flat triples: [templateIndex, count, firstLineId, ...], in order of first appearance, made on
   * each call: a loop over many sessions reads them with readLists() instead.
   */
  get templates(): number[] {
    const lists = SCRATCH_LISTS
    this.readLists(lists, false)
    const out = new Array<number>(lists.templateWords)
    for (let k = 0; k < out.length; k++) out[k] = lists.templates[k]
    return out
  }

  /**
   * Copies the session's template triples (see `templates`) and, when `transitions`, its
   * transition pairs (see `transitions`) into `into`'s arrays, which are reused from session to
   * session: a pass over half a million sessions makes no array per session.
   */
  readLists(into: SessionLists, transitions = true): void {
    const int = this.int
    const i = this.i
    const packed = this.packed
    if (packed === undefined) {
      const d = this.#slots.arena.data
      const tLen = int[i + I_T_LEN]
      const t = into.templateRoom(tLen)
      for (let k = 0, at = int[i + I_A]; k < tLen; k++) t[k] = d[at + k]
      if (!transitions) return
      const trLen = int[i + I_TR_LEN]
      const tr = into.transitionRoom(trLen)
      for (let k = 0, at = int[i + I_B]; k < trLen; k++) tr[k] = d[at + k]
      return
    }
    const d = packed.profiles.data
    const lines = packed.lines
    const q = int[i + I_B]
    const tLen = 3 * d[q]
    const t = into.templateRoom(tLen)
    let p = q + 2
    let line = this.firstLine
    for (let o = 0, l = int[i + I_A]; o < tLen; o += 3, p += 2) {
      t[o] = d[p]
      t[o + 1] = d[p + 1]
      readVarint(lines, l)
      l = VARINT.next
      t[o + 2] = line += unzigzag(VARINT.value)
    }
    if (!transitions) return
    const trLen = 2 * d[q + 1]
    const tr = into.transitionRoom(trLen)
    for (let k = 0; k < trLen; k++) tr[k] = d[p + k]
  }

  /**
   * Flat pairs: [fromIndex * 2^20 + toIndex, count, ...]; a packed session's are a view of its
   * profile, a growing one's a copy (its block is reused once it moves).
   */
  get transitions(): SessionNumbers {
    const packed = this.packed
    if (packed === undefined) {
      const at = this.int[this.i + I_B]
      return at < 0 ? new Float64Array(0) : this.#slots.arena.data.slice(at, at + this.int[this.i + I_TR_LEN])
    }
    const d = packed.profiles.data
    const q = this.int[this.i + I_B]
    const from = q + 2 + 2 * d[q]
    return d.subarray(from, from + 2 * d[q + 1])
  }

  /** True once packed (until another event comes). */
  get isPacked(): boolean {
    return this.int[this.i + I_T_LEN] < 0
  }

  /** Distinct templates (packSessions sizes its batch by them). */
  get templateCount(): number {
    const packed = this.packed
    return packed === undefined ? this.int[this.i + I_T_LEN] / 3 : packed.profiles.data[this.int[this.i + I_B]]
  }

  /** Bytes a growing session's first lines take packed (PackedBatch: varints of their steps); 0 when packed. */
  get packedLineBytes(): number {
    if (this.isPacked) return 0
    const d = this.#slots.arena.data
    const at = this.int[this.i + I_A]
    const len = this.int[this.i + I_T_LEN]
    let line = this.firstLine
    let bytes = 0
    for (let k = at + 2; k < at + len; k += 3) {
      bytes += varintBytes(zigzag(d[k] - line))
      line = d[k]
    }
    return bytes
  }

  /**
   * Packs the session into `batch`: its templates' and transitions' numbers become a profile of
   * the batch's table (shared with every session that has the same), its first lines go to
   * batch.lines from `at`, and its arena blocks are given back. Returns how many bytes it wrote
   * (its templates). A packed session is left as it is.
   */
  packWith(batch: PackedBatch, at: number): number {
    if (this.isPacked) return 0
    const int = this.int
    const i = this.i
    const d = this.#slots.arena.data
    const tAt = int[i + I_A]
    const tLen = int[i + I_T_LEN]
    const trAt = int[i + I_B]
    const trLen = int[i + I_TR_LEN]
    const profile = batch.profiles.intern(d, tAt, tLen, d, trAt, trLen)
    const lines = batch.lines
    let l = at
    let line = this.firstLine
    for (let k = tAt + 2; k < tAt + tLen; k += 3) {
      l = writeVarint(lines, l, zigzag(d[k] - line))
      line = d[k]
    }
    this.releaseLists()
    int[i + I_A] = at
    int[i + I_B] = profile
    int[i + I_T_LEN] = this.#slots.packInto(batch)
    return l - at
  }

  /** Back to growing (a packed session given another event): its profile and first lines copied into arena blocks. */
  private unpack(): void {
    const int = this.int
    const i = this.i
    const word = int[i + I_T_LEN]
    const packed = this.packed!
    const p = packed.profiles.data
    const lines = packed.lines
    let q = int[i + I_B]
    const nt = p[q]
    const ntr = p[q + 1]
    let l = int[i + I_A]
    const arena = this.#slots.arena
    const tAt = nt === 0 ? -1 : arena.room(-1, 0, 3 * nt)
    const trAt = ntr === 0 ? -1 : arena.room(-1, 0, 2 * ntr)
    const d = arena.data
    q += 2
    let line = this.firstLine
    for (let k = 0; k < nt; k++, q += 2) {
      d[tAt + 3 * k] = p[q]
      d[tAt + 3 * k + 1] = p[q + 1]
      readVarint(lines, l)
      l = VARINT.next
      d[tAt + 3 * k + 2] = line += unzigzag(VARINT.value)
    }
    for (let k = 0; k < 2 * ntr; k++) d[trAt + k] = p[q + k]
    int[i + I_A] = tAt
    int[i + I_B] = trAt
    int[i + I_T_LEN] = 3 * nt
    int[i + I_TR_LEN] = 2 * ntr
    this.#slots.unpackFrom(word)
  }

  /**
   * Gives a growing session's blocks back to its arena, its lists then empty: for a session whose
   * arena is shared with sessions that outlive it, once nothing will read it again.
   */
  releaseLists(): void {
    if (this.isPacked) return
    const int = this.int
    const i = this.i
    const arena = this.#slots.arena
    arena.give(int[i + I_A], int[i + I_T_LEN])
    arena.give(int[i + I_B], int[i + I_TR_LEN])
    int[i + I_A] = int[i + I_B] = -1
    int[i + I_T_LEN] = int[i + I_TR_LEN] = 0
  }

  count(templateIndex: number): number {
    const packed = this.packed
    if (packed === undefined) {
      const d = this.#slots.arena.data
      const at = this.int[this.i + I_A]
      const len = this.int[this.i + I_T_LEN]
      for (let k = at; k < at + len; k += 3) if (d[k] === templateIndex) return d[k + 1]
      return 0
    }
    const d = packed.profiles.data
    const q = this.int[this.i + I_B]
    for (let k = 0, r = q + 2; k < d[q]; k++, r += 2) if (d[r] === templateIndex) return d[r + 1]
    return 0
  }

  get durationMs(): number {
    return Number.isNaN(this.firstTime) ? 0 : this.lastTime - this.firstTime
  }
}
