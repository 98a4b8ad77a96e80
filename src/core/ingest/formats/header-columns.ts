import {isDigit, skipSpaces, tokenEnd, trimmedEnd} from './format.js'

/**
 * A column of the header that the generic grammar cannot tell from the message on one line alone:
 * a host / node name or a numeric id (pid, thread, rank) written between the timestamp (and
 * whatever header the grammar did read) and the message. Decided per file from the detection
 * sample, so a message's first word that merely looks like a host is never taken for one.
 */
export type HeaderColumn = 'host' | 'id'

/** A host or node name: letters and digits (at least one of each) with `-`, `_`, `.` or `:`, not ending in `:`. */
export function hostLike(s: string, start: number, end: number): boolean {
  if (end - start < 2 || end - start > 64 || s.charCodeAt(end - 1) === 58) return false
  let letters = 0
  let digits = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if ((c | 32) >= 97 && (c | 32) <= 122) letters++
    else if (isDigit(c)) digits++
    else if (c !== 45 && c !== 95 && c !== 46 && c !== 58) return false
  }
  return letters > 0 && digits > 0
}

export function allDigits(s: string, start: number, end: number): boolean {
  if (end <= start || end - start > 10) return false
  for (let i = start; i < end; i++) if (!isDigit(s.charCodeAt(i))) return false
  return true
}

/** A pid, tid or flag column: digits with an optional minus sign. */
export function headerInt(s: string, start: number, end: number): boolean {
  return s.charCodeAt(start) === 45 ? allDigits(s, start + 1, end) : allDigits(s, start, end)
}

/**
 * A host-like token that is rather a per-event id: a run of 6+ digits (block ids, counters) or of
 * 8+ hex characters with a digit among them (uuids, hashes, request ids).
 */
function idLike(s: string, start: number, end: number): boolean {
  let digitRun = 0
  let hexRun = 0
  let hexDigit = false
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    const digit = isDigit(c)
    const hex = digit || ((c | 32) >= 97 && (c | 32) <= 102)
    digitRun = digit ? digitRun + 1 : 0
    if (hex) {
      hexDigit = hexRun === 0 ? digit : hexDigit || digit
      hexRun++
    } else hexRun = 0
    if (digitRun >= 6 || (hexRun >= 8 && hexDigit)) return true
  }
  return false
}

/** A token of a host column on one line. */
export function hostColumnToken(s: string, start: number, end: number): boolean {
  return hostLike(s, start, end) && !idLike(s, start, end)
}

/** Fewest timed sample lines a column is decided from: on fewer, any shape could be chance. */
const MIN_LINES = 10
/** Share of the timed sample lines whose token at a column's position must have its shape. */
const SHARE = 0.9
/**
 * Distinct values a column may take, as a share of the lines: hosts and nodes recur (BGL's node
 * column has ~0.65 in 200 lines), per-event ids do not; numeric ids (pids, ranks) recur more.
 */
const HOST_DISTINCT = 0.8
const ID_DISTINCT = 0.5
/** Columns looked at: a host and up to two numeric ids. */
const MAX_COLUMNS = 3

/**
 * The header columns at the start of the contents the generic grammar left (one per timed sample
 * line): position k is a host column when ≥ 90% of the lines have a host-like token there
 * followed by more text, with bounded cardinality; likewise a numeric column. Columns are read in
 * order and the first position that is neither ends them; at most one host column.
 */
export function sniffHeaderColumns(contents: readonly string[]): HeaderColumn[] {
  const n = contents.length
  if (n < MIN_LINES) return []
  const pos = contents.map(() => 0)
  const columns: HeaderColumn[] = []
  for (let k = 0; k < MAX_COLUMNS; k++) {
    const hosts = new Map<string, number>()
    const ids = new Map<string, number>()
    let hostLines = 0
    let idLines = 0
    for (let i = 0; i < n; i++) {
      const s = contents[i]
      const p = pos[i]
      if (p < 0) continue
      const e = tokenEnd(s, p)
      if (e === p || skipSpaces(s, e) >= trimmedEnd(s)) continue // a column is followed by a message
      const word = s.slice(p, e)
      if (hostColumnToken(s, p, e)) {
        hostLines++
        hosts.set(word, 1)
      } else if (headerInt(s, p, e)) {
        idLines++
        ids.set(word, 1)
      }
    }
    let column: HeaderColumn | undefined
    if (!columns.includes('host') && hostLines >= SHARE * n && hosts.size <= HOST_DISTINCT * n) column = 'host'
    else if (idLines >= SHARE * n && ids.size <= ID_DISTINCT * n) column = 'id'
    if (!column) break
    columns.push(column)
    for (let i = 0; i < n; i++) {
      const s = contents[i]
      const p = pos[i]
      if (p < 0) continue
      const e = tokenEnd(s, p)
      pos[i] = columnFits(column, s, p, e, trimmedEnd(s)) ? skipSpaces(s, e) : -1
    }
  }
  return columns
}

/** The token s[p, e) fits the column on this line (and a message follows it). */
export function columnFits(column: HeaderColumn, s: string, p: number, e: number, end: number): boolean {
  if (e === p || skipSpaces(s, e) >= end) return false
  return column === 'host' ? hostColumnToken(s, p, e) : headerInt(s, p, e)
}
