import {describe, expect, it} from 'vitest'
import type {LogRecord} from '../../../src/core/ingest/record.js'
import {SessionStore} from '../../../src/core/sessions/store.js'
import {parseStreamFields, streamOf} from '../../../src/core/sessions/streams.js'
import {chooseWindow} from '../../../src/core/sessions/window.js'

const rec = (lineId: number, extra: Partial<LogRecord> = {}): LogRecord => ({lineId, lineCount: 1, content: 'x', sessionKeys: [], format: 'test', ...extra})
const T0 = Date.UTC(2026, 0, 1)

describe('auto session key checks itself', () => {
  it('rejects an id that is new on every line and says why', () => {
    const store = new SessionStore({mode: 'auto', autoSample: 50})
    for (let i = 1; i <= 100; i++) store.add(rec(i, {sessionKeys: [`req${i}`], sessionKind: 'request', timestamp: T0 + i * 1000}), 0)
    store.finish()
    expect(store.resolved).toBe('window')
    expect(store.reason).toMatch(/request ids rejected: 100% of their sessions .* single line/)
  })

  it('keeps an id whose sessions hold several lines', () => {
    const store = new SessionStore({mode: 'auto', autoSample: 50})
    for (let i = 1; i <= 100; i++) store.add(rec(i, {sessionKeys: [`req${i % 10}`], sessionKind: 'request', timestamp: T0 + i * 1000}), 0)
    expect(store.finish()).toHaveLength(10)
    expect(store.resolved).toBe('request')
  })
})

describe('streams', () => {
  it('splits windows by host and fills the windows a host was silent in', () => {
    const store = new SessionStore({mode: 'window', windowMs: 60_000, by: 'auto'})
    let line = 0
    for (let m = 0; m < 10; m++) {
      store.add(rec(++line, {host: 'web', timestamp: T0 + m * 60_000}), 0)
      if (m < 3 || m > 6) store.add(rec(++line, {host: 'db', timestamp: T0 + m * 60_000 + 5}), 1)
    }
    const sessions = [...store.finish()]
    expect(sessions).toHaveLength(20)
    const db = sessions.filter((s) => s.stream === 'db')
    expect(db.map((s) => s.events)).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 1, 1])
    expect(db[4].windowStart).toBe(T0 + 4 * 60_000)
    expect(store.describe()).toBe('window (1m per host, 2 streams)')
  })

  it('completes the streams of hundreds of thousands of windows (no spread of every start into one call)', () => {
    const store = new SessionStore({mode: 'window', windowMs: 60_000, by: ['host']})
    let line = 1
    for (let w = 0; w < 1500; w++) for (let h = 0; h < 100; h++) if ((w + h) % 7 !== 0) store.add(rec(line++, {host: `h${h}`, timestamp: T0 + w * 60_000}), 0)
    const sessions = store.finish()
    expect(sessions.length).toBe(150_000)
    expect(Array.from(sessions, (s) => s.events).filter((n) => n === 0)).toHaveLength(150_000 - line + 1)
  })

  it('reads labels onto the windows a host was silent in too', () => {
    const store = new SessionStore({mode: 'window', windowMs: 60_000, by: ['host']})
    // host a in windows 0 and 2, b in window 0 only: a's window 1 and b's 1 and 2 are made empty at finish()
    ;[['a', 0], ['b', 1000], ['a', 120_000]].forEach(([host, t], i) => store.add(rec(i + 1, {host: host as string, timestamp: T0 + (t as number)}), 0))
    const sessions = store.finish({keepLookups: true})
    expect(sessions.length).toBe(6)
    const sink = store.labelSink()
    for (const s of sessions) sink.add(s.id, s.events === 0)
    expect(sink.sessionsLabelled).toBe(6)
    const labels = sink.labelsOf(sessions)
    expect(Array.from(sessions, (s, i) => [s.events, labels.at(i), sink.get(s.id)])).toEqual(Array.from(sessions, (s) => [s.events, s.events === 0, s.events === 0]))
    expect(Array.from(sessions, (s) => s.events).filter((n) => n === 0)).toHaveLength(3)
  })

  it('keeps one stream when the log names a single host', () => {
    const store = new SessionStore({mode: 'window', windowMs: 60_000, by: 'auto'})
    for (let i = 0; i < 5; i++) store.add(rec(i + 1, {host: 'h', timestamp: T0 + i * 60_000}), 0)
    expect([...store.finish()].every((s) => s.stream === undefined)).toBe(true)
    expect(store.streamed).toBe(false)
  })

  it('reads --by and names streams', () => {
    expect(parseStreamFields('host,component')).toEqual(['host', 'component'])
    expect(parseStreamFields('auto')).toBe('auto')
    expect(parseStreamFields('none')).toEqual([])
    expect(parseStreamFields('pid')).toBeUndefined()
    expect(streamOf(rec(1, {host: 'web', component: 'api'}), ['host', 'component'])).toBe('web/api')
    expect(streamOf(rec(1, {}), ['host'])).toBe('-')
  })
})

describe('window length from the data', () => {
  it('cuts a day of five hosts into five-minute windows, not seconds and not a day', () => {
    const times: number[] = []
    const streams: string[] = []
    for (let s = 0; s < 86_400; s += 3) for (const h of ['a', 'b', 'c', 'd', 'e']) {
      times.push(T0 + s * 1000)
      streams.push(h)
    }
    const choice = chooseWindow(times, streams)
    expect(choice.windowMs).toBe(300_000)
    expect(choice.reason).toMatch(/^5m windows: 288 over a /)
  })

  it('gives a few busy minutes second-long windows and sparse months half a day or more', () => {
    const burst = Array.from({length: 2000}, (_, i) => T0 + i * 60)
    expect(chooseWindow(burst).windowMs).toBeLessThanOrEqual(1000)
    // ten lines a day, an hour apart, for 200 days
    const sparse = Array.from({length: 2000}, (_, i) => T0 + Math.floor(i / 10) * 86_400_000 + (i % 10) * 3_600_000)
    expect(chooseWindow(sparse).windowMs).toBeGreaterThanOrEqual(43_200_000)
  })
})
