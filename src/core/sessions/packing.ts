/** Packing sessions (session.ts) into shared profiles and typed arrays of first lines. */
import {ProfileTable} from './profiles.js'
import type {Session} from './session.js'

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
 * Packs the sessions: their templates and transitions become profiles of `profiles` (each
 * distinct one stored once), their first lines one typed array. A plain array costs 8 bytes an
 * element plus its headers, and hundreds of thousands of them are objects every collection walks.
 */
export function packSessions(list: Iterable<Session>, profiles: ProfileTable = new ProfileTable()): void {
  let growing = 0
  let total = 0
  let fits = true
  for (const s of list) {
    if (s.isPacked) continue
    growing++
    total += s.templateCount
    if (fits) fits = s.linesFitInt32
  }
  if (growing === 0) return
  const batch = new PackedBatch(profiles, fits ? new Int32Array(total) : new Float64Array(total))
  let at = 0
  for (const s of list) at += s.packWith(batch, at)
}
