import {describe, expect, it} from 'vitest'
import {mulberry32} from '../../../src/core/detect/random.js'
import {lowerSurprisal, upperSurprisal} from '../../../src/core/detect/poisson.js'
import {levelWeight, templateFamilies, WindowRate, type WindowContext} from '../../../src/core/detect/window-rate.js'
import {fromRows} from '../../../src/core/features/matrix.js'
import {poisson} from '../../helpers/poisson.js'

const STEP = 300_000
const COLUMNS = [
  {text: 'GET /api <*> 200', component: 'api'}, // 0 busy, steady
  {text: 'checkpoint complete', component: 'db'}, // 1 steady on host b
  {text: 'segfault at 0 in libc', component: 'kernel'}, // 2 never seen before the incident
  {text: 'Invalid user admin from <*> port <*>', component: 'sshd'}, // 3 scanner family
  {text: 'Invalid user oracle from <*> port <*>', component: 'sshd'}, // 4 scanner family
  {text: 'slow request took <*>', level: 'WARN', component: 'api'}, // 5 spikes on host a
]

/** Two hosts, 288 five-minute windows: a segfault burst and a rate spike on a, host b silent for 40 minutes, scanner bursts all day. */
function fleet(seed = 7): {X: ReturnType<typeof fromRows>; context: WindowContext} {
  const rand = mulberry32(seed)
  const rows: number[][] = []
  const streams: string[] = []
  const windowStart: number[] = []
  for (let w = 0; w < 288; w++) {
    for (const host of ['a', 'b']) {
      const silent = host === 'b' && w >= 150 && w < 158
      const row = [
        silent ? 0 : poisson(rand, host === 'a' ? 60 : 5),
        silent ? 0 : poisson(rand, 8),
        host === 'a' && w >= 100 && w <= 101 ? 3 : 0,
        host === 'a' && w % 24 === 5 ? 4 : 0,
        host === 'a' && w % 24 === 17 ? 4 : 0,
        host === 'a' ? poisson(rand, w >= 200 && w < 206 ? 30 : 1) : 0,
      ]
      rows.push(row)
      streams.push(host)
      windowStart.push(w * STEP)
    }
  }
  return {X: fromRows(rows), context: {streams, windowStart, stepMs: STEP, columns: COLUMNS}}
}

describe('window-rate', () => {
  const {X, context} = fleet()
  const detector = new WindowRate()
  detector.setContext(context)
  detector.fit(X)
  const episodes = detector.episodes()

  it('finds the new template, the rate spike and the silent host, and nothing else', () => {
    const found = episodes.map((e) => `${e.kind}:${e.stream}:${e.column}:${e.startMs / STEP}`)
    expect(found).toContain('new:a:2:100')
    expect(found.some((f) => f.startsWith('rate:a:5:'))).toBe(true)
    expect(episodes.some((e) => e.kind === 'silent' && e.stream === 'b' && e.startMs === 150 * STEP && e.endMs === 158 * STEP)).toBe(true)
    // scanner names each burst once a day, but as a family they burst every two hours
    expect(episodes.filter((e) => e.column === 3 || e.column === 4)).toEqual([])
    expect(episodes).toHaveLength(3)
  })

  it('flags exactly the windows of its episodes', () => {
    const predicted = detector.predict(X)
    const flagged = new Set<number>()
    predicted.forEach((p, i) => p && flagged.add(i))
    expect(flagged).toEqual(new Set(episodes.flatMap((e) => e.rows)))
  })

  it('a saved model scores each window of another log alone: the same in one batch or in pieces, and a template it never saw is news', () => {
    const restored = new WindowRate()
    restored.restore(JSON.parse(JSON.stringify(detector.toJSON())))
    for (const seed of [11, 12, 13]) {
      // another day of the same fleet, plus a template the model never saw: 4 lines in one window of host b
      const other = fleet(seed)
      const rows = Array.from({length: other.X.rows}, (_, i) => [...other.X.data.subarray(i * other.X.cols, (i + 1) * other.X.cols), other.context.streams[i] === 'b' && other.context.windowStart[i] === 40 * STEP ? 4 : 0])
      const columns = [...COLUMNS, {text: 'kernel BUG at mm/slab.c:<*>', component: 'kernel'}]
      restored.setContext({...other.context, columns})
      const whole = restored.score(fromRows(rows))
      const news = restored.episodes().filter((e) => e.column === COLUMNS.length)
      expect(news.map((e) => [e.kind, e.stream, e.startMs])).toEqual([['new', 'b', 40 * STEP]])
      // host a's segfault burst again (3 lines a window, once in training too): the same failure
      // on another day is news, as a fit judges a rare recurrence (a model before its bursts were
      // kept took the training day's one burst for the segfault's routine)
      expect(restored.episodes().filter((e) => e.column === 2).map((e) => [e.stream, e.startMs / STEP])).toEqual([['a', 100], ['a', 101]])
      // in pieces of 37 rows (a live engine closing windows as lines come), the same scores
      const pieces: number[] = []
      for (let at = 0; at < rows.length; at += 37) {
        const part = rows.slice(at, at + 37)
        restored.setContext({streams: other.context.streams.slice(at, at + 37), windowStart: other.context.windowStart.slice(at, at + 37), stepMs: STEP, columns})
        pieces.push(...restored.score(fromRows(part)))
      }
      expect(pieces).toEqual(Array.from(whole))
    }
  })
})

describe('window-rate pieces', () => {
  it('Poisson tails match closed forms', () => {
    expect(upperSurprisal(1, 0.01)).toBeCloseTo(-Math.log10(1 - Math.exp(-0.01)), 6)
    expect(lowerSurprisal(0, 10)).toBeCloseTo(10 / Math.LN10, 6)
    expect(upperSurprisal(3, 5)).toBe(0)
    expect(lowerSurprisal(6, 5)).toBe(0)
  })

  it('weighs errors, critical levels and failure words above plain lines', () => {
    expect(levelWeight(undefined, 'job done')).toBe(1)
    expect(levelWeight('ERROR', 'job done')).toBeGreaterThan(levelWeight('WARN', 'job done'))
    expect(levelWeight('FATAL', 'x')).toBeGreaterThan(levelWeight('ERROR', 'x'))
    expect(levelWeight(undefined, 'upload failed')).toBeGreaterThan(1)
  })

  it('groups templates that differ in one plain word, not in a failure word', () => {
    const f = templateFamilies(['Invalid user admin from <*> port <*>', 'Invalid user oracle from <*> port <*>', 'job <*> of export done', 'job <*> of export failed', 'short one'])
    expect(f[1]).toBe(f[0])
    expect(f[3]).not.toBe(f[2])
    expect(f[4]).toBe(4)
  })

  it('keeps templates of other level classes apart: a burst of refusals is not lost among the successes', () => {
    const texts = ['POST <*> <*> <*> OK', 'POST <*> <*> <*> Unauthorized', 'POST <*> <*> <*> Forbidden', 'GET <*> <*> <*> Not Found', 'GET <*> <*> <*> Not Modified', 'GET <*> <*> <*> Bad Gateway', 'GET <*> <*> <*> Bad Request']
    // (the access format's levels: 2xx/3xx INFO, 4xx WARN, 5xx ERROR)
    const f = templateFamilies(texts, ['INFO', 'WARN', 'WARN', 'WARN', 'INFO', 'ERROR', 'WARN'])
    expect(f).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it("keeps HTTP statuses apart, a status's words being the status: logins failing (401) are not a firewall's refusals (403)", () => {
    const texts = ['POST <*> <*> <*> OK', 'POST <*> <*> <*> Unauthorized', 'POST <*> <*> <*> Forbidden', 'GET <*> <*> <*> Not Found', 'GET <*> <*> <*> Not Modified', 'GET <*> <*> <*> Bad Gateway', 'GET <*> <*> <*> Bad Request']
    expect(templateFamilies(texts, texts.map(() => 'WARN'))).toEqual([0, 1, 2, 3, 4, 5, 6])
    // other words still vary within a family, a status's word too where it is no status (not a line's ending `<*> Reason`)
    const f = templateFamilies(['export job nightly finished in <*> ms', 'export job hourly finished in <*> ms', 'Invalid user Admin from <*> port <*>', 'Invalid user Oracle from <*> port <*>', 'Invalid user Server from <*> port <*>', 'Invalid user Proxy from <*> port <*>'])
    expect(f).toEqual([0, 0, 2, 2, 2, 2])
  })
})

describe('window-rate: where a burst begins', () => {
  /**
   * One host, 288 five-minute windows of traffic; a 502 line strays in now and then all day (one
   * line, three windows apart before the outage), then 300 a window for three windows.
   */
  function outage(): {X: ReturnType<typeof fromRows>; context: WindowContext} {
    const rand = mulberry32(11)
    const rows: number[][] = []
    const strays = new Set([10, 60, 110, 150, 180, 183, 186, 189, 240])
    for (let w = 0; w < 288; w++) rows.push([poisson(rand, 50), w >= 192 && w < 195 ? 300 : strays.has(w) ? 1 : 0])
    const columns = [{text: 'GET <*> <*> <*> OK', level: 'INFO'}, {text: 'GET <*> <*> <*> Bad Gateway', level: 'ERROR'}]
    return {X: fromRows(rows), context: {streams: rows.map(() => 'api'), windowStart: rows.map((_, w) => w * STEP), stepMs: STEP, columns}}
  }

  it('starts with the burst, not with the stray lines minutes before it', () => {
    const {X, context} = outage()
    const detector = new WindowRate()
    detector.setContext(context)
    detector.fit(X)
    const burst = detector.episodes().filter((e) => e.column === 1)
    expect(burst.map((e) => [e.startMs / STEP, e.endMs / STEP])).toEqual([[192, 195]])
  })

  /** The failing template's episodes when it logs counts[k] lines in window 100 + k*every, nothing before or after (a new failure). */
  function failing(counts: number[], every: number): Array<{kind: string; from: number; to: number}> {
    const rand = mulberry32(5)
    const rows: number[][] = []
    for (let w = 0; w < 288; w++) {
      const k = (w - 100) / every
      rows.push([poisson(rand, 50), Number.isInteger(k) && k >= 0 && k < counts.length ? counts[k] : 0])
    }
    const columns = [{text: 'backup ok', level: 'INFO'}, {text: 'ERROR write failed on chunk <*> No space left on device', level: 'ERROR'}]
    const detector = new WindowRate()
    detector.setContext({streams: rows.map(() => 'db'), windowStart: rows.map((_, w) => w * STEP), stepMs: STEP, columns})
    detector.fit(fromRows(rows))
    return detector.episodes().filter((e) => e.column === 1).map((e) => ({kind: e.kind, from: e.startMs / STEP, to: e.endMs / STEP}))
  }

  it('keeps a failure never seen before whole, however its counts vary: the first lines of an outage, a job failing every run, a flapping link', () => {
    // a few lines, a calm quarter of an hour, then hundreds: the failure began with the few
    expect(failing([3, 0, 0, 200, 150, 180], 1)).toEqual([{kind: 'new', from: 100, to: 106}])
    // a backup failing every half hour (six windows apart) with 1 to 50 lines a run
    expect(failing([30, 3, 50, 2, 8, 40], 6)).toEqual([{kind: 'new', from: 100, to: 131}])
    // up, down, up: one outage
    expect(failing([40, 0, 8, 0, 40, 0, 5, 0, 50], 1)).toEqual([{kind: 'new', from: 100, to: 109}])
  })
})

describe('window-rate: a sparse FATAL template', () => {
  /** One stream, 400 daily windows of steady traffic; a template appears once on day 50 and once on day 300. */
  function scattered(level: string | undefined) {
    const rand = mulberry32(3)
    const rows: number[][] = []
    for (let w = 0; w < 400; w++) rows.push([poisson(rand, 20), w === 50 || w === 300 ? 1 : 0])
    const context: WindowContext = {
      streams: new Array(400).fill(''),
      windowStart: Array.from({length: 400}, (_, w) => w * 86_400_000),
      stepMs: 86_400_000,
      columns: [{text: 'job done'}, {text: 'data TLB error interrupt', level}],
    }
    const d = new WindowRate()
    d.setContext(context)
    const X = fromRows(rows)
    d.fit(X)
    const flagged = d.predict(X)
    return Array.from(flagged.keys()).filter((w) => flagged[w] === 1)
  }

  it('is news on each day it fails, though it failed before; the same template at INFO level is made routine by its recurrence', () => {
    expect(scattered('FATAL')).toEqual([50, 300])
    expect(scattered('INFO')).toEqual([])
  })
})

describe('window-rate: a recurring FATAL failure', () => {
  /** 400 daily windows; column 1 holds one line on every `every`-th day. */
  function recurring(text: string, level: string, every: number): number[] {
    const rand = mulberry32(5)
    const rows: number[][] = []
    for (let w = 0; w < 400; w++) rows.push([poisson(rand, 20), w % every === 3 ? 1 : 0])
    const d = new WindowRate()
    d.setContext({
      streams: new Array(400).fill(''),
      windowStart: Array.from({length: 400}, (_, w) => w * 86_400_000),
      stepMs: 86_400_000,
      columns: [{text: 'job done'}, {text, level}],
    })
    const X = fromRows(rows)
    d.fit(X)
    const flagged = d.predict(X)
    return Array.from(flagged.keys()).filter((w) => flagged[w] === 1)
  }
  const days = (every: number) => Array.from({length: 400}, (_, w) => w).filter((w) => w % every === 3)

  it('is an alarm on every day it fails while it stays in at most a tenth of the windows', () => {
    expect(recurring('ciod: Error reading message prefix on CioStream socket to <*>', 'FATAL', 13)).toEqual(days(13))
  })

  it('is not when the level is ERROR, when the FATAL text names no failure, or when it fails nearly every day', () => {
    expect(recurring('ciod: Error reading message prefix on CioStream socket to <*>', 'ERROR', 13)).toEqual([])
    expect(recurring('instruction address: <*>', 'FATAL', 13)).toEqual([])
    expect(recurring('ciod: Error reading message prefix on CioStream socket to <*>', 'FATAL', 2)).toEqual([])
  })
})

describe('window-rate: the time of day', () => {
  /** Three days of 5-minute windows; column 1 bursts for half an hour once a day, at the given hours. */
  function bursts(hours: number[]): number[] {
    const rand = mulberry32(11)
    const perDay = 288
    const rows: number[][] = []
    for (let w = 0; w < 3 * perDay; w++) {
      const day = Math.floor(w / perDay)
      const slot = w % perDay
      const start = hours[day] * 12
      rows.push([poisson(rand, 40), poisson(rand, slot >= start && slot < start + 6 ? 15 : 0.2)])
    }
    const d = new WindowRate()
    d.setContext({streams: new Array(rows.length).fill(''), windowStart: rows.map((_, w) => w * STEP), stepMs: STEP, columns: [{text: 'request served'}, {text: 'report batch exported <*>'}]})
    const X = fromRows(rows)
    d.fit(X)
    return d.episodes().map((e) => e.startMs / 3_600_000)
  }

  it('a template busy at 09:00 every day is not anomalous at 09:00; the same bursts at other hours are', () => {
    expect(bursts([9, 9, 9])).toEqual([])
    expect(bursts([9, 15, 21]).length).toBeGreaterThan(0)
  })
})

describe('window-rate: the same failure on two days', () => {
  /** Two days of 5-minute windows; an ERROR template runs at 8 a window for an hour at 10:00 on day 1 and at 15:00 on day 2, else 0.5. */
  function twice(days: number): number[] {
    const rand = mulberry32(13)
    const perDay = 288
    const rows: number[][] = []
    for (let w = 0; w < days * perDay; w++) {
      const burst = (w >= 120 && w < 132) || (w >= perDay + 180 && w < perDay + 192)
      rows.push([poisson(rand, 40), poisson(rand, burst ? 8 : 0.5)])
    }
    const d = new WindowRate()
    d.setContext({streams: new Array(rows.length).fill(''), windowStart: rows.map((_, w) => w * STEP), stepMs: STEP, columns: [{text: 'request served'}, {text: 'timeout acquiring connection from pool', level: 'ERROR'}]})
    const X = fromRows(rows)
    d.fit(X)
    return d.episodes().map((e) => Math.round(e.startMs / 3_600_000))
  }

  it('is raised both times: the other day is not its normal', () => {
    expect(twice(2)).toEqual(expect.arrayContaining([10, 39]))
  })
})

describe('window-rate on one stream that keeps only its busy windows', () => {
  // One stream, 1-minute windows, and only windows holding lines are rows (no empty ones), as a
  // log without hosts gives: two neighbouring rows can be hours apart.
  const MINUTE = 60_000
  const columns = [{text: 'heartbeat ok'}, {text: 'disk controller reset failed', level: 'ERROR'}]
  const starts: number[] = []
  for (let w = 0; w < 60; w++) starts.push(w * MINUTE) // an hour of traffic
  const late = 20 * 60 // twenty hours later, an hour more
  for (let w = 0; w < 60; w++) starts.push((late + w) * MINUTE)
  const rows = starts.map((_, r) => [3, r === 59 || r === 60 ? 2 : 0])
  const detector = new WindowRate()
  detector.setContext({streams: starts.map(() => ''), windowStart: starts, stepMs: MINUTE, columns})
  detector.fit(fromRows(rows))

  it('does not join hot rows that are neighbours in the list but hours apart in time', () => {
    const failures = detector.episodes().filter((e) => e.column === 1)
    expect(failures.length).toBeGreaterThan(0)
    for (const e of failures) expect(e.endMs - e.startMs).toBeLessThanOrEqual(MINUTE)
  })
})
