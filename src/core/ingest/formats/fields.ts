import type {LogRecord} from '../record.js'
import {findSessionKeys} from '../session-keys.js'
import {NUMERIC_LEVELS, SYSLOG_SEVERITIES} from '../../severity.js'
import {normalizeLevel} from './format.js'
import {accessFormat} from './access.js'
import {parseGeneric} from './generic.js'

export type Json = Record<string, unknown>

// journald's fields (journalctl -o json) last: MESSAGE, PRIORITY, __REALTIME_TIMESTAMP, ...
const MESSAGE = ['msg', 'message', 'log', 'text', 'body', 'event.original', 'error.message', 'MESSAGE']
const LEVEL = ['level', 'severity', 'lvl', 'loglevel', 'log_level', 'levelname', 'log.level', 'severity_text', 'severityText', 'PRIORITY']
const TIME = ['time', 'timestamp', '@timestamp', 'ts', 't', 'datetime', 'date', 'eventTime', '__REALTIME_TIMESTAMP']
const COMPONENT = ['logger', 'component', 'service', 'logger_name', 'loggerName', 'name', 'module', 'app', 'source', 'service.name', 'log.logger', 'SYSLOG_IDENTIFIER', '_COMM']
/** pino and bunyan write hostname, ECS host.name, journald _HOSTNAME; a bare host is a collector's (or, in a web server's JSON, the virtual host). */
const HOST = ['hostname', 'host.name', 'host.hostname', '_HOSTNAME', 'host']
const PID = ['pid', 'process.pid', '_PID']
/** In preference order: a trace groups a whole request, a span only one operation. */
const SESSION = [
  'trace_id',
  'traceId',
  'trace.id',
  'traceid',
  'request_id',
  'requestId',
  'req_id',
  'reqId',
  'x-request-id',
  'http.request.id',
  'correlation_id',
  'correlationId',
  'session_id',
  'sessionId',
  'span_id',
  'spanId',
  'span.id',
]

/** pino / bunyan numeric levels. */

/** True when the text starts with a word written as a level is: `ERROR`, `Error:`, `[error]` (not `Error rate is back`). */
function levelWritten(text: string): boolean {
  const m = /^\s*(\[?)([A-Za-z]+)(\]?)(:?)(?:\s|$)/.exec(text)
  return m !== null && ((m[1] === '[' && m[3] === ']') || m[4] === ':' || m[2] === m[2].toUpperCase())
}

/** journald's MESSAGE of bytes (not valid UTF-8 as JSON text, or with control characters) as text. */
function bytesText(value: unknown): unknown {
  return Array.isArray(value) && value.length > 0 && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256) ? Buffer.from(value as number[]).toString('utf8') : value
}

/** A field by name: a literal key (`log.level`) or a dotted path into nested objects. */
function pick(obj: Json, names: readonly string[]): {name: string; value: unknown} | undefined {
  for (const name of names) {
    if (name in obj) {
      const value = obj[name]
      if (value !== null && value !== undefined && value !== '' && typeof value !== 'object') return {name, value}
      continue
    }
    const dot = name.indexOf('.')
    if (dot < 0) continue
    let cur: unknown = obj
    for (const part of name.split('.')) {
      cur = cur !== null && typeof cur === 'object' ? (cur as Json)[part] : undefined
      if (cur === undefined) break
    }
    if (cur !== undefined && cur !== null && cur !== '' && typeof cur !== 'object') return {name, value: cur}
  }
  return undefined
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (value > 1e17) return Math.floor(value / 1e6) // ns
    if (value > 1e14) return Math.floor(value / 1e3) // µs
    if (value > 1e11) return Math.floor(value) // ms
    return Math.floor(value * 1000) // s
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value)
    if (!Number.isNaN(ms)) return ms
    if (/^\d+(\.\d+)?$/.test(value)) return toMillis(Number(value))
  }
  return undefined
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * A record from a structured event (a JSON object, logfmt pairs): the message from msg / message /
 * log / ..., the level from level / severity / lvl (names or pino numbers), the time from time /
 * timestamp / @timestamp / ts, the component from logger / component / service, and session ids
 * from trace_id / request_id / session_id / span_id (nested objects and dotted ECS keys both
 * work). Without a message field the remaining scalar fields become `key=value` content so
 * templates can still be mined.
 */
export function structuredRecord(obj: Json, lineId: number, format: string): LogRecord {
  const used = new Set<string>()
  if (Array.isArray(obj.MESSAGE)) obj = {...obj, MESSAGE: bytesText(obj.MESSAGE)}
  const msg = pick(obj, MESSAGE)
  const level = pick(obj, LEVEL)
  const time = pick(obj, TIME)
  const component = pick(obj, COMPONENT)
  const session = pick(obj, SESSION)
  const host = pick(obj, HOST)
  const pid = pick(obj, PID)
  for (const f of [msg, level, time, component, host, pid]) if (f) used.add(f.name.split('.')[0])

  let content: string
  if (msg && typeof msg.value === 'string') content = msg.value.replace(/\r?\n$/, '')
  else if (msg) content = scalarText(msg.value)
  else {
    const parts: string[] = []
    for (const [k, v] of Object.entries(obj)) {
      if (used.has(k) || v === null || v === undefined) continue
      parts.push(`${k}=${scalarText(v)}`)
    }
    content = parts.join(' ')
  }

  let levelName: string | undefined
  let inner: LogRecord | undefined
  if (level?.name === 'PRIORITY') levelName = SYSLOG_SEVERITIES[Number(level.value)]
  else if (level) {
    if (typeof level.value === 'number' || /^\d{2}$/.test(String(level.value))) levelName = NUMERIC_LEVELS[Number(level.value)]
    else {
      const text = String(level.value)
      levelName = normalizeLevel(text) ?? text.toUpperCase()
    }
  } else if (msg && typeof msg.value === 'string') {
    // No level field: the message is a line a program wrote to its output (Docker's json-file
    // `log`, a collector's `message`), read as what it is (lineInside)
    inner = lineInside(content, lineId, format)
    if (inner) {
      levelName = inner.level
      content = inner.content
    }
  }

  let sessionKeys: string[] = []
  let sessionKind: LogRecord['sessionKind']
  const found = inner && inner.sessionKeys.length > 0 ? {keys: inner.sessionKeys, kind: inner.sessionKind ?? 'request'} : findSessionKeys(content)
  if (found?.kind === 'block') {
    sessionKeys = found.keys
    sessionKind = 'block'
  } else if (session) {
    sessionKeys = [scalarText(session.value)]
    sessionKind = 'request'
  } else if (found) {
    sessionKeys = found.keys
    sessionKind = found.kind
  }

  const timestamp = time ? toMillis(time.value) : undefined
  return {
    lineId,
    lineCount: 1,
    timestamp: timestamp ?? inner?.timestamp,
    rawTimestamp: time ? scalarText(time.value) : inner?.rawTimestamp,
    level: levelName,
    component: component ? scalarText(component.value) : inner?.component,
    content,
    sessionKeys,
    sessionKind,
    format,
    ...(host ? {host: scalarText(host.value)} : inner?.host !== undefined ? {host: inner.host} : {}),
    ...(pid ? {pid: scalarText(pid.value)} : inner?.pid !== undefined ? {pid: inner.pid} : {}),
  }
}

/**
 * The record of a line a program wrote, as a container runtime or a collector wraps it (Docker's
 * json-file `log`, a CRI line's message): a JSON object read by its fields, an access log line as
 * one, a plain-text line by its header (`ERROR: ...`, `2026-12-04 16:10:37 WARN [main] x.Y -
 * ...`, peeled off) — when it has one: a time first, or a level word written as one (`ERROR`,
 * `Error:`, `[error]`; not `Critical path computed`). Undefined for a line with none of these.
 */
export function lineInside(text: string, lineId: number, format: string): LogRecord | undefined {
  const t = text.trim()
  if (t.startsWith('{') && t.endsWith('}')) {
    try {
      const obj: unknown = JSON.parse(t)
      if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) return structuredRecord(obj as Json, lineId, format)
    } catch {
      // not JSON: read as plain text
    }
  }
  const access = accessFormat.parse(text, lineId)
  if (access) return {...access, format}
  const plain = parseGeneric(text, lineId, format)
  return plain.timestamp !== undefined || (plain.level !== undefined && levelWritten(text)) ? plain : undefined
}
