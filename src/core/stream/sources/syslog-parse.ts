/**
 * Syslog message headers, RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`) and the BSD
 * format of RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG[pid]: MSG`), into the fields a LiveLine carries.
 */

export interface SyslogMessage {
  text: string
  eventTime?: number
  host?: string
  component?: string
  level: string
  facility: number
}

/** RFC 5424 severities 0..7 as the upper-case level words ingest uses. */
const LEVELS = ['EMERG', 'ALERT', 'CRIT', 'ERROR', 'WARN', 'NOTICE', 'INFO', 'DEBUG']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const BSD_TIME = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) /
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)$/

/** Why a frame was refused, or the parsed message. */
export type SyslogParse = {ok: true; message: SyslogMessage} | {ok: false; reason: string}

const utf8 = new TextDecoder('utf-8', {fatal: true})

/** Parses one frame's bytes (without framing). Frames that are not text or lack a PRI are refused. */
export function parseSyslogFrame(bytes: Uint8Array, now = Date.now()): SyslogParse {
  let end = bytes.length
  while (end > 0 && (bytes[end - 1] === 10 || bytes[end - 1] === 13 || bytes[end - 1] === 0)) end--
  let raw: string
  try {
    raw = utf8.decode(bytes.subarray(0, end))
  } catch {
    return {ok: false, reason: 'not UTF-8 text'}
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(raw)) return {ok: false, reason: 'control characters (binary data?)'}
  return parseSyslogText(raw, now)
}

export function parseSyslogText(raw: string, now = Date.now()): SyslogParse {
  const pri = /^<(\d{1,3})>/.exec(raw)
  if (pri === null) return {ok: false, reason: 'no <PRI> header'}
  const value = Number(pri[1])
  if (value > 191) return {ok: false, reason: `PRI ${value} out of range`}
  const level = LEVELS[value & 7]
  const facility = value >> 3
  const rest = raw.slice(pri[0].length)
  if (/^1 /.test(rest)) return parse5424(rest.slice(2), level, facility)
  return {ok: true, message: {...parse3164(rest, now), level, facility}}
}

function parse5424(rest: string, level: string, facility: number): SyslogParse {
  const fields: string[] = []
  let at = 0
  for (let k = 0; k < 5; k++) {
    const space = rest.indexOf(' ', at)
    if (space < 0) return {ok: false, reason: 'RFC 5424 header cut short'}
    fields.push(rest.slice(at, space))
    at = space + 1
  }
  const [time, host, app] = fields
  let eventTime: number | undefined
  if (time !== '-') {
    if (!ISO_TIME.test(time)) return {ok: false, reason: `bad RFC 5424 timestamp ${time.slice(0, 40)}`}
    eventTime = Date.parse(time)
  }
  const sdEnd = structuredDataEnd(rest, at)
  if (sdEnd < 0) return {ok: false, reason: 'bad RFC 5424 structured data'}
  let text = rest.slice(sdEnd).replace(/^ /, '')
  if (text.startsWith('\uFEFF')) text = text.slice(1)
  return {ok: true, message: {text, eventTime, host: nil(host), component: nil(app), level, facility}}
}

/** Index just past STRUCTURED-DATA (`-` or `[id k="v"]...`) starting at `at`, or -1. */
function structuredDataEnd(s: string, at: number): number {
  if (s[at] === '-') return at + 1
  let i = at
  if (s[i] !== '[') return -1
  while (s[i] === '[') {
    let quoted = false
    i++
    for (; i < s.length; i++) {
      const c = s[i]
      if (quoted && c === '\\') i++
      else if (c === '"') quoted = !quoted
      else if (c === ']' && !quoted) break
    }
    if (i >= s.length) return -1
    i++
  }
  return i
}

function parse3164(rest: string, now: number): Omit<SyslogMessage, 'level' | 'facility'> {
  let eventTime: number | undefined
  let body = rest
  const bsd = BSD_TIME.exec(rest)
  if (bsd !== null && MONTHS.includes(bsd[1])) {
    eventTime = bsdTime(bsd, now)
    body = rest.slice(bsd[0].length)
  } else {
    // rsyslog's "RFC 3164 with an RFC 3339 timestamp".
    const space = rest.indexOf(' ')
    if (space > 0 && ISO_TIME.test(rest.slice(0, space))) {
      eventTime = Date.parse(rest.slice(0, space))
      body = rest.slice(space + 1)
    }
  }
  if (eventTime === undefined) return {text: rest}
  // HOSTNAME is optional in practice: a first word that is already a TAG means there is none.
  let host: string | undefined
  const word = /^(\S+) /.exec(body)
  if (word !== null && !/[:[\]]/.test(word[1])) {
    host = word[1]
    body = body.slice(word[0].length)
  }
  const tag = /^([^\s:[\]]{1,48})(?:\[[^\]]*\])?: ?/.exec(body)
  if (tag === null) return {text: body, eventTime, host}
  return {text: body.slice(tag[0].length), eventTime, host, component: tag[1]}
}

/** BSD timestamps carry no year or zone: local time, in the year that puts them nearest to now. */
function bsdTime(m: RegExpExecArray, now: number): number {
  const year = new Date(now).getFullYear()
  const at = (y: number) => new Date(y, MONTHS.indexOf(m[1]), Number(m[2].trim()), Number(m[3]), Number(m[4]), Number(m[5])).getTime()
  const thisYear = at(year)
  // A December stamp read in early January belongs to last year.
  return thisYear - now > 7 * 86_400_000 ? at(year - 1) : thisYear
}

function nil(value: string): string | undefined {
  return value === '-' ? undefined : value
}
