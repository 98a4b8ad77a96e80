import type {LogRecord} from '../record.js'
import {findSessionKeys} from '../session-keys.js'
import {digitsValue, isDigit, SYSLOG_SEVERITIES, skipSpaces, sliceTrim, tokenEnd, trimmedEnd, type LogFormat} from './format.js'
import {monthAt, scanTimestamp, type TimestampMatch} from './timestamp.js'

/** The parts of a BSD-style syslog line after the optional `<PRI>`. */
export interface SyslogParts {
  timestamp: number
  rawTimestamp: string
  host: string
  component?: string
  pid?: string
  content: string
  level?: string
}

const ts: TimestampMatch = {end: 0, ms: NaN}

/** Index after a `<PRI>` prefix at i (0..191), or i when there is none; sets `pri`. */
let pri = -1
function skipPri(line: string, i: number): number {
  pri = -1
  if (line.charCodeAt(i) !== 60 /* < */) return i
  const close = line.indexOf('>', i + 1)
  if (close < 0 || close > i + 4) return i
  const v = digitsValue(line, i + 1, close)
  if (v < 0 || v > 191) return i
  pri = v
  return close + 1
}

/** True for RFC 3164 timestamps (`Jun 14 15:16:01`) and RFC 3339 ones with a `T`. */
function syslogTimestamp(line: string, i: number): boolean {
  if (monthAt(line, i)) return scanTimestamp(line, i, ts)
  if (isDigit(line.charCodeAt(i)) && line.charCodeAt(i + 4) === 45 && line.charCodeAt(i + 10) === 84) return scanTimestamp(line, i, ts)
  return false
}

/**
 * Parses `TIMESTAMP HOST TAG[PID]: MSG` starting at i (the timestamp). The tag ends at the first
 * `:` followed by a blank, like loghub's Linux / Mac / Thunderbird formats; `prog[pid]`,
 * `prog(sub)[pid]` and Mac's `prog[pid] (address)` are split into component and pid.
 */
export function parseBsdSyslog(line: string, i: number): SyslogParts | null {
  if (!syslogTimestamp(line, i)) return null
  const tsEnd = ts.end
  const timestamp = ts.ms
  const hostStart = skipSpaces(line, tsEnd)
  if (hostStart === tsEnd || hostStart >= line.length) return null
  const hostEnd = tokenEnd(line, hostStart)
  const tagStart = skipSpaces(line, hostEnd)
  const end = trimmedEnd(line)
  const rawTimestamp = line.slice(i, tsEnd)
  const host = line.slice(hostStart, hostEnd)
  if (tagStart >= end) return {timestamp, rawTimestamp, host, content: ''}

  let colon = -1
  for (let k = tagStart; k < end; k++) {
    if (line.charCodeAt(k) === 58) {
      const next = k + 1 < end ? line.charCodeAt(k + 1) : 32
      if (next === 32 || next === 9) {
        colon = k
        break
      }
    }
  }
  if (colon < 0) return {timestamp, rawTimestamp, host, content: sliceTrim(line, tagStart, end)}

  let tagEnd = colon
  // Mac: `launchd[1] (com.apple.xpc.launchd.domain.pid.WebContent.35432):`
  if (line.charCodeAt(tagEnd - 1) === 41 /* ) */) {
    const open = line.lastIndexOf(' (', tagEnd)
    if (open > tagStart && line.charCodeAt(open - 1) === 93) tagEnd = open
  }
  let component: string | undefined
  let pid: string | undefined
  if (line.charCodeAt(tagEnd - 1) === 93 /* ] */) {
    const open = line.lastIndexOf('[', tagEnd)
    if (open > tagStart) {
      pid = line.slice(open + 1, tagEnd - 1)
      component = line.slice(tagStart, open)
    }
  }
  if (component === undefined) component = line.slice(tagStart, tagEnd)
  return {timestamp, rawTimestamp, host, component: component || undefined, pid, content: sliceTrim(line, colon + 1, end)}
}

function matchesBsd(line: string): boolean {
  const i = skipPri(line, 0)
  if (!syslogTimestamp(line, i)) return false
  const hostStart = skipSpaces(line, ts.end)
  if (hostStart === ts.end || hostStart >= line.length) return false
  const tagStart = skipSpaces(line, tokenEnd(line, hostStart))
  return tagStart < line.length
}

/** RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG` (fields may be `-`). */
function is5424(line: string): boolean {
  const i = skipPri(line, 0)
  return pri >= 0 && isDigit(line.charCodeAt(i)) && line.charCodeAt(i + 1) === 32
}

/** Index past the structured data at i (`-` or `[id k="v"]...`), or -1. */
function skipStructuredData(line: string, i: number): number {
  if (line.charCodeAt(i) === 45) return i + 1
  let j = i
  while (line.charCodeAt(j) === 91) {
    let quoted = false
    j++
    for (;;) {
      if (j >= line.length) return -1
      const c = line.charCodeAt(j)
      if (c === 92) j += 2
      else if (c === 34) {
        quoted = !quoted
        j++
      } else if (c === 93 && !quoted) {
        j++
        break
      } else j++
    }
  }
  return j > i ? j : -1
}

function nil(token: string): string | undefined {
  return token === '-' ? undefined : token
}

function parse5424(line: string, lineId: number): LogRecord | null {
  const i = skipPri(line, 0)
  const severity = pri >= 0 ? pri % 8 : -1
  const fields: string[] = []
  let j = skipSpaces(line, tokenEnd(line, i))
  // TIMESTAMP HOST APP PROCID MSGID
  for (let f = 0; f < 5; f++) {
    if (j >= line.length) return null
    const e = tokenEnd(line, j)
    fields.push(line.slice(j, e))
    j = e + 1
  }
  const sdEnd = skipStructuredData(line, j)
  if (sdEnd < 0) return null
  let msgStart = sdEnd
  if (line.charCodeAt(msgStart) === 32) msgStart++
  if (line.charCodeAt(msgStart) === 0xfeff) msgStart++
  const content = sliceTrim(line, msgStart, trimmedEnd(line))
  const [rawTs, host, app, procId, msgId] = fields
  const ms = rawTs === '-' ? NaN : Date.parse(rawTs)
  const keys = findSessionKeys(line.slice(j))
  return {
    lineId,
    lineCount: 1,
    timestamp: Number.isNaN(ms) ? undefined : ms,
    rawTimestamp: nil(rawTs),
    level: severity >= 0 ? SYSLOG_SEVERITIES[severity] : undefined,
    component: nil(app) ?? nil(msgId),
    content,
    sessionKeys: keys ? keys.keys : [],
    sessionKind: keys?.kind,
    format: 'syslog',
    host: nil(host),
    pid: nil(procId),
  }
}

/** Builds a record from BSD syslog parts; shared with openssh and the Thunderbird side of bgl. */
export function bsdRecord(parts: SyslogParts, lineId: number, format: string, level: string | undefined): LogRecord {
  const keys = findSessionKeys(parts.content)
  return {
    lineId,
    lineCount: 1,
    timestamp: Number.isNaN(parts.timestamp) ? undefined : parts.timestamp,
    rawTimestamp: parts.rawTimestamp,
    level,
    component: parts.component,
    content: parts.content,
    sessionKeys: keys ? keys.keys : [],
    sessionKind: keys?.kind,
    format,
    host: parts.host,
    pid: parts.pid,
  }
}

/**
 * Syslog, RFC 3164 (`Jun 14 15:16:01 combo sshd(pam_unix)[19939]: msg`, with or without `<PRI>`,
 * also with an RFC 3339 timestamp) and RFC 5424 (`<34>1 2003-10-11T22:14:15.003Z host app - ID47
 * [sd] msg`). RFC 3164 carries no year: the record
 * assembler infers it (year.ts).
 */
export const syslogFormat: LogFormat = {
  name: 'syslog',
  description: 'Syslog RFC 3164 ("Jun 14 15:16:01 host prog[pid]: msg") and RFC 5424 ("<34>1 2003-10-11T22:14:15Z host app ...")',
  specificity: 2,
  matches(line) {
    return is5424(line) || matchesBsd(line)
  },
  parse(line, lineId) {
    if (is5424(line)) return parse5424(line, lineId)
    const i = skipPri(line, 0)
    const severity = pri
    const parts = parseBsdSyslog(line, i)
    if (!parts) return null
    return bsdRecord(parts, lineId, 'syslog', severity >= 0 ? SYSLOG_SEVERITIES[severity % 8] : undefined)
  },
}

/** The program name of a BSD syslog line's tag, for formats that specialise on one program. */
export function bsdProgram(line: string): {parts: SyslogParts; pri: number} | null {
  const i = skipPri(line, 0)
  const p = pri
  const parts = parseBsdSyslog(line, i)
  return parts ? {parts, pri: p} : null
}
