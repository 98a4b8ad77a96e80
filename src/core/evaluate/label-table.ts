import {ByteKeyMap} from '../sessions/byte-keys.js'

/** What evaluation reads of labels (a Map<string, boolean> is one too). */
export interface LabelLookup {
  get(id: string): boolean | undefined
  readonly size: number
}

/**
 * Session id → anomalous?, as read from a label file. A label file has a row per session (1.15M
 * at HDFS ×100) and is held for the whole run: a Map of strings costs ~110 bytes a row, this
 * ~50 (the ids' bytes in one arena, ByteKeyMap). Iterates [id, label] in file order, like a Map.
 */
export class LabelTable implements LabelLookup, Iterable<[string, boolean]> {
  private readonly map: ByteKeyMap<boolean>
  private scratch = Buffer.allocUnsafe(256)

  /**
   * `expectedRows`: room made at once (a label file's size says about how many rows it has);
   * `idBytes`: a bound on all the ids' bytes (the file's size), so their arena is made once too.
   */
  constructor(expectedRows?: number, idBytes?: number) {
    this.map = new ByteKeyMap<boolean>(expectedRows, 24, idBytes)
  }

  get size(): number {
    return this.map.size
  }

  /** Every row is in: the room made from the file's size for the ids shrinks to theirs. */
  trim(): void {
    this.map.trim()
  }

  get(id: string): boolean | undefined {
    const n = this.encode(id) // first: it may replace the scratch buffer
    return this.map.get(this.scratch, 0, n)
  }

  /** Adds an id that get() did not find. */
  add(id: string, label: boolean): void {
    const n = this.encode(id)
    this.map.set(this.scratch, 0, n, label)
  }

  /** The label of the id with these UTF-8 bytes if it has one; otherwise adds it with `label` and returns undefined. */
  addBytesIfAbsent(buf: Uint8Array, a: number, b: number, label: boolean): boolean | undefined {
    return this.map.setIfAbsent(buf, a, b, label)
  }

  *entries(): IterableIterator<[string, boolean]> {
    for (let e = 0; e < this.map.size; e++) {
      const key = this.map.keyBytes(e)
      yield [Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8'), this.map.valueAt(e)]
    }
  }

  [Symbol.iterator](): IterableIterator<[string, boolean]> {
    return this.entries()
  }

  /** `id` as UTF-8 in the scratch buffer; its length in bytes. */
  private encode(id: string): number {
    // a UTF-16 code unit is at most 3 bytes of UTF-8
    if (3 * id.length > this.scratch.length) this.scratch = Buffer.allocUnsafe(3 * id.length)
    // ASCII (session ids nearly always are) byte by byte: a native write per id cost more than the lookup.
    const scratch = this.scratch
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i)
      if (c >= 128) return scratch.write(id, 'utf8')
      scratch[i] = c
    }
    return id.length
  }
}
