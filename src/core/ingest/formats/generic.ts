import type {LogRecord} from '../record.js'
import {findSessionKeys} from '../session-keys.js'
import {closeBracket, isDigit, letterLevel, normalizeLevel, skipSpaces, sliceTrim, tokenEnd, trimmedEnd, type LogFormat} from './format.js'
import {allDigits, columnFits, headerInt, hostLike, sniffHeaderColumns, type HeaderColumn} from './header-columns.js'
import {scanLeadingTimestamp, type TimestampMatch} from './timestamp.js'

/**
 * The fallback for any line-oriented log. It looks for a leading timestamp (many shapes, possibly
 * bracketed, possibly after a few short prefix tokens such as a file name or a record number),
 * then walks a small header grammar: pids, a level word, a `[thread]`, and a component written
 * as `Foo.bar:`, `name -`, `prog[pid]:`, a column padded with blanks, or `dotted.name [context]`.
 * Whatever follows is the content. A word counts as the level only inside that header, never
 * inside the message.
 */
export const genericFormat: LogFormat = {
  name: 'generic',
  description: 'Any line-oriented log: leading timestamp (many shapes), optional pid / level / [thread] / component, then the message',
  specificity: 0,
  matches(line) {
    return findTimestamp(line, skipSpaces(line, 0))
  },
  parse(line, lineId) {
    return parseGeneric(line, lineId)
  },
}

/** The header columns of the generic lines of a sample (see header-columns.ts). */
export function sniffGenericColumns(sample: readonly string[]): HeaderColumn[] {
  const contents: string[] = []
  for (const line of sample) {
    if (!findTimestamp(line, skipSpaces(line, 0))) continue
    const record = parseGeneric(line, 0)
    // After a component (`Foo:`, `name -`, `[thread]`) the message has begun: such lines vote against columns.
    contents.push(record.component === undefined ? record.content : '')
  }
  return sniffHeaderColumns(contents)
}

/**
 * The generic format fitted to a file: when the sample's timed lines carry host or numeric-id
 * columns before the message (`2026-03-04 09:05:17 node-17 12345 Starting job 881`), a format
 * that puts them in `host` / `pid`; otherwise genericFormat itself.
 */
export function genericFormatFor(sample: readonly string[], columns = sniffGenericColumns(sample)): LogFormat {
  if (columns.length === 0) return genericFormat
  return {
    ...genericFormat,
    description: `${genericFormat.description}; header columns: ${columns.join(', ')}`,
    parse: (line, lineId) => parseGeneric(line, lineId, 'generic', columns),
  }
}

const ts: TimestampMatch = {end: 0, ms: NaN}
let tsStart = 0

/** Level letter of a klog header (`I0102 15:04:05.123456`), set by findTimestamp. */
let klogLevel: string | undefined

/** Kubernetes klog / glog: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`, L in IWEF. */
function klogAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  if (c !== 73 && c !== 87 && c !== 69 && c !== 70) return false
  for (let k = i + 1; k < i + 5; k++) if (!isDigit(s.charCodeAt(k))) return false
  if (s.charCodeAt(i + 5) !== 32) return false
  // reuse the MM-DD hh:mm:ss shape on a rewritten copy of the date: "01-02 15:04:05.123456"
  const probe = `${s.slice(i + 1, i + 3)}-${s.slice(i + 3, i + 5)}${s.slice(i + 5, i + 40)}`
  if (!scanLeadingTimestamp(probe, 0, ts)) return false
  ts.end = i + ts.end
  tsStart = i
  klogLevel = letterLevel(s[i])
  return true
}

/** A short token that may precede a timestamp: a file name, record number, host, facility. */
function plainToken(s: string, start: number, end: number): boolean {
  if (end - start > 64) return false
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c === 34 || c === 39 || c === 61 || c === 44 || c === 59) return false
  }
  return s.charCodeAt(end - 1) !== 58
}

/** Finds a timestamp at i or after up to five prefix tokens; sets ts and tsStart. */
function findTimestamp(s: string, i: number): boolean {
  if (i >= s.length) return false
  klogLevel = undefined
  if (scanLeadingTimestamp(s, i, ts)) {
    tsStart = i
    return true
  }
  if (klogAt(s, i)) return true
  let j = i
  for (let k = 0; k < 5; k++) {
    const e = tokenEnd(s, j)
    if (e === j || !plainToken(s, j, e)) return false
    const next = skipSpaces(s, e)
    if (next === e || next >= s.length) return false
    // Only full date-times or epochs after a prefix: a bare time or date there is too weak.
    if (scanLeadingTimestamp(s, next, ts) && !Number.isNaN(ts.ms) && ts.end - next >= 10) {
      tsStart = next
      return true
    }
    j = next
  }
  return false
}

/** `-`, `--` or `---` standing alone: a separator (Spring Boot writes `---`). */
function isDashRun(s: string, p: number, e: number): boolean {
  if (e - p > 3) return false
  for (let i = p; i < e; i++) if (s.charCodeAt(i) !== 45) return false
  return true
}

function isLoneDash(s: string, i: number): boolean {
  return s.charCodeAt(i) === 45 && (i + 1 >= s.length || s.charCodeAt(i + 1) === 32 || s.charCodeAt(i + 1) === 9)
}

/** Characters of logger / tag / program names: Foo.bar, dfs.DataNode$PacketResponder, chrome.exe, a/b-c_d@1. */
function componentChars(s: string, start: number, end: number): boolean {
  if (end <= start || end - start > 96) return false
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    const letter = (c | 32) >= 97 && (c | 32) <= 122
    if (!(letter || isDigit(c) || c === 46 || c === 95 || c === 36 || c === 45 || c === 47 || c === 64 || c === 35 || c === 58 || c === 42 || c === 60 || c === 62 || c === 40 || c === 41 || c > 127))
      return false
  }
  return true
}

function hasDot(s: string, start: number, end: number): boolean {
  const d = s.indexOf('.', start)
  return d >= 0 && d < end
}

/** Header fields found by parseHeader. */
interface Header {
  contentStart: number
  host?: string
  level?: string
  component?: string
  pid?: string
  thread?: string
}

const enum Last {
  none,
  timestamp,
  level,
  int,
  bracket,
  dash,
}

/**
 * Walks the header grammar from p (just after the timestamp, or the line start when `timed` is
 * false). `ints` false: bare numbers are not header (the file's columns were peeled already).
 */
function parseHeader(s: string, p: number, end: number, timed: boolean, ints = true): Header {
  const h: Header = {contentStart: p}
  if (timed && s.charCodeAt(p) === 124 /* | */) return pipeHeader(s, p + 1, h)
  if (timed && (s.charCodeAt(p) === 44 || s.charCodeAt(p) === 58)) p++ // "04:30:30, Info" / "12:00:00: msg"
  if (timed && klogLevel !== undefined) h.level = klogLevel
  let last = timed ? Last.timestamp : Last.none
  let intCount = ints ? 0 : 2
  let rollback = -1
  let terminal = false
  let lastStart = -1
  let tokStart = -1
  let levelBeforeTok: string | undefined
  for (let step = 0; step < 10; step++) {
    p = skipSpaces(s, p)
    if (p >= end) break
    lastStart = tokStart
    tokStart = p
    levelBeforeTok = h.level
    const c = s.charCodeAt(p)
    const e = tokenEnd(s, p)
    if (isDashRun(s, p, e)) {
      p = e
      if (last === Last.timestamp || last === Last.none || last === Last.int) continue
      terminal = true
      p = levelAfterDash(s, p, h)
      break
    }
    if (c === 91 /* [ */) {
      const close = closeBracket(s, p)
      if (close < 0 || close > end) break
      const inner = sliceTrim(s, p + 1, close - 1)
      const level = h.level === undefined ? normalizeLevel(inner) : undefined
      if (level) {
        h.level = level
        last = Last.level
        p = close
        continue
      }
      if (h.thread !== undefined) break
      if (h.pid === undefined && allDigits(s, p + 1, close - 1)) {
        // `[1234]` right in the header is a pid (PostgreSQL, many daemons)
        h.pid = inner
        last = Last.int
        p = close
        continue
      }
      h.thread = inner
      rollback = p
      last = Last.bracket
      p = close
      continue
    }
    if (!timed && last === Last.none && h.level === undefined) {
      // Untimed lines: only a leading level word starts a header.
      const level = levelWord(s, p, e)
      if (!level) break
      h.level = level
      last = Last.level
      p = e
      continue
    }
    // `node-17 INFO ...`, `R02-M1-N0-C:J12-U11 WARN ...`: a host or node name between the
    // timestamp (or a pid) and the level word; peeled only when a level word follows it, so a
    // message's first word never becomes a host.
    if (timed && h.level === undefined && h.host === undefined && h.component === undefined && h.thread === undefined && (last === Last.timestamp || last === Last.int) && hostLike(s, p, e)) {
      const q = skipSpaces(s, e)
      const level = q > e ? levelWord(s, q, tokenEnd(s, q)) : undefined
      if (level) {
        h.host = s.slice(p, e)
        h.level = level
        last = Last.level
        p = tokenEnd(s, q)
        continue
      }
    }
    if (h.level === undefined) {
      let level = levelWord(s, p, e)
      if (!level && e === p + 1 && (last === Last.int || last === Last.timestamp)) {
        // logcat priority letter, only when a `Tag:` follows
        const q = skipSpaces(s, e)
        const qe = tokenEnd(s, q)
        if (qe > q + 1 && s.charCodeAt(qe - 1) === 58) level = letterLevel(s[p])
      }
      if (level) {
        h.level = level
        last = Last.level
        p = e
        continue
      }
    }
    // a pid right after the level only when a separator follows ("INFO 1 --- [main] ...")
    if (timed && intCount === 0 && last === Last.level && h.thread === undefined && headerInt(s, p, e)) {
      const q = skipSpaces(s, e)
      if (isDashRun(s, q, tokenEnd(s, q))) {
        h.pid = s.slice(p, e)
        intCount++
        last = Last.int
        p = e
        continue
      }
    }
    if (timed && intCount < 2 && (h.level === undefined || klogLevel !== undefined) && h.component === undefined && h.thread === undefined && headerInt(s, p, e)) {
      if (h.pid === undefined) h.pid = s.slice(p, e)
      intCount++
      last = Last.int
      p = e
      continue
    }
    // `Foo.bar:` after a level or [thread]
    if ((h.level !== undefined || h.thread !== undefined) && e - p > 1 && s.charCodeAt(e - 1) === 58 && componentChars(s, p, e - 1)) {
      h.component = s.slice(p, e - 1)
      p = e
      terminal = true
      break
    }
    // `Foo.bar  : message` (Spring Boot pads the logger column before the colon)
    if ((h.level !== undefined || h.thread !== undefined) && componentChars(s, p, e)) {
      const q = skipSpaces(s, e)
      if (q > e && s.charCodeAt(q) === 58 && (q + 1 >= end || s.charCodeAt(q + 1) === 32)) {
        h.component = s.slice(p, e)
        p = q + 1
        terminal = true
        break
      }
    }
    // klog / glog `file.go:123]`
    if (klogLevel !== undefined && e - p > 3 && s.charCodeAt(e - 1) === 93 && s.indexOf('[', p) < 0) {
      h.component = s.slice(p, e - 1)
      p = e
      terminal = true
      break
    }
    // `prog[pid]:`
    if (e - p > 3 && s.charCodeAt(e - 1) === 58 && s.charCodeAt(e - 2) === 93) {
      const open = s.lastIndexOf('[', e - 2)
      if (open > p && allDigits(s, open + 1, e - 2) && componentChars(s, p, open)) {
        h.component = s.slice(p, open)
        h.pid = s.slice(open + 1, e - 2)
        p = e
        terminal = true
        break
      }
    }
    // `name - message` or `name *64 - message`
    if (componentChars(s, p, e)) {
      const q = skipSpaces(s, e)
      if (isLoneDash(s, q)) {
        h.component = s.slice(p, e)
        p = levelAfterDash(s, q + 1, h)
        terminal = true
        break
      }
      const qe = tokenEnd(s, q)
      if (qe > q && qe - q <= 4 && q < end) {
        const r = skipSpaces(s, qe)
        if (isLoneDash(s, r) && componentChars(s, q, qe)) {
          h.component = s.slice(p, qe)
          p = levelAfterDash(s, r + 1, h)
          terminal = true
          break
        }
      }
    }
    if (last === Last.level && componentChars(s, p, e)) {
      // a column padded with blanks: "Info                  CBS    Loaded ..."
      if (s.charCodeAt(e) === 32 && s.charCodeAt(e + 1) === 32) {
        h.component = s.slice(p, e)
        p = e
        terminal = true
        break
      }
      // `nova.compute.manager [req-...] message`
      if (s.charCodeAt(e) === 32 && s.charCodeAt(e + 1) === 91 && hasDot(s, p, e)) {
        const close = closeBracket(s, e + 1)
        if (close > 0) {
          h.component = s.slice(p, e)
          h.thread = sliceTrim(s, e + 2, close - 1)
          p = close
          terminal = true
          break
        }
      }
    }
    break
  }
  if (!terminal && last === Last.bracket && rollback >= 0) {
    // "[error] [client 1.2.3.4] File does not exist": a bracket not followed by header is message.
    p = rollback
    h.thread = undefined
  }
  if (skipSpaces(s, p) >= end && tokStart >= 0) {
    // Nothing left for the message: the last header guess was the message ("... 1 warning").
    const back = p > tokStart ? tokStart : lastStart
    if (back >= 0) {
      if (back === tokStart && levelBeforeTok === undefined) h.level = undefined
      p = back
    }
  }
  if (h.component === undefined && h.thread !== undefined) h.component = h.thread
  h.contentStart = p
  return h
}

/** `- LEVEL -` after a dash-terminated component (Python logging); returns where content starts. */
function levelAfterDash(s: string, p: number, h: Header): number {
  if (h.level !== undefined) return p
  const q = skipSpaces(s, p)
  const e = tokenEnd(s, q)
  const level = normalizeLevel(s.slice(q, e))
  if (!level) return p
  const r = skipSpaces(s, e)
  if (!isLoneDash(s, r)) return p
  h.level = level
  return r + 1
}

/** A level word, bare or with a trailing colon (`ERROR:`). */
function levelWord(s: string, p: number, e: number): string | undefined {
  const len = e - p
  if (len < 3 || len > 14) return undefined
  if (s.charCodeAt(e - 1) === 58) return normalizeLevel(s.slice(p, e - 1))
  return normalizeLevel(s.slice(p, e))
}

/** `ts|component|pid|message` (HealthApp-style): fields without blanks, each followed by `|`. */
function pipeHeader(s: string, p: number, h: Header): Header {
  for (let f = 0; f < 3; f++) {
    const bar = s.indexOf('|', p)
    if (bar < 0 || bar - p > 64) break
    let blank = false
    for (let i = p; i < bar; i++) if (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) blank = true
    if (blank) break
    if (allDigits(s, p, bar)) h.pid ??= s.slice(p, bar)
    else if (h.level === undefined && normalizeLevel(s.slice(p, bar))) h.level = normalizeLevel(s.slice(p, bar))
    else h.component ??= s.slice(p, bar)
    p = bar + 1
  }
  h.contentStart = p
  return h
}

/**
 * Peels the file's header columns (see header-columns.ts) at the start of what the grammar left,
 * as far as this line's tokens fit them, then walks the rest of the header (a level, a component)
 * from there. Fields the first walk found are kept.
 */
function peelColumns(s: string, h: Header, end: number, columns: readonly HeaderColumn[]): void {
  if (h.component !== undefined) return
  let p = h.contentStart
  let peeled = false
  for (const column of columns) {
    p = skipSpaces(s, p)
    const e = tokenEnd(s, p)
    if (!columnFits(column, s, p, e, end)) break
    if (column === 'host') h.host ??= s.slice(p, e)
    else h.pid ??= s.slice(p, e)
    p = e
    peeled = true
  }
  if (!peeled) return
  h.contentStart = p
  if (h.level !== undefined) return
  const rest = parseHeader(s, p, end, true, false)
  h.contentStart = rest.contentStart
  h.level = rest.level
  h.component = rest.component
  h.thread ??= rest.thread
  h.pid ??= rest.pid
  h.host ??= rest.host
}

export function parseGeneric(line: string, lineId: number, format = 'generic', columns?: readonly HeaderColumn[]): LogRecord {
  const end = trimmedEnd(line)
  const start = skipSpaces(line, 0)
  const timed = findTimestamp(line, start)
  let timestamp: number | undefined
  let rawTimestamp: string | undefined
  let h: Header
  if (timed) {
    const tsEnd = ts.end
    timestamp = Number.isNaN(ts.ms) ? undefined : ts.ms
    let rs = tsStart
    let re = tsEnd
    if (line.charCodeAt(rs) === 91) {
      rs++
      re--
    }
    rawTimestamp = line.slice(rs, re)
    h = parseHeader(line, tsEnd, end, true)
    if (columns !== undefined && columns.length > 0) peelColumns(line, h, end, columns)
  } else h = parseHeader(line, start, end, false)
  const content = sliceTrim(line, h.contentStart, end)
  // Ids often sit in the header ("[req-<uuid> ...]"), so look at the whole line.
  const keys = findSessionKeys(line)
  return {
    lineId,
    lineCount: 1,
    timestamp,
    rawTimestamp,
    level: h.level,
    component: h.component,
    content,
    sessionKeys: keys ? keys.keys : [],
    sessionKind: keys?.kind,
    format,
    ...(h.host === undefined ? {} : {host: h.host}),
    pid: h.pid,
  }
}
