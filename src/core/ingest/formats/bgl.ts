import type {LogRecord} from '../record.js'
import {findSessionKeys} from '../session-keys.js'
import {digitsValue, isDigit, normalizeLevel, skipSpaces, sliceTrim, tokenEnd, trimmedEnd, type LogFormat} from './format.js'
import {parseBsdSyslog} from './syslog.js'
import {monthAt} from './timestamp.js'

/**
 * Supercomputer logs in the Oliner & Stearley layout (Blue Gene/L, Thunderbird, Spirit, Liberty):
 * `ALERT EPOCH YYYY.MM.DD NODE ...`. After that prefix a BGL line carries
 * `TIME NODE TYPE COMPONENT LEVEL content`
 * (`- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO msg`)
 * and a Thunderbird-style line a syslog tail (`Nov 9 12:01:01 dn228/dn228 crond[2916]: msg`).
 * The alert category (`-` = not an alert) is kept in `alertLabel`.
 */
export const bglFormat: LogFormat = {
  name: 'bgl',
  description: 'Blue Gene/L and other supercomputer logs (Thunderbird, Spirit, Liberty): "- 1117838570 2005.06.03 NODE ..."',
  specificity: 3,
  parseChecksMatch: true,
  matches(line) {
    return prefixEnd(line) > 0
  },
  parse,
}

let epoch = 0
let nodeStart = 0
let nodeEnd = 0

/** Where the epoch starts: after the alert label, or at 0 on a raw line without its label column. */
let epochStart = 0

/**
 * Index after `ALERT EPOCH DATE NODE`, or after `EPOCH DATE NODE` when the line comes without its
 * alert label (a raw BGL log, not loghub's labelled copy), or -1. Sets epoch, nodeStart, nodeEnd,
 * epochStart.
 */
function prefixEnd(line: string): number {
  const labelEnd = tokenEnd(line, 0)
  if (labelEnd === 0 || labelEnd > 32 || line.charCodeAt(labelEnd) !== 32) return -1
  const labelled = prefixFrom(line, labelEnd + 1)
  if (labelled > 0) {
    epochStart = labelEnd + 1
    return labelled
  }
  epochStart = 0
  return prefixFrom(line, 0)
}

function prefixFrom(line: string, e: number): number {
  const eEnd = tokenEnd(line, e)
  if (eEnd - e !== 10) return -1
  epoch = digitsValue(line, e, eEnd)
  if (epoch < 0) return -1
  const d = eEnd + 1
  // YYYY.MM.DD
  if (
    !isDigit(line.charCodeAt(d)) ||
    line.charCodeAt(d + 4) !== 46 ||
    line.charCodeAt(d + 7) !== 46 ||
    line.charCodeAt(d + 10) !== 32 ||
    digitsValue(line, d, d + 4) < 0 ||
    digitsValue(line, d + 5, d + 7) < 0 ||
    digitsValue(line, d + 8, d + 10) < 0
  )
    return -1
  nodeStart = d + 11
  nodeEnd = tokenEnd(line, nodeStart)
  if (nodeEnd === nodeStart) return -1
  return nodeEnd
}

function parse(line: string, lineId: number): LogRecord | null {
  const p = prefixEnd(line)
  if (p < 0) return null
  const alertLabel = epochStart > 0 ? line.slice(0, epochStart - 1) : undefined
  const timestamp = epoch * 1000
  const rawTimestamp = line.slice(epochStart, epochStart + 10)
  const host = line.slice(nodeStart, nodeEnd)
  const rest = skipSpaces(line, p)
  const end = trimmedEnd(line)

  if (monthAt(line, rest)) {
    const parts = parseBsdSyslog(line, rest)
    if (parts) {
      const keys = findSessionKeys(parts.content)
      return {
        lineId,
        lineCount: 1,
        timestamp,
        rawTimestamp,
        level: undefined,
        component: parts.component,
        content: parts.content,
        sessionKeys: keys ? keys.keys : [],
        sessionKind: keys?.kind,
        format: 'bgl',
        host,
        pid: parts.pid,
        alertLabel,
      }
    }
  }

  // BGL: TIME NODE TYPE COMPONENT LEVEL content
  let j = rest
  const starts: number[] = []
  const ends: number[] = []
  for (let f = 0; f < 5 && j < end; f++) {
    const e = tokenEnd(line, j)
    starts.push(j)
    ends.push(e)
    j = skipSpaces(line, e)
  }
  let level: string | undefined
  let component: string | undefined
  let contentStart = rest
  if (starts.length === 5 && isDigit(line.charCodeAt(starts[0]))) {
    const word = line.slice(starts[4], ends[4])
    level = normalizeLevel(word) ?? word.toUpperCase()
    component = line.slice(starts[3], ends[3])
    contentStart = j
  }
  const content = sliceTrim(line, contentStart, end)
  const keys = findSessionKeys(content)
  return {
    lineId,
    lineCount: 1,
    timestamp,
    rawTimestamp,
    level,
    component,
    content,
    sessionKeys: keys ? keys.keys : [],
    sessionKind: keys?.kind,
    format: 'bgl',
    host,
    pid: undefined,
    alertLabel,
  }
}
