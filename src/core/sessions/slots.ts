/**
 * Where sessions keep everything of theirs (SessionSlots): their numbers in slots of shared typed
 * arrays, and their ids, packed batches and windows by order. A Session (session.ts) is a view
 * of a slot, made when read: a million sessions are a million slots, not a million objects.
 */
import {GrowArena} from './grow-arena.js'
import type {SessionIdSource} from './ids.js'
import type {PackedBatch} from './packing.js'

/**
 * A session's numbers in its slot: two line ids (SlotChunk.line), times and spans of time
 * (SlotChunk.time, SlotChunk.span; each kind Int32 in a chunk until one does not fit, then
 * Float64 for the chunk), then Int32 words (counts: a session of 2^31 lines would be a mistake of
 * its key long before).
 */
export const L_FIRST = 0
export const L_LAST = 1
export const L_WORDS = 2
export const F_FIRST_TIME = 0
export const F_LAST_TIME = 1
export const F_PREV_TIME = 2
export const F_GAP_SUM = 3
export const F_GAP_MAX = 4
export const F_WORDS = 5
/** Words F_FIRST_TIME … F_PREV_TIME are times (SlotChunk.time), the others spans of time (SlotChunk.span). */
const F_LAST_TIME_WORD = F_PREV_TIME
export const I_PREV_TEMPLATE = 0
/**
 * A packed session: where its first lines are in its batch's lines (I_A), and its profile
 * (ProfileTable offset, I_B). A growing session: its templates' block in the arena (I_A, -1: none
 * yet), its transitions' (I_B), and their lengths in words (I_T_LEN, I_TR_LEN).
 */
export const I_A = 1
export const I_B = 2
/** A growing session's template words (≥ 0); a packed one's batch as -1 - its index in SessionSlots.batch(). */
export const I_T_LEN = 3
export const I_TR_LEN = 4
export const I_EVENTS = 5
export const I_ERRORS = 6
export const I_WARNINGS = 7
export const I_GAPS = 8
export const I_WORDS = 9
/** Sessions a chunk of slots holds. */
const SLOTS_PER_CHUNK = 8192

/**
 * Where sessions keep their numbers: typed arrays in chunks, a slot per session, handed out in
 * order (a session finds its slot from its order). A million sessions as objects would be a
 * million objects' worth of fields and boxed doubles for every collection to walk; in slots they
 * are 64 bytes each (92 in a chunk whose times and lines went past Int32) that no collection
 * reads. The growing sessions' lists share the slots' GrowArena.
 *
 * Slots of one (`perChunk` 1) are a session alone: its order may be any number.
 */
export class SessionSlots {
  /** The lists of the growing sessions of these slots. */
  readonly arena: GrowArena
  private readonly shift: number
  private next: number
  /** The newest chunk (slots of one: the only one). */
  private last?: SlotChunk
  /** Every chunk, by order >>> shift (not for slots of one). */
  private chunks?: SlotChunk[]
  /** The ids kept by order, for sessions whose id is not `id0` (made when first needed). */
  private names?: Array<string | SessionIdSource | undefined>
  /** Where sessions that keep no id of their own find it (a store's block ids), or the only session's id. */
  private id0?: string | SessionIdSource
  /** Windowed sessions' streams and window starts (epoch ms), by order (made when first set; slots of one: stream0, start0). */
  private streams?: Array<string | undefined>
  private starts?: Array<number | undefined>
  private stream0?: string
  private start0?: number
  /**
   * The batches sessions were packed into (PackedBatch), and how many sessions each still holds: a
   * packed session's I_T_LEN word names its own; a batch whose sessions all grew again is dropped.
   */
  private batches?: Array<PackedBatch | undefined>
  private packedIn?: number[]

  /**
   * `arena`: where the growing sessions keep their lists, when shared with other slots (a live
   * stream's sessions each have a slot of their own and share one arena, OpenSessions).
   */
  constructor(
    private readonly perChunk = SLOTS_PER_CHUNK,
    arena?: GrowArena,
  ) {
    if (!Number.isInteger(Math.log2(perChunk))) throw new RangeError(`SessionSlots: ${perChunk} slots a chunk is not a power of two`)
    this.shift = Math.log2(perChunk)
    this.next = perChunk
    this.arena = arena ?? new GrowArena(perChunk === 1 ? 48 : 1024)
  }

  /**
   * A new slot for the session of `order` and id `id`. Slots go out in order, from order 0 (but
   * any order for slots of one): a session's slot is its order's place in its chunk.
   */
  take(order: number, id: string | SessionIdSource): void {
    if (this.perChunk === 1) {
      if (this.last !== undefined) throw new Error('Session: slots of one hold one session')
      this.id0 = id
    } else if (order !== this.size) throw new Error(`Session: order ${order} does not match its slot (sessions of shared slots are made in order)`)
    if (this.next === this.perChunk) {
      this.last = new SlotChunk(this.perChunk)
      if (this.perChunk > 1) (this.chunks ??= []).push(this.last)
      this.next = 0
    }
    const slot = this.next++
    const chunk = this.last!
    const f = slot * F_WORDS
    chunk.setLine(slot * L_WORDS + L_FIRST, Number.MAX_SAFE_INTEGER)
    chunk.setTime(f + F_FIRST_TIME, Number.NaN)
    chunk.setTime(f + F_LAST_TIME, Number.NaN)
    chunk.setTime(f + F_PREV_TIME, Number.NaN)
    const int = chunk.int
    const i = slot * I_WORDS
    int[i + I_PREV_TEMPLATE] = -1
    int[i + I_A] = -1
    int[i + I_B] = -1
    if (this.perChunk === 1) return
    if (typeof id !== 'string' && (this.id0 === undefined || this.id0 === id) && this.names === undefined) this.id0 = id
    else (this.names ??= [])[order] = id
  }

  /** The chunk of the session of `order`. */
  chunk(order: number): SlotChunk {
    return this.perChunk === 1 ? this.last! : this.chunks![order >>> this.shift]
  }

  /** The session of `order`'s slot in its chunk. */
  slot(order: number): number {
    return this.perChunk === 1 ? 0 : order & (this.perChunk - 1)
  }

  /** Sessions taken (for slots from order 0: one past the greatest order). */
  get size(): number {
    if (this.last === undefined) return 0
    return this.perChunk === 1 ? 1 : (this.chunks!.length - 1) * this.perChunk + this.next
  }

  /** Where the session of `order` keeps its id: a string, or a source that finds it by order. */
  name(order: number): string | SessionIdSource {
    return this.names?.[order] ?? this.id0!
  }

  stream(order: number): string | undefined {
    return this.perChunk === 1 ? this.stream0 : this.streams?.[order]
  }

  setStream(order: number, stream: string | undefined): void {
    if (this.perChunk === 1) this.stream0 = stream
    else (this.streams ??= [])[order] = stream
  }

  windowStart(order: number): number | undefined {
    return this.perChunk === 1 ? this.start0 : this.starts?.[order]
  }

  setWindowStart(order: number, ms: number | undefined): void {
    if (this.perChunk === 1) this.start0 = ms
    else (this.starts ??= [])[order] = ms
  }

  /** The batch a packed session's I_T_LEN word names (-1 - its index). */
  batch(word: number): PackedBatch {
    return this.batches![-1 - word]!
  }

  /** The I_T_LEN word of a session packed into `batch` (its index among these slots' batches, -1 - it), counted as one it holds. */
  packInto(batch: PackedBatch): number {
    const batches = (this.batches ??= [])
    const held = (this.packedIn ??= [])
    let k = batches.length - 1
    if (batches[k] !== batch) k = batches.lastIndexOf(batch)
    if (k < 0) {
      k = batches.push(batch) - 1
      held[k] = 0
    }
    held[k]++
    return -1 - k
  }

  /** A session packed into the batch of `word` grows again: a batch that holds no session is dropped (its first lines with it). */
  unpackFrom(word: number): void {
    const k = -1 - word
    if (--this.packedIn![k] === 0) this.batches![k] = undefined
  }

  /** Batches that still hold a packed session (the others were dropped). */
  get batchesHeld(): number {
    return this.batches?.filter((b) => b !== undefined).length ?? 0
  }
}

/** An Int32 first line that stands for "none yet" (Number.MAX_SAFE_INTEGER once widened); no line id is kept as it. */
const NO_LINE = 2 ** 31 - 1
/** An Int32 time or span that stands for NaN (no time); no number is kept as it. */
const NO_NUMBER = -(2 ** 31)

/**
 * The typed arrays of a chunk of slots. Line ids, times and spans are Int32 (times less the
 * chunk's first time: ±24 days of milliseconds) while every one written fits exactly, which a
 * file's whole-millisecond times over a few weeks do; the first that does not (a later line past
 * 2^31, a fraction of a millisecond, a time a month away) widens that kind to Float64 for the
 * chunk, every number kept as it was: 28 bytes a slot where Float64 took 56.
 */
export class SlotChunk {
  readonly int: Int32Array
  /**
   * Line ids, L_WORDS a slot: Int32 (a file's lines) until one does not fit, then Float64 for
   * the whole chunk (a live stream's); read and written through line() and setLine().
   */
  private lines: Int32Array | Float64Array
  private linesWide = false
  /** Times and spans, F_WORDS a slot (see time(), span()). */
  private nums: Int32Array | Float64Array
  private numsWide = false
  /** What an Int32 time is kept less of: the first time written (NaN: none yet). */
  private timeBase = Number.NaN
  constructor(slots: number) {
    this.int = new Int32Array(slots * I_WORDS)
    // Lines and times in one buffer: Int32 while both fit (the first to widen gives the other a
    // buffer of its own, so the shared one is freed); Float64 from the start for a session alone
    // (a live one: its chunk is two buffers, as before, and never widens)
    const wide = slots === 1
    const words = wide ? new Float64Array(slots * (L_WORDS + F_WORDS)) : new Int32Array(slots * (L_WORDS + F_WORDS))
    this.linesWide = this.numsWide = wide
    this.lines = words.subarray(0, slots * L_WORDS)
    this.nums = words.subarray(slots * L_WORDS)
  }

  /** Time word k (slot * F_WORDS + F_FIRST_TIME, F_LAST_TIME or F_PREV_TIME): epoch ms, NaN for none. */
  time(k: number): number {
    const v = this.nums[k]
    if (this.numsWide) return v
    return v === NO_NUMBER ? Number.NaN : v + this.timeBase
  }

  setTime(k: number, v: number): void {
    if (!this.numsWide) {
      if (Number.isNaN(v)) {
        this.nums[k] = NO_NUMBER
        return
      }
      if (Number.isNaN(this.timeBase) && Number.isSafeInteger(v)) this.timeBase = v
      const d = v - this.timeBase
      if ((d | 0) === d && d !== NO_NUMBER && d + this.timeBase === v) {
        this.nums[k] = d
        return
      }
      this.widenNums()
    }
    this.nums[k] = v
  }

  /** Span word k (slot * F_WORDS + F_GAP_SUM or F_GAP_MAX): ms. */
  span(k: number): number {
    const v = this.nums[k]
    return !this.numsWide && v === NO_NUMBER ? Number.NaN : v
  }

  setSpan(k: number, v: number): void {
    if (!this.numsWide) {
      if (Number.isNaN(v)) {
        this.nums[k] = NO_NUMBER
        return
      }
      if ((v | 0) === v && v !== NO_NUMBER) {
        this.nums[k] = v
        return
      }
      this.widenNums()
    }
    this.nums[k] = v
  }

  private widenNums(): void {
    const wide = new Float64Array(this.nums.length)
    for (let k = 0; k < wide.length; k++) wide[k] = k % F_WORDS <= F_LAST_TIME_WORD ? this.time(k) : this.span(k)
    this.nums = wide
    this.numsWide = true
    if (!this.linesWide) this.lines = this.lines.slice()
  }

  /** Line word k (slot * L_WORDS + L_FIRST or L_LAST). */
  line(k: number): number {
    const v = this.lines[k]
    return v === NO_LINE && !this.linesWide ? Number.MAX_SAFE_INTEGER : v
  }

  setLine(k: number, v: number): void {
    if (!this.linesWide) {
      if (v === Number.MAX_SAFE_INTEGER) v = NO_LINE
      else if ((v | 0) !== v || v === NO_LINE) this.widen()
    }
    this.lines[k] = v
  }

  private widen(): void {
    const wide = new Float64Array(this.lines.length)
    for (let k = 0; k < wide.length; k++) wide[k] = this.line(k)
    this.lines = wide
    this.linesWide = true
    if (!this.numsWide) this.nums = this.nums.slice()
  }
}
