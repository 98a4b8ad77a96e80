import type {LogRecord} from '../record.js'
import {blockIds} from '../session-keys.js'
import {isDigit, normalizeLevel, type LogFormat} from './format.js'

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
  matches,
  parse,
}

function sixDigits(s: string, i: number): boolean {
  for (let k = i; k < i + 6; k++) if (!isDigit(s.charCodeAt(k))) return false
  return true
}

function matches(line: string): boolean {
  return (
    line.length > 18 &&
    line.charCodeAt(6) === 32 &&
    line.charCodeAt(13) === 32 &&
    isDigit(line.charCodeAt(14)) &&
    sixDigits(line, 0) &&
    sixDigits(line, 7) &&
    levelAfterPid(line) > 0
  )
}

/** Index where the level ends, or -1 when the word after the pid is not a level. */
function levelAfterPid(line: string): number {
  const pidEnd = line.indexOf(' ', 14)
  if (pidEnd < 0) return -1
  const levelEnd = line.indexOf(' ', pidEnd + 1)
  if (levelEnd < 0) return -1
  return normalizeLevel(line.slice(pidEnd + 1, levelEnd)) ? levelEnd : -1
}

// One-entry cache: consecutive lines nearly always share the date.
let cachedDate = -1
let cachedDayMs = 0

function num(s: string, i: number, n: number): number {
  let v = 0
  for (let k = i; k < i + n; k++) v = v * 10 + (s.charCodeAt(k) - 48)
  return v
}

function parse(line: string, lineId: number): LogRecord | null {
  if (line.length < 19 || line.charCodeAt(6) !== 32 || line.charCodeAt(13) !== 32 || !sixDigits(line, 0) || !sixDigits(line, 7)) return null
  const pidEnd = line.indexOf(' ', 14)
  if (pidEnd < 0) return null
  const levelEnd = line.indexOf(' ', pidEnd + 1)
  if (levelEnd < 0) return null
  const levelWord = line.slice(pidEnd + 1, levelEnd)
  const level = normalizeLevel(levelWord)
  if (!level) return null

  const date = num(line, 0, 6)
  if (date !== cachedDate) {
    cachedDate = date
    cachedDayMs = Date.UTC(2000 + ((date / 10000) | 0), (((date / 100) | 0) % 100) - 1, date % 100)
  }
  const timestamp = cachedDayMs + ((num(line, 7, 2) * 60 + num(line, 9, 2)) * 60 + num(line, 11, 2)) * 1000

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
