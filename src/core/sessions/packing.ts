/** Packing sessions (session.ts) into shared profiles and bytes of first lines. */
import {ProfileTable} from './profiles.js'
import type {Session} from './session.js'

/**
 * Where packed sessions keep their numbers (packSessions): the table of distinct profiles, and
 * the first line of each template of each session packed at once, as varints (writeVarint): each
 * the step from the one before (the session's first line before its first), a byte or two for
 * most where an Int32 takes four.
 */
export class PackedBatch {
  constructor(
    readonly profiles: ProfileTable,
    readonly lines: Uint8Array,
  ) {}
}

/**
 * Packs the sessions: their templates and transitions become profiles of `profiles` (each
 * distinct one stored once), their first lines one array of bytes. A plain array costs 8 bytes an
 * element plus its headers, and hundreds of thousands of them are objects every collection walks.
 */
export function packSessions(list: Iterable<Session>, profiles: ProfileTable = new ProfileTable()): void {
  let growing = 0
  let bytes = 0
  for (const s of list) {
    if (s.isPacked) continue
    growing++
    bytes += s.packedLineBytes
  }
  if (growing === 0) return
  const batch = new PackedBatch(profiles, new Uint8Array(bytes))
  let at = 0
  for (const s of list) at += s.packWith(batch, at)
}

/**
 * A step between two line ids as an unsigned number: zigzag (0, -1, 1, -2 … as 0, 1, 2, 3 …), so
 * a step back (never made by a log read in order) still fits. Exact for line ids below 2^51 (the
 * zigzag of a step doubles it; a stream of a million lines a second reaches 2^51 in 70 years).
 */
export function zigzag(step: number): number {
  return step >= 0 ? 2 * step : -2 * step - 1
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2
}

/** Bytes of `n` (a whole number ≥ 0 below 2^53) as a varint: 7 bits a byte, low ones first. */
export function varintBytes(n: number): number {
  let b = 1
  for (; n >= 128; b++) n = Math.floor(n / 128)
  return b
}

/** Writes `n` as a varint at out[at]; returns where the next one goes. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  for (; n >= 128; n = Math.floor(n / 128)) out[at++] = (n % 128) | 128
  out[at++] = n
  return at
}

/** Where readVarint() leaves the number it read (`value`) and the offset after it (`next`). */
export const VARINT = {value: 0, next: 0}

/** Reads the varint at bytes[at] into VARINT. */
export function readVarint(bytes: Uint8Array, at: number): void {
  let n = 0
  let scale = 1
  let b: number
  do {
    b = bytes[at++]
    n += (b & 127) * scale
    scale *= 128
  } while (b & 128)
  VARINT.value = n
  VARINT.next = at
}
