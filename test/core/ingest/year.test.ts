import {describe, expect, it} from 'vitest'
import {RecordAssembler} from '../../../src/core/ingest/index.js'
import {isYearless, nearYear, YearResolver, yearlessDay} from '../../../src/core/ingest/formats/year.js'

const NOW = Date.parse('2026-12-04T10:00:00Z')

/** The records' timestamps of year-less syslog lines, assembled in order against `now`. */
function dates(stamps: string[], now = NOW, format = 'syslog'): string[] {
  const a = new RecordAssembler({format, now})
  const lines = stamps.map((s) => (format === 'syslog' ? `${s} web-01 cron[1]: tick` : `${s}  1702  1702 I Tag: tick`))
  const records = [...a.push(lines, 1), ...a.finish()]
  return records.map((r) => new Date(r.timestamp!).toISOString())
}

describe('year-less timestamps', () => {
  it('take the year of now when that is not after now', () => {
    expect(dates(['Jun 14 15:16:01'])).toEqual(['2026-06-14T15:16:01.000Z'])
    expect(dates(['Jun 14 15:16:01'], Date.parse('2031-01-01T00:00:00Z'))).toEqual(['2030-06-14T15:16:01.000Z'])
  })

  it('take the year before when the first line would be in the future (more than a day)', () => {
    expect(dates(['Dec 10 06:55:46'])).toEqual(['2025-12-10T06:55:46.000Z'])
    // a day of slack: a host's local time read as UTC may be hours ahead
    expect(dates(['Dec  4 20:00:00'])).toEqual(['2026-12-04T20:00:00.000Z'])
  })

  it('roll over into the next year where the month goes back from December to January', () => {
    expect(dates(['Dec 31 23:59:58', 'Jan  1 00:00:03', 'Jan  1 02:00:00'])).toEqual(['2025-12-31T23:59:58.000Z', '2026-01-01T00:00:03.000Z', '2026-01-01T02:00:00.000Z'])
    expect(dates(['12-31 23:59:58.100', '01-01 00:00:01.200'], NOW, 'generic')).toEqual(['2025-12-31T23:59:58.100Z', '2026-01-01T00:00:01.200Z'])
  })

  it('keep a late December line after January 1 in the year before, without moving on', () => {
    expect(dates(['Dec 31 23:59:58', 'Jan  1 00:00:01', 'Dec 31 23:59:59', 'Jan  1 00:00:02'])).toEqual([
      '2025-12-31T23:59:58.000Z',
      '2026-01-01T00:00:01.000Z',
      '2025-12-31T23:59:59.000Z',
      '2026-01-01T00:00:02.000Z',
    ])
  })

  it('read forward within a year (a month later is no rollover)', () => {
    expect(dates(['Jun 14 15:16:01', 'Jul 27 14:41:59', 'Jun 15 00:00:00'])).toEqual(['2026-06-14T15:16:01.000Z', '2026-07-27T14:41:59.000Z', '2026-06-15T00:00:00.000Z'])
  })

  it('depend only on the now given, not on the day the test runs', () => {
    expect(dates(['Dec 31 23:59:58', 'Jan  1 00:00:03'], Date.parse('2030-01-01T01:00:00Z'))).toEqual(['2029-12-31T23:59:58.000Z', '2030-01-01T00:00:03.000Z'])
  })

  it('leave timestamps with a year alone', () => {
    const r = new YearResolver(NOW)
    const full = Date.parse('2005-12-04T04:47:44Z')
    expect(r.resolve(full)).toBe(full)
    expect(isYearless(full)).toBe(false)
    expect(isYearless(yearlessDay(2, 29))).toBe(true)
    expect(new Date(r.resolve(yearlessDay(3, 1))).toISOString()).toBe('2026-03-01T00:00:00.000Z')
  })
})

describe('nearYear against the Date arithmetic it saves', () => {
  // The way nearYear dated a year-less time before it kept a day's shift and a year's bounds:
  // two Dates a call. Kept here as the reference the cached one must equal.
  const DAY = 86_400_000
  const inYearByDates = (ms: number, year: number): number => {
    const d = new Date(ms)
    const shifted = new Date(d)
    shifted.setUTCFullYear(year + d.getUTCFullYear())
    return shifted.getTime()
  }
  const reference = (ms: number, ref: number): number => {
    if (!isYearless(ms) || !Number.isFinite(ref)) return ms
    const year = new Date(ref).getUTCFullYear()
    const t = inYearByDates(ms, year)
    if (t < ref - 183 * DAY) return inYearByDates(ms, year + 1)
    if (t > ref + 183 * DAY) return inYearByDates(ms, year - 1)
    return t
  }

  it('gives the same times over seeded year-less stamps (Feb 29, New Year, fractions of a ms) and references before 1970 too', () => {
    let x = 12345
    const rand = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return (x >>> 8) % n
    }
    const stamps = [yearlessDay(2, 29), yearlessDay(1, 1), yearlessDay(12, 31), yearlessDay(3, 1), yearlessDay(2, 28)]
    const refs = [Date.UTC(2025, 0, 1), Date.UTC(2024, 11, 31, 23, 59, 59, 999), Date.UTC(2023, 5, 1), -86_400_000 * 400.5, Date.UTC(1969, 11, 31, 23, 59, 59, 999) + 0.5, Date.UTC(2100, 1, 28)]
    let compared = 0
    // (in order and out of order: a day met again after another keeps no stale shift)
    for (let i = 0; i < 20_000; i++) {
      const day = i % 7 === 0 ? stamps[rand(stamps.length)] : yearlessDay(1 + rand(12), 1 + rand(28))
      const ms = day + rand(DAY) + (i % 3 === 0 ? rand(1000) / 1000 : 0) - (i % 11 === 0 ? 0.5 : 0)
      const ref = i % 5 === 0 ? refs[rand(refs.length)] + rand(1000) / 7 : Date.UTC(1900 + rand(200), rand(12), 1 + rand(28)) + rand(DAY) - (i % 13 === 0 ? 0.25 : 0)
      expect(nearYear(ms, ref), `ms ${ms} ref ${ref}`).toBe(reference(ms, ref))
      compared++
    }
    expect(compared).toBe(20_000)
  })

  it('gives NaN past the last time a Date holds, as the Dates did (references in its first and last years)', () => {
    const last = 8.64e15
    const first = -8.64e15
    for (const [month, day] of [[9, 13], [9, 12], [12, 31], [4, 19], [4, 20], [1, 1]]) {
      for (const ref of [last, last - 86_400_000 * 30, first, first + 86_400_000 * 30]) {
        for (const hour of [0, 10, 23]) {
          const ms = yearlessDay(month, day) + hour * 3_600_000
          expect(nearYear(ms, ref), `${month}-${day} ${hour}h ref ${ref}`).toBe(reference(ms, ref))
        }
      }
    }
    // (the case that differed: a day in range whose later hours are not)
    expect(nearYear(yearlessDay(9, 13) + 10 * 3_600_000, last)).toBeNaN()
  })
})
