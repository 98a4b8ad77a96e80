/**
 * Partial sessions: what the lines of one region add to each session they name, summed up where
 * the region was mined (a worker thread), so that the main thread merges a few numbers per
 * (session, region) instead of adding every line (Session.merge; SessionStore.addPartials).
 * Merged in region order, they give the sessions adding the lines one by one gives: the same
 * numbers, templates and transitions in the same order (see Session.merge for why).
 *
 * Built from a region's line events (fast-events.ts), as Float64 numbers:
 *   header: records, records without a block id, ordinals (clusters met), blocks, last record's line,
 *     records without a block id at ERROR level or worse;
 *   per cluster ordinal: level code of its first line, component start, end (-1: none), worst level
 *     code (first of the highest rank; -1: none), lines;
 *   per block: id start, end (byte offsets in the region);
 *   per block, in number order (first appearance): PARTIAL_HEAD numbers (see the P_ offsets), then
 *     per template [ordinal, count, first line] in order of first appearance, then per transition
 *     [from ordinal, to ordinal, count] in order of first appearance.
 * Lines are line indices in the region (the reader adds the region's first line id); times epoch ms.
 */
import {hdfsTime} from '../ingest/formats/hdfs.js'
import {EVENT_HEAD} from '../mining/fast-events.js'
import {CANONICAL_LEVELS, LEVEL_RANK, levelClass} from '../severity.js'
import {widened} from '../templates/masking/classify.js'

export const PARTIALS_HEAD = 6
/** Header offset: records without a block id at ERROR level or worse. */
export const PARTIALS_UNASSIGNED_ERRORS = 5
export const ORDINAL_WORDS = 5
/** Offsets in a block's partial. */
export const P_EVENTS = 0
export const P_ERRORS = 1
export const P_WARNINGS = 2
export const P_FIRST_LINE = 3
export const P_LAST_LINE = 4
/** Least and greatest time (NaN: no timestamp). */
export const P_MIN_TIME = 5
export const P_MAX_TIME = 6
/** The first and the last timestamp in line order (the gaps to the sessions's lines before and after). */
export const P_SEQ_FIRST_TIME = 7
export const P_SEQ_LAST_TIME = 8
export const P_GAP_SUM = 9
export const P_GAP_MAX = 10
export const P_GAPS = 11
export const P_FIRST_ORDINAL = 12
export const P_LAST_ORDINAL = 13
export const P_TEMPLATES = 14
export const P_TRANSITIONS = 15
export const PARTIAL_HEAD = 16


/** Level codes (indices into CANONICAL_LEVELS; 15: none) → levelClass, 0 past the table. */
const LEVEL_CLASS = Int8Array.from({length: 16}, (_, code) => (code < CANONICAL_LEVELS.length ? levelClass(CANONICAL_LEVELS[code]) : 0))
const RANK = Int8Array.from({length: 16}, (_, code) => (code < CANONICAL_LEVELS.length ? LEVEL_RANK[CANONICAL_LEVELS[code]] : -1))

/** Scratch arrays, grown as needed and kept from region to region. */
let recPos = new Int32Array(8192)
let recTime = new Float64Array(8192)
let refCount = new Int32Array(1024)
let refLines = new Int32Array(8192)
let tpl = new Int32Array(384)
let trn = new Int32Array(384)

/** `a`, or an empty one with room for n (its contents are not kept). */
function room32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  return n <= a.length ? a : new Int32Array(Math.max(n, 2 * a.length))
}

/**
 * Writes the partial sessions of a region's `count` words of line events with `blocks` distinct
 * block ids into `out` from 0; returns the numbers written, or -1 when they do not fit.
 */
export function writePartials(words: Int32Array, count: number, blocks: number, out: Float64Array): number {
  const table = count - 2 * blocks
  let records = 0
  for (let p = 0; p < table; p += EVENT_HEAD + words[p + 6]) records++
  if (records > recPos.length) {
    recPos = room32(recPos, records)
    recTime = new Float64Array(recPos.length)
  }
  refCount = room32(refCount, blocks + 1)
  refCount.fill(0, 0, blocks + 1)
  // Pass 1: where each record is, its time, how many lines name each block; and the ordinals.
  let ordinals = 0
  let unassigned = 0
  let unassignedErrors = 0
  let refs = 0
  let r = 0
  for (let p = 0; p < table; p += EVENT_HEAD + words[p + 6]) {
    recPos[r] = p
    recTime[r] = hdfsTime(words[p + 2], words[p + 3])
    const o = words[p + 1] >> 4
    if (o >= ordinals) ordinals = o + 1
    const nb = words[p + 6]
    if (nb === 0) {
      unassigned++
      if (LEVEL_CLASS[words[p + 1] & 15] === 2) unassignedErrors++
    }
    for (let b = 0; b < nb; b++) refCount[words[p + EVENT_HEAD + b] + 1]++
    refs += nb
    r++
  }
  let at = PARTIALS_HEAD + ORDINAL_WORDS * ordinals + 2 * blocks
  if (at > out.length) return -1
  out[0] = records
  out[1] = unassigned
  out[2] = ordinals
  out[3] = blocks
  out[4] = records === 0 ? -1 : words[recPos[records - 1]]
  out[PARTIALS_UNASSIGNED_ERRORS] = unassignedErrors
  const meta = PARTIALS_HEAD
  for (let o = 0; o < ordinals; o++) out[meta + ORDINAL_WORDS * o + 4] = 0
  for (let i = 0; i < records; i++) {
    const p = recPos[i]
    const tl = words[p + 1]
    const m = meta + ORDINAL_WORDS * (tl >> 4)
    const level = tl & 15
    if (out[m + 4]++ === 0) {
      out[m] = level
      out[m + 1] = words[p + 4]
      out[m + 2] = words[p + 5]
      out[m + 3] = -1
    }
    // As the run keeps a template's level: the first of the highest rank.
    if (RANK[level] >= 0 && (out[m + 3] < 0 || RANK[level] > RANK[out[m + 3]])) out[m + 3] = level
  }
  const ids = meta + ORDINAL_WORDS * ordinals
  for (let d = 0, q = table; d < blocks; d++, q += 2) {
    out[ids + 2 * d] = words[q]
    out[ids + 2 * d + 1] = words[q + 1]
  }
  // Pass 2: each block's records, in line order (counting sort by block).
  for (let d = 0; d < blocks; d++) refCount[d + 1] += refCount[d]
  refLines = room32(refLines, refs)
  for (let i = 0; i < records; i++) {
    const p = recPos[i]
    const nb = words[p + 6]
    for (let b = 0; b < nb; b++) refLines[refCount[words[p + EVENT_HEAD + b]]++] = i
  }
  // (refCount[d] is now where block d's records end.)
  for (let d = 0; d < blocks; d++) {
    const from = d === 0 ? 0 : refCount[d - 1]
    const to = refCount[d]
    let errors = 0
    let warnings = 0
    let minTime = Number.NaN
    let maxTime = Number.NaN
    let seqFirst = Number.NaN
    let prevTime = Number.NaN
    let gapSum = 0
    let gapMax = 0
    let gaps = 0
    let prev = -1
    let nt = 0
    let ntr = 0
    for (let k = from; k < to; k++) {
      const i = refLines[k]
      const p = recPos[i]
      const tl = words[p + 1]
      const o = tl >> 4
      let found = false
      for (let j = 0; j < nt; j += 3) {
        if (tpl[j] === o) {
          tpl[j + 1]++
          found = true
          break
        }
      }
      if (!found) {
        if (nt + 3 > tpl.length) tpl = widened(tpl, Math.max(nt + 3, 2 * tpl.length))
        tpl[nt] = o
        tpl[nt + 1] = 1
        tpl[nt + 2] = words[p]
        nt += 3
      }
      if (prev >= 0) {
        let seen = false
        for (let j = 0; j < ntr; j += 3) {
          if (trn[j] === prev && trn[j + 1] === o) {
            trn[j + 2]++
            seen = true
            break
          }
        }
        if (!seen) {
          if (ntr + 3 > trn.length) trn = widened(trn, Math.max(ntr + 3, 2 * trn.length))
          trn[ntr] = prev
          trn[ntr + 1] = o
          trn[ntr + 2] = 1
          ntr += 3
        }
      }
      prev = o
      const c = LEVEL_CLASS[tl & 15]
      if (c === 2) errors++
      else if (c === 1) warnings++
      const time = recTime[i]
      if (Number.isFinite(time)) {
        if (Number.isNaN(minTime) || time < minTime) minTime = time
        if (Number.isNaN(maxTime) || time > maxTime) maxTime = time
        if (Number.isNaN(prevTime)) seqFirst = time
        else {
          const gap = Math.max(0, time - prevTime)
          gapSum += gap
          gaps++
          if (gap > gapMax) gapMax = gap
        }
        prevTime = time
      }
    }
    if (at + PARTIAL_HEAD + nt + ntr > out.length) return -1
    out[at + P_EVENTS] = to - from
    out[at + P_ERRORS] = errors
    out[at + P_WARNINGS] = warnings
    out[at + P_FIRST_LINE] = words[recPos[refLines[from]]]
    out[at + P_LAST_LINE] = words[recPos[refLines[to - 1]]]
    out[at + P_MIN_TIME] = minTime
    out[at + P_MAX_TIME] = maxTime
    out[at + P_SEQ_FIRST_TIME] = seqFirst
    out[at + P_SEQ_LAST_TIME] = prevTime
    out[at + P_GAP_SUM] = gapSum
    out[at + P_GAP_MAX] = gapMax
    out[at + P_GAPS] = gaps
    out[at + P_FIRST_ORDINAL] = words[recPos[refLines[from]] + 1] >> 4
    out[at + P_LAST_ORDINAL] = prev
    out[at + P_TEMPLATES] = nt / 3
    out[at + P_TRANSITIONS] = ntr / 3
    at += PARTIAL_HEAD
    for (let j = 0; j < nt; j++) out[at++] = tpl[j]
    for (let j = 0; j < ntr; j++) out[at++] = trn[j]
  }
  return at
}

/**
 * True when the region's ordinals 0..n-1 name n different templates (index). Two clusters of one
 * template (the miner keeps a template's token-length variants apart) make it false: a partial's
 * lists, distinct by ordinal, may then repeat a template.
 */
export function oneToOne(index: Int32Array, n: number): boolean {
  for (let a = 1; a < n; a++) for (let b = 0; b < a; b++) if (index[a] === index[b]) return false
  return true
}
