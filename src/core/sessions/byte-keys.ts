import {widened} from '../templates/masking/classify.js'

/**
 * Byte strings (session ids as they lie in a read buffer, or a store's keys of them) numbered in
 * the order they were added: a line's id is looked up without making a string of it, so a run of millions of lines over a
 * few hundred thousand sessions allocates per session, not per line. Open addressing, keys copied
 * into one arena. What a key stands for is the caller's, by its entry (a session store's list, a
 * region's block numbers): no value is kept per key.
 */
export class ByteKeys {
  /**
   * Open addressing, two numbers a slot: the key's hash, and its entry (-1: empty). A probe reads
   * the hash beside the entry, and an entry's key range (bounds) lies in one place: a lookup in a
   * map of hundreds of thousands of keys touches few cache lines. Up to three slots in four are
   * used before the slots double (linear probing with the hashes beside the entries: a lookup
   * that finds its key reads ~2.5 slots, most often in one cache line): 11 to 21 bytes of slots a
   * key, not 16 to 32 as at one in two.
   */
  private slots: Int32Array
  /**
   * Entry e's key is arena[bounds[e], bounds[e + 1]): keys lie end to end in the arena, so one
   * number a key bounds it.
   */
  private bounds: Int32Array
  private arena: Uint8Array
  private used = 0
  private count = 0
  /** Set by keys(): the bytes are shared, and clear() would rewrite them. */
  private given = false

  /**
   * `expected`: about how many keys of about `keyBytes` bytes will be added (room made at once, not
   * by doubling); `arenaBytes`, when known, bounds all their bytes (a label file's size).
   */
  constructor(expected = 2048, keyBytes = 8, arenaBytes?: number) {
    const slots = Math.max(4096, 2 ** Math.ceil(Math.log2((4 * expected) / 3)))
    this.slots = ByteKeys.emptySlots(slots)
    this.bounds = new Int32Array(Math.max(2048, expected) + 1)
    this.arena = new Uint8Array(Math.max(1 << 14, arenaBytes ?? expected * keyBytes))
  }

  private static emptySlots(n: number): Int32Array {
    const slots = new Int32Array(2 * n)
    for (let s = 1; s < slots.length; s += 2) slots[s] = -1
    return slots
  }

  get size(): number {
    return this.count
  }

  /**
   * Gives back the room made for keys that never came (a table sized from a guess, once full):
   * the key arena and the bounds shrink to what the keys use.
   */
  trim(): void {
    if (this.arena.length > this.used) this.arena = this.arena.slice(0, this.used)
    const bounds = this.count + 1
    if (this.bounds.length > bounds) this.bounds = this.bounds.slice(0, bounds)
  }

  /** Forgets every key (keeping the room; not once keys() has handed them out). */
  clear(): void {
    if (this.given) throw new Error('ByteKeys.clear() after keys(): the keys handed out would change')
    for (let s = 1; s < this.slots.length; s += 2) this.slots[s] = -1
    this.count = 0
    this.used = 0
  }

  /** The bytes of the key added e-th (0-based), as a range of `arena`. */
  keyStart(e: number): number {
    return this.bounds[e]
  }

  keyEnd(e: number): number {
    return this.bounds[e + 1]
  }

  /** The key added e-th (0-based), as a view of the arena (valid until the next key is added, or trim()). */
  keyBytes(e: number): Uint8Array {
    return this.arena.subarray(this.bounds[e], this.bounds[e + 1])
  }

  /**
   * The keys, in the order they were added, for when the lookups are no longer needed: the
   * arena and bounds shared with this map (keys it takes later leave these as they are; clear()
   * is refused). Not trimmed: a copy would be made when memory is at its highest (a read's end),
   * and the room left is at most a third (both grow half again).
   */
  keys(): ByteStrings {
    this.given = true
    return new ByteStrings(this.arena, this.bounds, this.count)
  }

  /** The entry of key buf[a, b), or -1. */
  entryOf(buf: Uint8Array, a: number, b: number): number {
    return this.find(buf, a, b, hashBytes(buf, a, b))
  }

  /** Adds a key that entryOf() did not find: its entry (the size before). */
  add(buf: Uint8Array, a: number, b: number): number {
    return this.insert(buf, a, b, hashBytes(buf, a, b))
  }

  /** The key's entry, the key added when absent (one hash): a new key's entry is the size before. */
  entryOrAdd(buf: Uint8Array, a: number, b: number): number {
    const h = hashBytes(buf, a, b)
    const e = this.find(buf, a, b, h)
    return e >= 0 ? e : this.insert(buf, a, b, h)
  }

  /**
   * How well the hash spreads the keys: the table's load and the mean number of slots a lookup of
   * a present key visits (linear probing expects about (1 + 1 / (1 - load)) / 2).
   */
  probeStats(): {load: number; meanProbes: number} {
    const slots = this.slots
    const mask = (slots.length >> 1) - 1
    let probes = 0
    for (let s = 0; s <= mask; s++) {
      if (slots[2 * s + 1] < 0) continue
      probes += ((s - (slots[2 * s] & mask)) & mask) + 1
    }
    const n = this.count
    return {load: n / (mask + 1), meanProbes: n === 0 ? 0 : probes / n}
  }

  /** The entry of key buf[a, b) with hash h, or -1. */
  private find(buf: Uint8Array, a: number, b: number, h: number): number {
    const slots = this.slots
    const mask = (slots.length >> 1) - 1
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[2 * s + 1]
      if (e < 0) return -1
      if (slots[2 * s] === h && this.equals(e, buf, a, b)) return e
    }
  }

  /** Adds key buf[a, b) of hash h: its entry. */
  private insert(buf: Uint8Array, a: number, b: number, h: number): number {
    const e = this.count
    if (e + 2 > this.bounds.length) {
      // Half again, not twice: a map of a million keys grows by a few MB at a time.
      this.bounds = widened(this.bounds, Math.max(this.bounds.length + (this.bounds.length >> 1), 4096))
    }
    if (4 * (e + 1) > 3 * (this.slots.length >> 1)) this.rehash()
    const n = b - a
    if (this.used + n > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length + (this.arena.length >> 1), this.used + n))
      arena.set(this.arena.subarray(0, this.used))
      this.arena = arena
    }
    const arena = this.arena
    const at = this.used
    // a loop, not arena.set(buf.subarray(a, b)): ids are short, and subarray allocates a view
    for (let i = 0; i < n; i++) arena[at + i] = buf[a + i]
    this.bounds[e] = at
    this.bounds[e + 1] = at + n
    this.used += n
    this.count = e + 1
    this.place(this.slots, e, h)
    return e
  }

  private equals(e: number, buf: Uint8Array, a: number, b: number): boolean {
    const s = this.bounds[e]
    const n = b - a
    if (this.bounds[e + 1] - s !== n) return false
    const arena = this.arena
    let i = 0
    // Four bytes a comparison: a lookup that finds its key compares all of them.
    for (; i + 4 <= n; i += 4) if (arenaWord(arena, s + i) !== word(buf, a + i)) return false
    for (; i < n; i++) if (arena[s + i] !== buf[a + i]) return false
    return true
  }

  private place(slots: Int32Array, e: number, h: number): void {
    const mask = (slots.length >> 1) - 1
    let s = h & mask
    while (slots[2 * s + 1] >= 0) s = (s + 1) & mask
    slots[2 * s] = h
    slots[2 * s + 1] = e
  }

  private rehash(): void {
    const old = this.slots
    const slots = ByteKeys.emptySlots(old.length) // (twice the slots: two numbers each)
    for (let s = 1; s < old.length; s += 2) if (old[s] >= 0) this.place(slots, old[s], old[s - 1])
    this.slots = slots
  }
}

/** ByteKeys with a value per key (a label file's labels by id). */
export class ByteKeyMap<V> extends ByteKeys {
  private readonly values: V[] = []

  override clear(): void {
    super.clear()
    this.values.length = 0
  }

  /** The value of the key added e-th (0-based). */
  valueAt(e: number): V {
    return this.values[e]
  }

  get(buf: Uint8Array, a: number, b: number): V | undefined {
    const e = this.entryOf(buf, a, b)
    return e < 0 ? undefined : this.values[e]
  }

  /** Adds a key that get() did not find. */
  set(buf: Uint8Array, a: number, b: number, value: V): void {
    this.add(buf, a, b)
    this.values.push(value)
  }

  /** The key's value if it has one; otherwise adds the key with `value` and returns undefined (one hash). */
  setIfAbsent(buf: Uint8Array, a: number, b: number, value: V): V | undefined {
    const n = this.size
    const e = this.entryOrAdd(buf, a, b)
    if (e < n) return this.values[e]
    this.values.push(value)
    return undefined
  }
}

/** The four bytes at buf[i] as a little-endian int32 (ids where they lie: a read buffer, often shared memory). */
function word(buf: Uint8Array, i: number): number {
  return buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)
}

/**
 * word() of the key arena: the same code, kept apart so that each sees one kind of array (V8
 * optimises a load for the kinds it has met; one function for both met two and ran slower).
 */
function arenaWord(arena: Uint8Array, i: number): number {
  return arena[i] | (arena[i + 1] << 8) | (arena[i + 2] << 16) | (arena[i + 3] << 24)
}

/**
 * A hash of buf[a, b) taken four bytes at a time (a multiply and a shift each: ids are hashed once
 * per line, and a byte at a time cost twice as much), the rest byte by byte, then mixed so that the
 * low bits (the slot) depend on every byte. Probe lengths measured on sequential, hex, IPv4 and
 * HDFS ids match a byte-wise FNV-1a's.
 */
function hashBytes(buf: Uint8Array, a: number, b: number): number {
  let h = 0x811c9dc5 ^ (b - a)
  let i = a
  for (; i + 4 <= b; i += 4) {
    h = Math.imul(h ^ word(buf, i), 0x9e3779b1)
    h ^= h >>> 16
  }
  for (; i < b; i++) h = Math.imul(h ^ buf[i], 0x01000193)
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  return (h ^ (h >>> 13)) & 0x7fffffff
}

/**
 * Byte strings end to end in one arena, the e-th at arena[bounds[e], bounds[e + 1]): a map's keys
 * once it is done looking them up (ByteKeys.keys), read as latin1 text. Half a million session
 * ids kept this way cost their bytes and 4 bytes each; as strings, ~48 bytes each on the heap.
 */
export class ByteStrings {
  private readonly text: Buffer

  constructor(
    arena: Uint8Array,
    private readonly bounds: Int32Array,
    readonly size: number,
  ) {
    this.text = Buffer.from(arena.buffer, arena.byteOffset, arena.length)
  }

  /** The e-th string's bytes (0 <= e < size), a view. */
  view(e: number): Uint8Array {
    return this.text.subarray(this.bounds[e], this.bounds[e + 1])
  }

  /** The e-th string (0 <= e < size), made at each call. */
  at(e: number): string {
    return this.text.latin1Slice(this.bounds[e], this.bounds[e + 1])
  }
}
