import {widened} from '../templates/masking/classify.js'

/**
 * Where growing sessions keep their lists (templates as triples, transitions as pairs): blocks of
 * one Float64Array, handed out by size class and given back when a session is packed. A list kept
 * as a JS array per session lived just long enough to be copied twice by the young-generation
 * collector and then died in the old generation: at HDFS ×50, ~600 MB promoted for ~100 MB live.
 * Blocks are reused instead, and no collection ever walks them.
 *
 * A block of class c holds classWords(c) words, a multiple of 6 (a whole number of triples and of
 * pairs). A list of `len` words lives in a block of class classOf(len): its class follows from its
 * length, so a session stores only its block's offset and its list's length.
 */
export class GrowArena {
  data: Float64Array
  private used = 0
  /** Blocks handed out and not given back. */
  private live = 0
  /** Per class, the offsets of blocks given back. */
  private free: number[][] = []

  constructor(private readonly initialWords = 48) {
    this.data = new Float64Array(initialWords)
  }

  /** Words in use (free blocks included): what the arena has grown to. */
  get size(): number {
    return this.used
  }

  /**
   * Room for `more` words after the `len` words of the list at `at` (-1 when it has no block
   * yet): the list's offset, moved (its words copied, its old block given back) when its block is
   * full. Read `data` again after this call: it may be a new array.
   */
  room(at: number, len: number, more: number): number {
    const want = classOf(len + more)
    if (at >= 0 && classOf(len) === want) return at
    const to = this.take(want)
    if (at >= 0) {
      this.data.copyWithin(to, at, at + len)
      this.give(at, len)
    }
    return to
  }

  /** Gives back the block of a list of `len` words at `at` (none when at < 0). */
  give(at: number, len: number): void {
    if (at < 0) return
    if (--this.live === 0) {
      // No list left (every session packed, or every live one released): the room goes back.
      this.data = new Float64Array(this.initialWords)
      this.used = 0
      this.free = []
      return
    }
    const c = classOf(len)
    ;(this.free[c] ??= []).push(at)
  }

  private take(c: number): number {
    this.live++
    const free = this.free[c]
    if (free !== undefined && free.length > 0) return free.pop()!
    const words = classWords(c)
    if (this.used + words > this.data.length) {
      // Half again, not twice: the room it grows into is never more than a third of it.
      this.data = widened(this.data, Math.max(this.data.length + (this.data.length >> 1), this.used + words))
    }
    const at = this.used
    this.used += words
    return at
  }
}

/**
 * Words of a block of class c: 6, 12, 18, 24, 36, 48, 72, 96, ... (6 times 1, 2, 3, 4, 6, 8, 12,
 * 16, ...: each class half again or a third again the one before, so a list wastes at most a
 * third of its block, not half).
 */
export function classWords(c: number): number {
  if (c < 2) return 6 << c
  return c % 2 === 0 ? 18 << ((c - 2) >> 1) : 12 << ((c - 1) >> 1)
}

/** classOf() of the short lengths, looked up (room() asks twice for every entry a session appends). */
const SHORT_CLASS = Uint8Array.from({length: 1537}, (_, len) => classOfBySearch(Math.max(1, len)))

/** The size class of a list of `len` > 0 words: the least c with classWords(c) >= len. */
function classOf(len: number): number {
  return len < SHORT_CLASS.length ? SHORT_CLASS[len] : classOfBySearch(len)
}

function classOfBySearch(len: number): number {
  let c = 0
  while (classWords(c) < len) c++
  return c
}
