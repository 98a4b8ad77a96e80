import {describe, expect, it} from 'vitest'
import type {LogRecord} from '../../../src/core/ingest/record.js'
import {chooseWindow, SessionStore} from '../../../src/core/sessions/store.js'
import {sessionIds} from '../../../src/core/sessions/ids.js'
import {parseDuration, windowsContaining} from '../../../src/core/sessions/window.js'
import {FlareError} from '../../../src/core/errors.js'

const rec = (lineId: number, extra: Partial<LogRecord> = {}): LogRecord => ({lineId, lineCount: 1, content: 'x', sessionKeys: [], format: 'test', ...extra})

describe('SessionStore', () => {
  it('auto picks the id kind most records carry and ignores lines without one', () => {
    const store = new SessionStore({mode: 'auto', autoSample: 10})
    for (let i = 1; i <= 30; i++) store.add(rec(i, i % 3 === 0 ? {level: i % 2 === 0 ? 'FATAL' : 'INFO'} : {sessionKeys: [`blk_${i % 4}`], sessionKind: 'block'}), i % 5)
    const sessions = [...store.finish()]
    expect(store.resolved).toBe('block')
    expect(sessions.map((s) => s.id).sort()).toEqual(['blk_0', 'blk_1', 'blk_2', 'blk_3'])
    expect(store.unassigned).toBe(10)
    // (6, 12, 18, 24, 30: the FATAL ones among the lines without a block id)
    expect(store.unassignedErrors).toBe(5)
    expect(sessions.reduce((n, s) => n + s.events, 0)).toBe(20)
  })

  it('a line naming two blocks counts in both sessions', () => {
    const store = new SessionStore({mode: 'block'})
    store.add(rec(1, {sessionKeys: ['blk_1', 'blk_2'], sessionKind: 'block'}), 0)
    const [a, b] = store.finish()
    expect([a.id, b.id]).toEqual(['blk_1', 'blk_2'])
    expect(a.count(0)).toBe(1)
    expect(b.count(0)).toBe(1)
  })

  it('falls back to time windows when few records carry ids, with sliding steps', () => {
    const store = new SessionStore({mode: 'auto', windowMs: 60_000, stepMs: 30_000, autoSample: 5})
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 0)
    for (let i = 0; i < 10; i++) store.add(rec(i + 1, {timestamp: t0 + i * 20_000, level: i === 9 ? 'ERROR' : 'INFO'}), 0)
    const sessions = [...store.finish()]
    expect(store.resolved).toBe('window')
    expect(store.describe()).toBe('window (1m, step 30s)')
    // every record is in two overlapping windows
    expect(sessions.reduce((n, s) => n + s.events, 0)).toBe(20)
    const last = sessions.find((s) => s.id === new Date(t0 + 150_000).toISOString())!
    expect(last.errors).toBe(1)
  })

  it('chooses a window from the timestamps when none is given', () => {
    const t0 = Date.UTC(2026, 0, 1)
    // 8 hours at 3 events a minute → 10-minute windows hold ~30 events
    const times = Array.from({length: 8 * 60 * 3}, (_, i) => t0 + i * 20_000)
    expect(chooseWindow(times).windowMs).toBe(300_000)
    const store = new SessionStore({mode: 'window'})
    times.forEach((t, i) => store.add(rec(i + 1, {timestamp: t}), 0))
    const sessions = [...store.finish()]
    expect(store.windowMs).toBe(300_000)
    expect(sessions).toHaveLength(96)
    expect(store.describe()).toBe('window (auto: 5m)')
  })

  it('gives a busy week the windows of a day, not 300 over the week; a sparse week keeps its longer ones', () => {
    const t0 = Date.UTC(2026, 0, 1)
    // a week at 3 lines a minute: 5-minute windows, as for one day of it (300 over the week would be an hour)
    const busy = Array.from({length: 7 * 24 * 60 * 3}, (_, i) => t0 + i * 20_000)
    expect(chooseWindow(busy).windowMs).toBe(300_000)
    expect(chooseWindow(busy.slice(0, 24 * 60 * 3)).windowMs).toBe(300_000)
    expect(chooseWindow(busy, busy.map((_, i) => `host-${i % 2}`)).windowMs).toBe(300_000)
    // 2,000 lines of two hosts over the same week: too few for 2,000 windows; 300 over the week, as before
    const sparse = Array.from({length: 2000}, (_, i) => t0 + i * 302_400)
    expect(chooseWindow(sparse, sparse.map((_, i) => `host-${i % 2}`)).windowMs).toBe(3_600_000)
  })

  it('counts lines when there are no timestamps at all', () => {
    const store = new SessionStore({mode: 'window', windowMs: 60_000, linesPerWindow: 4})
    for (let i = 1; i <= 10; i++) store.add(rec(i), 0)
    expect([...store.finish()].map((s) => s.id)).toEqual(['lines 1-4', 'lines 5-8', 'lines 9-12'])
    expect(store.describe()).toMatch(/no timestamps/)
  })

  it('tracks per-template counts, first lines, transitions and timing', () => {
    const store = new SessionStore({mode: 'request'})
    const t0 = 1_000_000
    ;[0, 1, 1, 2].forEach((tpl, i) => store.add(rec(10 + i, {sessionKeys: ['r1'], sessionKind: 'request', timestamp: t0 + i * 1000, level: tpl === 2 ? 'WARN' : 'INFO'}), tpl))
    const [s] = store.finish()
    expect([...s.templates]).toEqual([0, 1, 10, 1, 2, 11, 2, 1, 13])
    expect(s.transitions.length / 2).toBe(3) // 0→1, 1→1, 1→2
    expect(s.durationMs).toBe(3000)
    expect(s.gapMax).toBe(1000)
    expect(s.warnings).toBe(1)
  })
})

describe('durations and windows', () => {
  it('parses durations with units', () => {
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('1.5h')).toBe(5_400_000)
    expect(parseDuration('30')).toBe(30_000)
    expect(() => parseDuration('soon')).toThrow(/invalid duration/)
  })
  it('finds every sliding window containing a time', () => {
    expect(windowsContaining(125, 100, 50)).toEqual({first: 1, last: 2})
    expect(windowsContaining(125, 100, 100)).toEqual({first: 1, last: 1})
  })
})

describe('SessionStore limits', () => {
  const thrown = (fn: () => unknown): FlareError => {
    try {
      fn()
    } catch (error) {
      expect(error).toBeInstanceOf(FlareError)
      return error as FlareError
    }
    throw new Error('expected a FlareError')
  }

  it('stops past maxSessions id sessions, naming the limit, the flag and a coarser grouping', () => {
    const store = new SessionStore({mode: 'block', maxSessions: 5})
    for (let i = 0; i < 5; i++) store.add(rec(i + 1, {sessionKeys: [`blk_${i}`], sessionKind: 'block'}), 0)
    // Lines of sessions it already holds still count.
    store.add(rec(6, {sessionKeys: ['blk_0'], sessionKind: 'block'}), 1)
    const error = thrown(() => store.add(rec(7, {sessionKeys: ['blk_5'], sessionKind: 'block'}), 0))
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(/more than 5 sessions/)
    expect(error.hint).toMatch(/--max-sessions/)
    expect(error.hint).toMatch(/--session-key window/)
  })

  it('stops past maxSessions time windows, suggesting a longer window and a larger step', () => {
    const store = new SessionStore({mode: 'window', windowMs: 2000, stepMs: 1000, maxSessions: 10})
    const error = thrown(() => {
      for (let i = 0; i < 100; i++) store.add(rec(i + 1, {timestamp: Date.UTC(2026, 0, 1) + i * 1000}), 0)
    })
    expect(error.message).toMatch(/more than 10 sessions/)
    expect(error.hint).toMatch(/longer --window \(now 2s\) or a larger --step \(now 1s\)/)
  })

  it('refuses a duration too long to mean anything (1e400d is Infinity)', () => {
    expect(thrown(() => parseDuration(`1${'0'.repeat(400)}d`, '--window')).exitCode).toBe(2)
    expect(thrown(() => parseDuration('4000d', '--window')).message).toMatch(/longer than 3650 days/)
    expect(parseDuration('3650d')).toBe(3650 * 86_400_000)
  })

  it('refuses window and step lengths no flag can give (a damaged model file)', () => {
    for (const [windowMs, stepMs] of [[0, undefined], [-5, undefined], [60_000, 0], [60_000, -1], [60_000, 1], [1.5, undefined], [Number.NaN, undefined]]) {
      const error = thrown(() => new SessionStore({mode: 'window', windowMs, stepMs}))
      expect(error.exitCode, `${windowMs}/${stepMs}`).toBe(3)
    }
    expect(new SessionStore({mode: 'window', windowMs: 60_000, stepMs: 600}).describe()).toBe('window (1m, step 600ms)')
  })
})

describe('session ids', () => {
  it('block sessions read their ids from the store\'s key bytes, before and after finish() and once the lookups go', () => {
    const store = new SessionStore({mode: 'block'})
    const ids = Array.from({length: 3000}, (_, i) => `blk_${i % 2 === 0 ? '-' : ''}${(i * 7_919_123) % 1_000_003}${i}`)
    for (const [i, id] of ids.entries()) store.add(rec(i + 1, {sessionKeys: [id], sessionKind: 'block'}), i % 4)
    expect([...store.all].slice(0, 3).map((s) => s.id)).toEqual(ids.slice(0, 3))
    const sessions = [...store.finish({keepLookups: true})]
    expect(sessions.map((s) => s.id)).toEqual(ids)
    // no string of its own: kept among the store's ids, by order
    expect(sessions[0].idSource).toBeDefined()
    // the labels find the sessions by their id's bytes, through the lookups kept for them
    const sink = store.labelSink()
    sink.add(ids[1234], true)
    const bytes = Buffer.from(`,${ids[77]},`)
    expect(sink.addBytesIfAbsent(bytes, 1, bytes.length - 1, false)).toBeUndefined()
    expect(sink.sessionsLabelled).toBe(2)
    const labels = sink.labelsOf(sessions)
    expect([labels.at(1234), labels.at(77), labels.at(0)]).toEqual([true, false, undefined])
    // the sessions are found by order in the store's own list: a copy reordered by the caller changes nothing
    sessions.reverse()
    const again = store.labelSink()
    again.add(ids[5], true)
    expect(again.labelsOf(sessions).at(ids.length - 1 - 5)).toBe(true)
    sessions.reverse()
    store.release()
    expect(sessions.map((s) => s.id)).toEqual(ids)
    const idOf = sessionIds(sessions)
    expect(Array.from({length: ids.length}, (_, i) => idOf(i))).toEqual(ids)
  })

  it('sessionIds() gives each session\'s own id when they are not a store\'s list in order', () => {
    const store = new SessionStore({mode: 'block'})
    for (const id of ['blk_1', 'blk_2', 'blk_3']) store.add(rec(1, {sessionKeys: [id], sessionKind: 'block'}), 0)
    const reversed = [...store.finish()].reverse()
    const idOf = sessionIds(reversed)
    expect([0, 1, 2].map(idOf)).toEqual(['blk_3', 'blk_2', 'blk_1'])
    const windows = new SessionStore({mode: 'window', windowMs: 60_000})
    for (let i = 0; i < 5; i++) windows.add(rec(i + 1, {timestamp: i * 50_000}), 0)
    const ws = [...windows.finish()]
    expect(ws[0].idSource).toBeUndefined()
    expect(ws.map((_, i) => sessionIds(ws)(i))).toEqual(ws.map((s) => s.id))
  })
})

describe('a finished store', () => {
  it('hands its sessions over once; a record after finish() is refused, not made a second session', () => {
    const store = new SessionStore({mode: 'block'})
    store.add(rec(1, {sessionKeys: ['blk_1'], sessionKind: 'block'}), 0)
    store.add(rec(2, {sessionKeys: ['blk_2'], sessionKind: 'block'}), 1)
    const sessions = [...store.finish()]
    expect(sessions.map((s) => s.id)).toEqual(['blk_1', 'blk_2'])
    expect(store.all).toEqual([])
    expect(() => store.add(rec(3, {sessionKeys: ['blk_1'], sessionKind: 'block'}), 0)).toThrow(/after finish/)
    expect(() => store.finish()).toThrow(/called twice/)
    // What it says of itself still stands.
    expect(store.resolved).toBe('block')
    expect(sessions[0].events).toBe(1)
  })
})
