import type {LogRecord} from '../record.js'
import {blockIds} from '../session-keys.js'
import {levelAt, type LogFormat} from './format.js'

/**
 * HDFS (Hadoop 0.x DataNode / NameNode, the HDFS_v1 benchmark):
 * `081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating`
 * date (YYMMDD), time (HHMMSS), pid, level, component, content. Times are read as UTC.
 * Session keys: every distinct block id in the line (kind 'block').
 */
export const hdfsFormat: LogFormat = {
  name: 'hdfs',
  description: 'HDFS / Hadoop 0.x: "081109 203615 148 INFO dfs.DataNode$PacketResponder: msg", sessions by block id',
  specificity: 3,
  parseChecksMatch: true,
  matches,
  parse,
}

/** Value of the six digits at i, or -1. */
function six(s: string, i: number): number {
  let v = 0
  for (let k = i; k < i + 6; k++) {
    const c = s.charCodeAt(k) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

function matches(line: string): boolean {
  if (line.length < 19 || line.charCodeAt(6) !== 32 || line.charCodeAt(13) !== 32 || six(line, 0) < 0 || six(line, 7) < 0) return false
  const pidEnd = line.indexOf(' ', 14)
  if (pidEnd < 0) return false
  const levelEnd = line.indexOf(' ', pidEnd + 1)
  return levelEnd > 0 && levelAt(line, pidEnd + 1, levelEnd) !== undefined
}

// One-entry cache: consecutive lines nearly always share the date.
let cachedDate = -1
let cachedDayMs = 0

/** Epoch ms of an HDFS line's date (YYMMDD) and time (HHMMSS) digits, read as UTC. */
export function hdfsTime(date: number, time: number): number {
  if (date !== cachedDate) {
    cachedDate = date
    cachedDayMs = Date.UTC(2000 + ((date / 10000) | 0), (((date / 100) | 0) % 100) - 1, date % 100)
  }
  return cachedDayMs + (((time / 10000) | 0) * 3600 + (((time / 100) | 0) % 100) * 60 + (time % 100)) * 1000
}

function parse(line: string, lineId: number): LogRecord | null {
  if (line.length < 19 || line.charCodeAt(6) !== 32 || line.charCodeAt(13) !== 32) return null
  const date = six(line, 0)
  const time = six(line, 7)
  if (date < 0 || time < 0) return null
  const pidEnd = line.indexOf(' ', 14)
  if (pidEnd < 0) return null
  const levelEnd = line.indexOf(' ', pidEnd + 1)
  if (levelEnd < 0) return null
  const level = levelAt(line, pidEnd + 1, levelEnd)
  if (level === undefined) return null

  const timestamp = hdfsTime(date, time)

  let end = line.length
  while (end > levelEnd && line.charCodeAt(end - 1) <= 32) end--
  const colon = line.indexOf(': ', levelEnd + 1)
  let component: string | undefined
  let contentStart: number
  if (colon >= 0 && colon < end) {
    component = line.slice(levelEnd + 1, colon)
    contentStart = colon + 2
  } else {
    component = undefined
    contentStart = levelEnd + 1
  }
  while (contentStart < end && line.charCodeAt(contentStart) === 32) contentStart++
  const content = line.slice(contentStart, end)
  const blocks = blockIds(content)
  return {
    lineId,
    lineCount: 1,
    timestamp,
    rawTimestamp: line.slice(0, 13),
    level,
    component,
    content,
    sessionKeys: blocks ?? [],
    sessionKind: blocks ? 'block' : undefined,
    format: 'hdfs',
    pid: line.slice(14, pidEnd),
  }
}

/** Field offsets of one HDFS line found by parseHdfsBytes (byte offsets into its buffer). */
export interface HdfsByteFields {
  /** Start and end of the level word; its normalised name is levelAt() of that word. */
  levelStart: number
  levelEnd: number
  /** Component range, or componentStart = -1 when the line has none. */
  componentStart: number
  componentEnd: number
  /** The component holds a `"`, `,` or CR (it needs CSV quoting). */
  componentCare: boolean
  contentStart: number
  contentEnd: number
}

function sixBytes(b: Uint8Array, i: number): boolean {
  for (let k = i; k < i + 6; k++) if (b[k] < 48 || b[k] > 57) return false
  return true
}

function indexOfSpace(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === 32) return i
  return -1
}

/**
 * The byte-level twin of parse() for `flare parse`'s fast path: fills `out` for the line
 * b[start, end) (no line terminator) and returns true exactly when parse() would return a record
 * with the same fields. Lines it cannot vouch for (a non-ASCII header, an unknown level word)
 * return false and go through parse() instead. The timestamp is b[start, start + 13).
 */
export function parseHdfsBytes(b: Uint8Array, start: number, end: number, out: HdfsByteFields): boolean {
  if (end - start < 19 || b[start + 6] !== 32 || b[start + 13] !== 32 || !sixBytes(b, start) || !sixBytes(b, start + 7)) return false
  const pidEnd = indexOfSpace(b, start + 14, end)
  if (pidEnd < 0) return false
  const levelEnd = indexOfSpace(b, pidEnd + 1, end)
  if (levelEnd < 0) return false
  for (let i = start + 14; i < levelEnd; i++) if (b[i] >= 128) return false
  out.levelStart = pidEnd + 1
  out.levelEnd = levelEnd
  let e = end
  while (e > levelEnd && b[e - 1] <= 32) e--
  // ": " after the level word, searched to the end of the line as parse() does.
  let colon = -1
  let care = false
  for (let i = levelEnd + 1; i + 1 < end; i++) {
    const c = b[i]
    if (c === 58 && b[i + 1] === 32) {
      colon = i
      break
    }
    if (c === 34 || c === 44 || c === 13) care = true
  }
  let contentStart: number
  if (colon >= 0 && colon < e) {
    out.componentStart = levelEnd + 1
    out.componentEnd = colon
    out.componentCare = care
    contentStart = colon + 2
  } else {
    out.componentStart = -1
    out.componentEnd = -1
    out.componentCare = false
    contentStart = levelEnd + 1
  }
  while (contentStart < e && b[contentStart] === 32) contentStart++
  out.contentStart = contentStart
  out.contentEnd = Math.max(contentStart, e)
  return true
}
