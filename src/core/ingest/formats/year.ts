/**
 * Years for timestamps that carry none (RFC 3164 syslog `Dec 31 23:59:58`, Android logcat
 * `03-17 16:13:38`, Proxifier `10.30 16:49:06`). The per-line scanner (timestamp.ts) cannot see
 * the lines around it, so it dates such a timestamp in the marker year 0 (YEARLESS); the code
 * that sees the lines in order (the record assembler, replay's ordering) gives them real years
 * with a YearResolver (replay's ordering with nearYear), the way syslog readers do:
 * - the first one gets the year of `now`, or the year before when that would put it more than a
 *   day after `now` (the day allows for a host's local time read as UTC);
 * - each one after it takes the year that puts it nearest to the one before (nearYear): the log
 *   reads forward, Dec → Jan is the next year, a late Dec 31 line after Jan 1 the year before.
 * Only the first line is checked against `now` (the decision is made while streaming): a log
 * that crosses New Year and ends after `now` is dated a year late.
 */

const DAY = 86_400_000
const HALF_YEAR = 183 * DAY

/** Year the scanner dates year-less timestamps in: 0 (proleptic Gregorian, a leap year, so Feb 29 parses). */
export const YEARLESS_YEAR = 0
const YEARLESS_START = Date.UTC(2000, 0, 1) - 730_485 * DAY // 0000-01-01: 2000 years = 5 × 146097 days

/** Epoch ms of month mo (1..12), day d in the marker year; NaN when out of range. */
export function yearlessDay(mo: number, d: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN
  return Date.UTC(2000, mo - 1, d) - 730_485 * DAY
}

/** True for a time the scanner dated in the marker year (a zone offset may move it a day either side). */
export function isYearless(ms: number): boolean {
  return ms >= YEARLESS_START - 2 * DAY && ms < YEARLESS_START + 368 * DAY
}

/** The greatest time a Date holds, ms from the epoch either way. */
const MAX_TIME = 8.64e15
/** inYear's last day: its start in the marker year, the year it went to, and where it landed. */
const moved = {day: Number.NaN, year: Number.NaN, to: 0}
/** utcYear's last year and its bounds. */
const lastYear = {start: Number.NaN, end: Number.NaN, year: 0}

/** The marker-year time `ms` moved to `year` (same month, day and time of day). */
function inYear(ms: number, year: number): number {
  // A day's lines all move by as much: the Date arithmetic is done once a day (and a Date keeps
  // whole milliseconds, the fraction dropped toward zero).
  const t = Math.trunc(ms)
  const day = Math.floor(t / DAY) * DAY
  if (day !== moved.day || year !== moved.year) {
    const d = new Date(day)
    d.setUTCFullYear(year + d.getUTCFullYear() - YEARLESS_YEAR)
    moved.day = day
    moved.year = year
    moved.to = d.getTime()
  }
  const to = moved.to + (t - day)
  // (past the last time a Date holds, as the Date arithmetic said: NaN)
  return Math.abs(to) <= MAX_TIME ? to : Number.NaN
}

/** The UTC year of `ms`, as `new Date(ms).getUTCFullYear()`, the last year's bounds kept. */
function utcYear(ms: number): number {
  const t = Math.trunc(ms)
  if (t >= lastYear.start && t < lastYear.end) return lastYear.year
  const year = new Date(t).getUTCFullYear()
  const d = new Date(0)
  lastYear.start = d.setUTCFullYear(year, 0, 1)
  lastYear.end = d.setUTCFullYear(year + 1, 0, 1)
  lastYear.year = year
  return year
}

/**
 * A year-less `ms` in the year that puts it nearest to `ref` (within half a year: Jan 1 after
 * Dec 31 is the next year, a late Dec 31 after Jan 1 the year before); any other `ms`, or any
 * `ms` without a finite `ref`, as it is.
 */
export function nearYear(ms: number, ref: number): number {
  if (!isYearless(ms) || !Number.isFinite(ref)) return ms
  const year = utcYear(ref)
  const t = inYear(ms, year)
  if (t < ref - HALF_YEAR) return inYear(ms, year + 1)
  if (t > ref + HALF_YEAR) return inYear(ms, year - 1)
  return t
}

/** Gives year-less times, seen in log order, real years (see the file comment). */
export class YearResolver {
  private last = Number.NaN

  /** `now`: epoch ms the first year-less time must not be (a day) after; tests pin it. */
  constructor(private readonly now: number = Date.now()) {}

  /** `ms` itself unless it is year-less; then the same month, day and time in its inferred year. */
  resolve(ms: number): number {
    if (!isYearless(ms)) return ms
    let t: number
    if (Number.isNaN(this.last)) {
      const year = new Date(this.now).getUTCFullYear()
      t = inYear(ms, year)
      if (t > this.now + DAY) t = inYear(ms, year - 1)
    } else t = nearYear(ms, this.last)
    this.last = t
    return t
  }
}
