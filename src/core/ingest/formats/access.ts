import {STATUS_CODES} from 'node:http'
import {findSessionKeys} from '../session-keys.js'
import type {LogRecord} from '../record.js'
import {isDigit, type LogFormat} from './format.js'
import {scanTimestamp, type TimestampMatch} from './timestamp.js'

/** Status codes servers write that Node's table does not name. */
const EXTRA_REASONS: Readonly<Record<number, string>> = {444: 'No Response', 499: 'Client Closed Request', 520: 'Unknown Error', 521: 'Web Server Down', 522: 'Connection Timed Out', 524: 'A Timeout Occurred'}
const CLASS_REASONS = ['', 'Informational', 'Success', 'Redirection', 'Client Error', 'Server Error']

/** Every HTTP status's reason (`Bad Gateway`), as an access line's template ends with it. */
const REASONS: ReadonlySet<string> = new Set([...Object.values(STATUS_CODES), ...Object.values(EXTRA_REASONS), ...CLASS_REASONS].filter((r): r is string => Boolean(r)))

/**
 * Whether token `p` of a template's tokens is a word of the HTTP status its line ends with: the
 * template ends in `<*> Reason` (the code masked, its reason's words kept), and `p` is in the
 * reason. Such a word is the status itself, never a parameter (window-series.ts); the same word
 * elsewhere (`Invalid user Server from <*>`) is not.
 */
export function isStatusWord(tokens: readonly string[], p: number): boolean {
  for (let q = Math.max(1, tokens.length - 5); q <= p; q++) if (tokens[q - 1] === '<*>' && REASONS.has(tokens.slice(q).join(' '))) return true
  return false
}

/**
 * The words of an HTTP status (502: Bad Gateway). The masker makes the code a parameter, as it
 * does every number; its words stay, so each status is a template of its own.
 */
export function statusReason(status: number): string {
  return STATUS_CODES[status] ?? EXTRA_REASONS[status] ?? CLASS_REASONS[Math.floor(status / 100)] ?? 'Unknown Status'
}

/** The level of a response: a server error is an ERROR, a client error a WARN; none for a code past 599 (no class). */
function statusLevel(status: number): string | undefined {
  return status >= 600 ? undefined : status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO'
}

/**
 * A virtual host as Apache's vhost_combined writes it (`shop.example.com:443`, `10.0.0.7`): a host
 * name or address and a port. Not a time (`docker logs -t` puts one first) nor the first address
 * of a forwarded-for list (`203.0.113.5,`): those are not hosts, and every line would be a stream.
 */
function isVhost(word: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/.test(word)
}

/** What parseAccess reads off a line. */
export interface AccessParts {
  /** The virtual host of Apache's vhost_combined (`example.com:443 1.2.3.4 - - [...]`), if any. */
  vhost?: string
  client: string
  rawTimestamp: string
  timestamp: number
  /** The request line as written (`GET /a?b=1 HTTP/1.1`, or `-` for none). */
  request: string
  status: number
}

const stamp: TimestampMatch = {end: 0, ms: 0}
// One-entry cache: the assembler calls matches() then parse() on the same line.
let lastLine = ''
let lastParts: AccessParts | null = null

/** The blank-separated words of line[0, end), at most `max` (more: null). */
function leadingWords(line: string, end: number, max: number): string[] | null {
  const words: string[] = []
  let i = 0
  while (i < end) {
    while (i < end && line.charCodeAt(i) === 32) i++
    if (i >= end) break
    const a = i
    while (i < end && line.charCodeAt(i) !== 32) i++
    if (words.length === max) return null
    words.push(line.slice(a, i))
  }
  return words
}

/**
 * NCSA common and combined log lines: `client ident user [10/Oct/2000:13:55:36 -0700] "GET /a
 * HTTP/1.0" 200 2326` with anything after (referer, user agent, timings), and a virtual host
 * before. Null for any other line.
 */
export function parseAccess(line: string): AccessParts | null {
  if (line === lastLine) return lastParts
  lastLine = line
  lastParts = null
  const open = line.indexOf(' [')
  if (open < 0 || open > 300) return null
  const words = leadingWords(line, open, 4)
  if (words === null || words.length < 3) return null
  const t = open + 2
  if (!isDigit(line.charCodeAt(t)) || !scanTimestamp(line, t, stamp) || line.charCodeAt(stamp.end) !== 93 || Number.isNaN(stamp.ms)) return null
  const close = stamp.end
  if (line.charCodeAt(close + 1) !== 32 || line.charCodeAt(close + 2) !== 34) return null
  // The request ends at the quote followed by a blank and a three-digit status (a request may
  // hold quotes of its own, escaped or not).
  let q = close + 3
  let status = -1
  let after = -1
  for (;;) {
    q = line.indexOf('"', q)
    if (q < 0) return null
    if (line.charCodeAt(q + 1) === 32 && isDigit(line.charCodeAt(q + 2)) && isDigit(line.charCodeAt(q + 3)) && isDigit(line.charCodeAt(q + 4))) {
      const end = q + 5
      if (end === line.length || line.charCodeAt(end) === 32) {
        status = (line.charCodeAt(q + 2) - 48) * 100 + (line.charCodeAt(q + 3) - 48) * 10 + (line.charCodeAt(q + 4) - 48)
        after = end
        break
      }
    }
    q++
  }
  if (status < 100 || after < 0) return null
  lastParts = {
    vhost: words.length === 4 && isVhost(words[0]) ? words[0] : undefined,
    client: words[words.length - 3],
    rawTimestamp: line.slice(t, close),
    timestamp: stamp.ms,
    request: line.slice(close + 3, q).trim() || '-',
    status,
  }
  return lastParts
}

/**
 * Web server access logs (Apache, nginx, and anything writing the NCSA common or combined
 * format). The message is the request line and the status in words (`GET /orders/42 HTTP/1.1 502
 * Bad Gateway`), so that a template is a kind of request with one outcome; the level comes from
 * the status; the virtual host, when written, is the host.
 */
export const accessFormat: LogFormat = {
  name: 'access',
  description: 'web server access logs, NCSA common/combined (Apache, nginx): level from the HTTP status',
  specificity: 3,
  parseChecksMatch: true,
  matches(line) {
    return parseAccess(line) !== null
  },
  parse(line, lineId): LogRecord | null {
    const p = parseAccess(line)
    if (p === null) return null
    const content = `${p.request} ${p.status} ${statusReason(p.status)}`
    const keys = findSessionKeys(p.request)
    return {
      lineId,
      lineCount: 1,
      timestamp: p.timestamp,
      rawTimestamp: p.rawTimestamp,
      level: statusLevel(p.status),
      content,
      sessionKeys: keys ? keys.keys : [],
      sessionKind: keys?.kind,
      format: 'access',
      host: p.vhost,
      client: p.client === '-' ? undefined : p.client,
      status: p.status,
    }
  },
}
