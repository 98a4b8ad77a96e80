import {describe, expect, it} from 'vitest'
import type {LogRecord} from '../../../src/core/ingest/record.js'
import {SessionStore} from '../../../src/core/sessions/store.js'
import {chooseWindow, formatDuration} from '../../../src/core/sessions/window.js'
import {seededRand} from '../../helpers/hdfs-like.js'

// chooseWindow counts each candidate window's lines over each stream's sorted times. The general
// way is one key per line and window (a stream name and a window number) in a map: kept here as
// the reference that the fast count must agree with, choice and reason alike.
const CHOICES = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400].map((s) => s * 1000)
function reference(times: number[], streams?: string[]): {windowMs: number; reason: string} {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const t of times) {
    if (t < lo) lo = t
    if (t > hi) hi = t
  }
  const span = hi - lo
  const stats = (w: number): {windows: number; median: number} => {
    const counts = new Map<string, number>()
    for (let i = 0; i < times.length; i++) {
      const k = `${streams?.[i] ?? ''} ${Math.floor(times[i] / w)}`
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    const sizes = [...counts.values()].sort((a, b) => a - b)
    return {windows: streams ? Math.floor(hi / w) - Math.floor(lo / w) + 1 : sizes.length, median: sizes[Math.floor(sizes.length / 2)]}
  }
  let k = 0
  let at = stats(CHOICES[0])
  const most = Math.max(300, Math.min(300 * (span / 86_400_000), times.length / 10))
  while (at.windows > most && k + 1 < CHOICES.length) at = stats(CHOICES[++k])
  while (at.median < 3 && k + 1 < CHOICES.length) {
    const next = stats(CHOICES[k + 1])
    if (next.windows < 24) break
    at = next
    k++
  }
  const w = CHOICES[k]
  const per = streams ? 'stream window' : 'window'
  return {windowMs: w, reason: `${formatDuration(w)} windows: ${at.windows} over a ${formatDuration(Math.max(1000, Math.round(span / 1000) * 1000))} span, median ${at.median} events per non-empty ${per}`}
}

describe('chooseWindow', () => {
  it('chooses as the count by keys does, over seeded logs of every density, with and without streams', () => {
    const rand = seededRand(7)
    const spans = [20_000, 600_000, 3_600_000, 86_400_000, 7 * 86_400_000, 90 * 86_400_000]
    let streamedCases = 0
    for (let c = 0; c < 120; c++) {
      const span = spans[c % spans.length]
      const n = 1 + rand(c % 3 === 0 ? 60 : 4000)
      const t0 = Date.UTC(2026, 0, 1) + rand(1000) * 1000
      // bursts and gaps: some lines bunched at a few instants, the rest spread over the span
      const times = Array.from({length: n}, () => (rand(4) === 0 ? t0 + rand(5) * (span / 5) : t0 + rand(span)))
      if (c % 10 === 0) times.sort((a, b) => a - b)
      const hosts = 1 + rand(6)
      // (a stream may be missing on a record: the stream '')
      const streams = c % 2 === 0 ? undefined : times.map(() => (rand(20) === 0 ? (undefined as unknown as string) : `host-${rand(hosts)}`))
      if (streams) streamedCases++
      expect(chooseWindow(times, streams), `case ${c}: ${n} lines over ${span} ms`).toEqual(reference(times, streams))
    }
    expect(streamedCases).toBe(60)
  })

  it('agrees on odd times: before 1970, -0 beside 0, fractions of a millisecond, NaN', () => {
    const times = [-0, Number.NaN, 0, 0.5, Number.NaN, 999.9, 1000, -1, -1500, -86_400_000, 3_600_000.25, ...Array.from({length: 50}, (_, i) => i * 7919.5)]
    expect(chooseWindow(times)).toEqual(reference(times))
    const streams = times.map((_, i) => ['a', 'b', ''][i % 3])
    expect(chooseWindow(times, streams)).toEqual(reference(times, streams))
  })
})

describe('window sessions', () => {
  const rec = (lineId: number, timestamp: number, host: string): LogRecord => ({lineId, lineCount: 1, content: 'x', sessionKeys: [], format: 'test', timestamp, host})

  it('a line back in an earlier window of its stream lands in that window, not the stream\'s last', () => {
    const t0 = Date.UTC(2026, 0, 1)
    for (const by of [['host'] as const, [] as const]) {
      const store = new SessionStore({mode: 'window', windowMs: 300_000, by: [...by]})
      const lines = [[t0, 'a'], [t0 + 1000, 'b'], [t0 + 400_000, 'a'], [t0 + 2000, 'a'], [t0 + 401_000, 'a'], [t0 + 3000, 'b'], [t0 + 650_000, 'b'], [t0 + 4000, 'b']] as const
      lines.forEach(([t, host], i) => store.add(rec(i + 1, t, host), 0))
      const events = Object.fromEntries([...store.finish()].filter((s) => s.events > 0).map((s) => [s.id, s.events]))
      const at = (ms: number): string => new Date(t0 + ms).toISOString()
      if (by.length > 0) expect(events).toEqual({[`a ${at(0)}`]: 2, [`b ${at(0)}`]: 3, [`a ${at(300_000)}`]: 2, [`b ${at(600_000)}`]: 1})
      else expect(events).toEqual({[at(0)]: 5, [at(300_000)]: 2, [at(600_000)]: 1})
    }
  })
})
