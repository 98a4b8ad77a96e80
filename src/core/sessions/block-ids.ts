import type {ByteKeys, ByteStrings} from './byte-keys.js'
import type {SessionIdSource} from './ids.js'

/**
 * A store's block ids (SessionIdSource): the keys of its lookups by bytes (as blockKey() makes
 * them), entry e the id of the session of order e (every block session is made with its key).
 * Once the store is finished, the keys are kept and the lookups may go.
 */
export class BlockIds implements SessionIdSource {
  private kept?: ByteStrings
  /** The store's lookups until keep() (never the store: its sessions, and results' ids, would keep it). */
  private lookups?: ByteKeys

  constructor(lookups: ByteKeys) {
    this.lookups = lookups
  }

  keep(): void {
    this.kept = this.lookups!.keys()
    this.lookups = undefined
  }

  at(order: number): string {
    return blockIdOf(this.kept !== undefined ? this.kept.view(order) : this.lookups!.keyBytes(order))
  }
}

/** First byte of a packed key (blockKey); never the first byte of another key. */
const PACKED = 0xff
/** First byte of a key kept as its bytes that would otherwise start with PACKED or ESCAPED. */
const ESCAPED = 0xfe
/** Nibble codes: '0'–'9' are 0–9, '-' is 10, and 15 fills the last byte of an odd count. */
const MINUS = 10
const FILL = 15
const PREFIX = [0x62, 0x6c, 0x6b, 0x5f] // blk_

/**
 * The key an id is looked up by, written to `out` (room for b - a + 1 bytes); returns its length.
 * An HDFS block id, `blk_` and a signed decimal, is its digits and sign as nibbles after a PACKED
 * byte: 11 or 12 bytes where its text takes 24 to 26 (a million blocks: 14 MB less). Any other
 * id is its bytes as they are (ESCAPED first when they start with PACKED or ESCAPED), so two
 * different ids never share a key.
 */
export function blockKey(buf: Uint8Array, a: number, b: number, out: Uint8Array): number {
  if (isBlockId(buf, a, b)) {
    out[0] = PACKED
    let n = 1
    for (let k = a + 4; k < b; k += 2) {
      const hi = code(buf[k])
      const lo = k + 1 < b ? code(buf[k + 1]) : FILL
      out[n++] = (hi << 4) | lo
    }
    return n
  }
  let n = 0
  if (b > a && buf[a] >= ESCAPED) out[n++] = ESCAPED
  for (let k = a; k < b; k++) out[n++] = buf[k]
  return n
}

/** Where blockIdOf() spells a packed id out (a string made of it is flat, not a rope of a piece a digit). */
let spelled = Buffer.alloc(64)

/** The id of a key blockKey() made. */
export function blockIdOf(key: Uint8Array): string {
  if (key.length === 0) return ''
  if (key[0] === ESCAPED) return Buffer.from(key.buffer, key.byteOffset + 1, key.length - 1).toString('latin1')
  if (key[0] !== PACKED) return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1')
  if (spelled.length < 2 * key.length + 4) spelled = Buffer.alloc(4 * key.length + 8)
  const out = spelled
  for (let k = 0; k < 4; k++) out[k] = PREFIX[k]
  let n = 4
  for (let k = 1; k < key.length; k++) {
    out[n++] = symbol(key[k] >> 4)
    if ((key[k] & 15) !== FILL) out[n++] = symbol(key[k] & 15)
  }
  return out.latin1Slice(0, n)
}

/** `blk_`, an optional minus, and one digit or more. */
function isBlockId(buf: Uint8Array, a: number, b: number): boolean {
  if (b - a < 5) return false
  for (let k = 0; k < 4; k++) if (buf[a + k] !== PREFIX[k]) return false
  let k = a + 4
  if (buf[k] === 0x2d) k++
  if (k === b) return false
  for (; k < b; k++) if (buf[k] < 0x30 || buf[k] > 0x39) return false
  return true
}

function code(byte: number): number {
  return byte === 0x2d ? MINUS : byte - 0x30
}

/** The byte of a nibble code. */
function symbol(nibble: number): number {
  return nibble === MINUS ? 0x2d : 0x30 + nibble
}
