/**
 * A hash map keyed by byte strings (session ids as they lie in a read buffer): a line's id is
 * looked up without making a string of it, so a run of millions of lines over a few hundred
 * thousand sessions allocates per session, not per line. Open addressing, keys copied into one
 * arena.
 */
export class ByteKeyMap<V> {
  private slots = new Int32Array(1 << 12).fill(-1)
  private hashes = new Int32Array(1 << 10)
  private starts = new Int32Array(1 << 10)
  private ends = new Int32Array(1 << 10)
  private arena = new Uint8Array(1 << 14)
  private used = 0
  private readonly values: V[] = []

  get size(): number {
    return this.values.length
  }

  /** Forgets every key (keeping the room). */
  clear(): void {
    this.slots.fill(-1)
    this.values.length = 0
    this.used = 0
  }

  /** The bytes of the key added e-th (0-based), as a range of `arena`. */
  keyStart(e: number): number {
    return this.starts[e]
  }

  keyEnd(e: number): number {
    return this.ends[e]
  }

  /** The key added e-th (0-based), as a view of the arena (valid until the next set()). */
  keyBytes(e: number): Uint8Array {
    return this.arena.subarray(this.starts[e], this.ends[e])
  }

  /** The value of the key added e-th (0-based). */
  valueAt(e: number): V {
    return this.values[e]
  }

  get(buf: Uint8Array, a: number, b: number): V | undefined {
    const h = hashBytes(buf, a, b)
    const mask = this.slots.length - 1
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]
      if (e < 0) return undefined
      if (this.hashes[e] === h && this.equals(e, buf, a, b)) return this.values[e]
    }
  }

  /** Adds a key that get() did not find. */
  set(buf: Uint8Array, a: number, b: number, value: V): void {
    const e = this.values.length
    if (e >= this.hashes.length) this.growEntries()
    if (2 * (e + 1) > this.slots.length) this.rehash()
    const n = b - a
    if (this.used + n > this.arena.length) {
      const arena = new Uint8Array(Math.max(2 * this.arena.length, this.used + n))
      arena.set(this.arena.subarray(0, this.used))
      this.arena = arena
    }
    this.arena.set(buf.subarray(a, b), this.used)
    this.starts[e] = this.used
    this.ends[e] = this.used + n
    this.used += n
    const h = hashBytes(buf, a, b)
    this.hashes[e] = h
    this.values.push(value)
    this.place(e, h)
  }

  private equals(e: number, buf: Uint8Array, a: number, b: number): boolean {
    const s = this.starts[e]
    if (this.ends[e] - s !== b - a) return false
    const arena = this.arena
    for (let i = 0; i < b - a; i++) if (arena[s + i] !== buf[a + i]) return false
    return true
  }

  private place(e: number, h: number): void {
    const mask = this.slots.length - 1
    let s = h & mask
    while (this.slots[s] >= 0) s = (s + 1) & mask
    this.slots[s] = e
  }

  private growEntries(): void {
    const n = this.hashes.length * 2
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n)
      b.set(a)
      return b
    }
    this.hashes = grow(this.hashes)
    this.starts = grow(this.starts)
    this.ends = grow(this.ends)
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1)
    for (let e = 0; e < this.values.length; e++) this.place(e, this.hashes[e])
  }
}

/** FNV-1a over buf[a, b), mixed so that the low bits (the slot) depend on every byte. */
function hashBytes(buf: Uint8Array, a: number, b: number): number {
  let h = 0x811c9dc5
  for (let i = a; i < b; i++) h = Math.imul(h ^ buf[i], 0x01000193)
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  return (h ^ (h >>> 13)) & 0x7fffffff
}
