import {isDigit} from './format.js'
import {yearlessDay} from './year.js'

/** Where a timestamp ended and the instant it names (NaN when it has no date, e.g. `12:00:01`). */
export interface TimestampMatch {
  end: number
  ms: number
}

const MONTH_KEYS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

function key3(s: string, i: number): number {
  if (i + 3 > s.length) return -1
  const a = s.charCodeAt(i) | 32
  const b = s.charCodeAt(i + 1) | 32
  const c = s.charCodeAt(i + 2) | 32
  if (a < 97 || a > 122 || b < 97 || b > 122 || c < 97 || c > 122) return -1
  return (a << 16) | (b << 8) | c
}

const MONTHS = new Map(MONTH_KEYS.map((m, i) => [key3(m, 0), i + 1]))
const DAYS = new Set(DAY_KEYS.map((d) => key3(d, 0)))

/** 1..12 for a three-letter English month name at i (any case), else 0. */
export function monthAt(s: string, i: number): number {
  return MONTHS.get(key3(s, i)) ?? 0
}

function dayNameAt(s: string, i: number): boolean {
  return DAYS.has(key3(s, i))
}

/** Value of 1..max digits at i; sets `numEnd`. -1 when there is no digit. */
let numEnd = 0
function num(s: string, i: number, max: number): number {
  let v = 0
  let j = i
  const n = Math.min(s.length, i + max)
  while (j < n) {
    const c = s.charCodeAt(j)
    if (c < 48 || c > 57) break
    v = v * 10 + (c - 48)
    j++
  }
  numEnd = j
  return j === i ? -1 : v
}

function digitRun(s: string, i: number): number {
  let j = i
  while (j < s.length && isDigit(s.charCodeAt(j))) j++
  return j - i
}

/** True when position i is the end of the line or not a letter/digit (a token boundary). */
function boundary(s: string, i: number): boolean {
  if (i >= s.length) return true
  const c = s.charCodeAt(i)
  return !(isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))
}

let timeMs = 0
let timeEnd = 0
/**
 * `H:MM:SS` (or `HH.MM.SS` when sep is '.'), an optional fraction after `.`, `,` or `:`, and an
 * attached zone (`Z`, `+hh:mm`, `-hhmm`). Sets timeMs (ms since midnight UTC) and timeEnd.
 */
function time(s: string, i: number, sep: number, allowZone: boolean): boolean {
  const h = num(s, i, 2)
  if (h < 0 || h > 24 || numEnd - i < 1 || s.charCodeAt(numEnd) !== sep) return false
  let j = numEnd + 1
  const m = num(s, j, 2)
  // Some writers do not pad minutes and seconds (HealthApp: 22:16:0:119).
  if (m < 0 || m > 59 || s.charCodeAt(numEnd) !== sep) return false
  j = numEnd + 1
  const sec = num(s, j, 2)
  if (sec < 0 || sec > 60) return false
  j = numEnd
  let ms = ((h * 60 + m) * 60 + sec) * 1000
  const f = s.charCodeAt(j)
  if ((f === 46 || f === 44 || f === 58) && isDigit(s.charCodeAt(j + 1))) {
    const start = j + 1
    const run = digitRun(s, start)
    if (f === 58) {
      // `:606`, `:11` (HealthApp): unpadded milliseconds after a colon
      if (run <= 3) {
        ms += num(s, start, 3)
        j = start + run
      }
    } else {
      let frac = 0
      for (let k = 0; k < 3; k++) frac = frac * 10 + (k < run ? s.charCodeAt(start + k) - 48 : 0)
      ms += frac
      j = start + run
    }
  }
  if (allowZone) {
    const z = s.charCodeAt(j)
    if (z === 90 /* Z */) j++
    else if (z === 32 && (s.startsWith('UTC', j + 1) || s.startsWith('GMT', j + 1)) && boundary(s, j + 4)) j += 4 // PostgreSQL, Java
    else if ((z === 43 || z === 45) && isDigit(s.charCodeAt(j + 1)) && isDigit(s.charCodeAt(j + 2))) {
      const zh = (s.charCodeAt(j + 1) - 48) * 10 + (s.charCodeAt(j + 2) - 48)
      let k = j + 3
      if (s.charCodeAt(k) === 58) k++
      let zm = 0
      if (isDigit(s.charCodeAt(k)) && isDigit(s.charCodeAt(k + 1))) {
        zm = (s.charCodeAt(k) - 48) * 10 + (s.charCodeAt(k + 1) - 48)
        k += 2
      }
      if (zh <= 14 && boundary(s, k)) {
        ms -= (z === 43 ? 1 : -1) * (zh * 60 + zm) * 60000
        j = k
      }
    }
  }
  if (!boundary(s, j)) return false
  timeMs = ms
  timeEnd = j
  return true
}

function dateMs(y: number, mo: number, d: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN
  return Date.UTC(y, mo - 1, d)
}

/** A separator between date and time: one or more spaces, or one of T, -, _ (when allowed). */
function timeAfterDate(s: string, j: number, r: TimestampMatch, day: number, allowDash: boolean): boolean {
  const c = s.charCodeAt(j)
  let k = -1
  if (c === 32) {
    k = j + 1
    while (s.charCodeAt(k) === 32) k++
  } else if (c === 84 /* T */ || (allowDash && (c === 45 || c === 95))) k = j + 1
  if (k < 0 || !isDigit(s.charCodeAt(k))) return false
  // BGL writes 2005-06-03-15.42.50.675872
  const sep = s.charCodeAt(k + 2) === 46 && c === 45 ? 46 : 58
  if (!time(s, k, sep, true)) return false
  r.end = timeEnd
  r.ms = day + timeMs
  return true
}

/**
 * Recognises a timestamp starting exactly at i, in any of the shapes seen in the wild (ISO 8601,
 * `2015-10-18 18:01:47,978`, `17/06/09 20:10:40`, `03-17 16:13:38.811`, `20171223-22:15:29:606`,
 * `10.30 16:49:06`, `081109 203615`, `Jun 14 15:16:01`, `Sun Dec 04 04:47:44 2005`,
 * `10/Oct/2000:13:55:36 -0700`, `18-Jun-2020 10:00:00`, epoch seconds / millis, a bare time).
 * Character scans only; fills `r` and returns true on a match.
 */
export function scanTimestamp(s: string, i: number, r: TimestampMatch): boolean {
  const c = s.charCodeAt(i)
  if (isDigit(c)) return numericTimestamp(s, i, r)
  if ((c | 32) >= 97 && (c | 32) <= 122) return namedTimestamp(s, i, r)
  return false
}

function numericTimestamp(s: string, i: number, r: TimestampMatch): boolean {
  const run = digitRun(s, i)
  const after = s.charCodeAt(i + run)
  if (run === 4 && (after === 45 || after === 47 || after === 46)) {
    // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD [time]
    const y = num(s, i, 4)
    const mo = num(s, i + 5, 2)
    if (mo < 0 || s.charCodeAt(numEnd) !== after) return false
    const d = num(s, numEnd + 1, 2)
    if (d < 0) return false
    const j = numEnd
    const day = dateMs(y, mo, d)
    if (Number.isNaN(day)) return false
    if (timeAfterDate(s, j, r, day, after === 45)) return true
    if (!boundary(s, j) || s.charCodeAt(j) === 45) return false
    r.end = j
    r.ms = day
    return true
  }
  if (run === 8 && (after === 45 || after === 84 || after === 32)) {
    // 20171223-22:15:29:606, 20171223T221529 is not supported (ambiguous with ids)
    const y = num(s, i, 4)
    const day = dateMs(y, num(s, i + 4, 2), num(s, i + 6, 2))
    if (Number.isNaN(day)) return false
    return timeAfterDate(s, i + 8, r, day, true)
  }
  if (run === 6 && after === 32 && digitRun(s, i + 7) === 6 && boundary(s, i + 13)) {
    // 081109 203615 (HDFS)
    const day = dateMs(2000 + num(s, i, 2), num(s, i + 2, 2), num(s, i + 4, 2))
    const h = num(s, i + 7, 2)
    const m = num(s, i + 9, 2)
    const sec = num(s, i + 11, 2)
    if (Number.isNaN(day) || h > 23 || m > 59 || sec > 60) return false
    r.end = i + 13
    r.ms = day + ((h * 60 + m) * 60 + sec) * 1000
    return true
  }
  if ((run === 1 || run === 2) && after === 58) {
    if (!time(s, i, 58, true)) return false
    r.end = timeEnd
    r.ms = NaN
    return true
  }
  if (run === 2 && (after === 47 || after === 45 || after === 46)) return shortDate(s, i, after, r)
  if (run === 10 || run === 13) {
    const v = num(s, i, run)
    const secs = run === 10 ? v : v / 1000
    // 2001-09-09 .. 2100: plausible log epochs; excludes most ids and counters.
    if (secs < 1_000_000_000 || secs > 4_102_444_800) return false
    let j = i + run
    let ms = run === 10 ? v * 1000 : v
    if (run === 10 && s.charCodeAt(j) === 46 && isDigit(s.charCodeAt(j + 1))) {
      const fr = digitRun(s, j + 1)
      ms += Math.floor(Number('0.' + s.slice(j + 1, j + 1 + Math.min(fr, 6))) * 1000)
      j += 1 + fr
    }
    if (!boundary(s, j) || s.charCodeAt(j) === 46) return false
    r.end = j
    r.ms = ms
    return true
  }
  return false
}

/** Dates led by two digits: 17/06/09, 06/09/2017, 03-17 16:13:38, 10.30 16:49:06, 10/Oct/2000:... */
function shortDate(s: string, i: number, sep: number, r: TimestampMatch): boolean {
  const a = num(s, i, 2)
  const j = i + 3
  const mon = monthAt(s, j)
  if (mon > 0 && s.charCodeAt(j + 3) === sep) {
    // 10/Oct/2000:13:55:36 -0700 (CLF) or 18-Jun-2020 10:00:00.123
    const y = num(s, j + 4, 4)
    if (numEnd - (j + 4) !== 4) return false
    const day = dateMs(y, mon, a)
    const k = numEnd
    const t = s.charCodeAt(k)
    if (t === 58 && time(s, k + 1, 58, true)) {
      let end = timeEnd
      let ms = day + timeMs
      // CLF puts the zone after a space: " -0700"
      const z = s.charCodeAt(end + 1)
      if (s.charCodeAt(end) === 32 && (z === 43 || z === 45) && digitRun(s, end + 2) === 4) {
        const zh = num(s, end + 2, 2)
        const zm = num(s, end + 4, 2)
        ms -= (z === 43 ? 1 : -1) * (zh * 60 + zm) * 60000
        end += 6
      }
      r.end = end
      r.ms = ms
      return true
    }
    return timeAfterDate(s, k, r, day, false)
  }
  const b = num(s, j, 2)
  if (b < 0) return false
  const k = numEnd
  if (s.charCodeAt(k) === sep && isDigit(s.charCodeAt(k + 1))) {
    const third = num(s, k + 1, 4)
    const len = numEnd - (k + 1)
    let day: number
    if (len === 4) day = a <= 12 ? dateMs(third, a, b) : dateMs(third, b, a) // MM/DD/YYYY, else DD/MM/YYYY
    else if (len === 2) day = dateMs(2000 + a, b, third) // YY/MM/DD (Spark, Hadoop 1)
    else return false
    if (Number.isNaN(day)) return false
    return timeAfterDate(s, numEnd, r, day, false)
  }
  // MM-DD time (logcat), MM.DD time (Proxifier): no year, dated in the marker year (year.ts)
  if (s.charCodeAt(k) !== 32) return false
  const day = yearlessDay(a, b)
  if (Number.isNaN(day)) return false
  return timeAfterDate(s, k, r, day, false)
}

/** `Jun 14 15:16:01 [2005]`, `Sun Dec 04 04:47:44 2005`, `Sun, 04 Dec 2005 04:47:44 GMT`. */
function namedTimestamp(s: string, i: number, r: TimestampMatch): boolean {
  let j = i
  if (dayNameAt(s, j) && !monthAt(s, j)) {
    let k = j + 3
    // full day names (Sunday) and the RFC 2822 comma
    while (k < s.length && ((s.charCodeAt(k) | 32) >= 97 && (s.charCodeAt(k) | 32) <= 122)) k++
    if (s.charCodeAt(k) === 44) k++
    if (s.charCodeAt(k) !== 32) return false
    j = k + 1
    if (isDigit(s.charCodeAt(j))) {
      // RFC 2822: 04 Dec 2005 04:47:44
      const d = num(s, j, 2)
      const mon = monthAt(s, numEnd + 1)
      if (!mon) return false
      const y = num(s, numEnd + 5, 4)
      if (numEnd - (j + 4) < 4 && y < 1000) return false
      const day = dateMs(y, mon, d)
      if (Number.isNaN(day)) return false
      return timeAfterDate(s, numEnd, r, day, false)
    }
  }
  const mon = monthAt(s, j)
  if (!mon) return false
  let k = j + 3
  // full month names: "June"
  while (k < s.length && ((s.charCodeAt(k) | 32) >= 97 && (s.charCodeAt(k) | 32) <= 122)) k++
  if (s.charCodeAt(k) !== 32) return false
  while (s.charCodeAt(k) === 32) k++
  const d = num(s, k, 2)
  if (d < 1 || d > 31) return false
  k = numEnd
  if (s.charCodeAt(k) !== 32) return false
  k++
  if (!time(s, k, 58, false)) return false
  const tEnd = timeEnd
  const tMs = timeMs
  // an optional year after the time (ctime, Apache); without one (RFC 3164), the marker year (year.ts)
  let day: number
  let end = tEnd
  if (s.charCodeAt(tEnd) === 32 && digitRun(s, tEnd + 1) === 4 && boundary(s, tEnd + 5)) {
    day = dateMs(num(s, tEnd + 1, 4), mon, d)
    end = tEnd + 5
  } else day = yearlessDay(mon, d)
  if (Number.isNaN(day)) return false
  r.end = end
  r.ms = day + tMs
  return true
}

/**
 * A timestamp at i, optionally wrapped in `[...]`; `r.end` is past the closing bracket. Leading
 * blanks inside the bracket are allowed (`[ 12.345]` is not a timestamp, though).
 */
export function scanLeadingTimestamp(s: string, i: number, r: TimestampMatch): boolean {
  if (s.charCodeAt(i) === 91 /* [ */) {
    if (!scanTimestamp(s, i + 1, r)) return false
    if (s.charCodeAt(r.end) !== 93) return false
    r.end++
    return true
  }
  return scanTimestamp(s, i, r)
}
