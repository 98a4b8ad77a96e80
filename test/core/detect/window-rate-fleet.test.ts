import {describe, expect, it} from 'vitest'
import {fleetAlike, type StreamBurst} from '../../../src/core/detect/fleet-bursts.js'
import {mulberry32} from '../../../src/core/detect/random.js'
import {WindowRate} from '../../../src/core/detect/window-rate.js'
import {fromRows} from '../../../src/core/features/matrix.js'
import {poisson} from '../../helpers/poisson.js'

const STEP = 300_000
const DAY = 288

/**
 * One day of 5-minute windows on the given hosts; column 0 is steady traffic, column 1 follows
 * `series(host, window, rand)`. Returns the episodes of column 1 as `host@hour`.
 */
function day(hosts: string[], text: string, series: (host: string, w: number, rand: () => number) => number): string[] {
  const rand = mulberry32(21)
  const rows: number[][] = []
  const streams: string[] = []
  const windowStart: number[] = []
  for (let w = 0; w < DAY; w++) {
    for (const host of hosts) {
      rows.push([poisson(rand, 40), series(host, w, rand)])
      streams.push(host)
      windowStart.push(w * STEP)
    }
  }
  const d = new WindowRate()
  d.setContext({streams, windowStart, stepMs: STEP, columns: [{text: 'request served'}, {text}]})
  d.fit(fromRows(rows))
  return d
    .episodes()
    .filter((e) => e.column === 1)
    .map((e) => `${e.stream}@${Math.floor(e.startMs / 3_600_000)}`)
    .sort()
}

/** A model fitted on one day of `hosts`, then another day scored with it: the scored day's episodes of column 1, as `host@hour` (each once: one a window). */
function scoredWithModel(hosts: string[], text: string, trained: (host: string, w: number, rand: () => number) => number, scored: (host: string, w: number, rand: () => number) => number, {trainDays = 1, scoredHosts = hosts}: {trainDays?: number; scoredHosts?: string[]} = {}): string[] {
  const rand = mulberry32(33)
  const build = (series: typeof trained, day0: number, days: number, on: string[]) => {
    const rows: number[][] = []
    const streams: string[] = []
    const windowStart: number[] = []
    for (let w = 0; w < days * DAY; w++) {
      for (const host of on) {
        rows.push([poisson(rand, 40), series(host, w, rand)])
        streams.push(host)
        windowStart.push((day0 + w) * STEP)
      }
    }
    return {X: fromRows(rows), context: {streams, windowStart, stepMs: STEP, columns: [{text: 'request served'}, {text}]}}
  }
  const training = build(trained, 0, trainDays, hosts)
  const d = new WindowRate()
  d.setContext(training.context)
  d.fit(training.X)
  const next = build(scored, trainDays * DAY, 1, scoredHosts)
  d.setContext(next.context)
  d.score(next.X)
  return d
    .episodes()
    .filter((e) => e.column === 1)
    .map((e) => `${e.stream}@${Math.floor((e.startMs - trainDays * DAY * STEP) / 3_600_000)}`)
    .filter((x, i, all) => all.indexOf(x) === i)
    .sort()
}

describe('window-rate: a fitted model scoring another day, window by window', () => {
  const hosts = ['h1', 'h2', 'h3', 'h4']
  const text = 'POST /login <*> 401 Unauthorized'
  const outage = (at: Record<string, number>) => (h: string, w: number, r: () => number) => (at[h] !== undefined && w >= at[h] && w < at[h] + 3 ? 60 + poisson(r, 5) : poisson(r, 0.3))

  it("raises an outage on a host though another host had one in training (one like burst elsewhere is no routine)", () => {
    expect(scoredWithModel(hosts, text, outage({h2: 120}), outage({h1: 60}))).toEqual(['h1@5'])
  })

  it('raises an outage on a host that had one in training (the same failure again), and not a wave every host saw in turn', () => {
    expect(scoredWithModel(hosts, text, outage({h1: 120}), outage({h1: 60}))).toEqual(['h1@5'])
    // a scan that reached every host at its own time in training reaches h1 again: routine
    expect(scoredWithModel(hosts, text, outage({h1: 30, h2: 90, h3: 150, h4: 230}), outage({h1: 60}))).toEqual([])
  })

  it('takes a burst at the same time of day on most training days for a schedule: routine (a week of a 02:00 job, one night skipped)', () => {
    const job = (h: string, w: number, r: () => number) => (h === 'h1' && w % DAY >= 24 && w % DAY < 26 && Math.floor(w / DAY) !== 3 ? 30 + poisson(r, 3) : poisson(r, 0.3))
    expect(scoredWithModel(hosts, 'backup job wrote <*> files', job, (h, w, r) => job(h, w + 7 * DAY, r), {trainDays: 7})).toEqual([])
    // the same burst at 14:00 instead is news
    const late = (h: string, w: number, r: () => number) => (h === 'h1' && w >= 168 && w < 170 ? 30 + poisson(r, 3) : poisson(r, 0.3))
    expect(scoredWithModel(hosts, 'backup job wrote <*> files', job, late, {trainDays: 7})).toEqual(['h1@14'])
  })

  it('raises an outage on a host the model never saw, though one host had one in training', () => {
    expect(scoredWithModel(hosts, text, outage({h2: 120}), outage({h5: 60}), {scoredHosts: [...hosts, 'h5']})).toEqual(['h5@5'])
  })
})

describe('window-rate: the same failure twice in one day', () => {
  it('is raised both times (a job failing at every run for an hour, twice): the other one is not its normal', () => {
    const failing = (w: number) => (w >= 96 && w < 108) || (w >= 200 && w < 212)
    expect(day(['a'], 'Failed to start Warm cache.', (_, w) => (failing(w) ? 1 : 0))).toEqual(['a@16', 'a@8'])
  })

  it('but scanner-like waves six times a day stay routine', () => {
    expect(day(['a'], 'Connection closed by authenticating user root <*> port <*> [preauth]', (_, w, r) => poisson(r, w % 48 < 2 ? 20 : 0.05))).toEqual([])
  })
})

describe('window-rate: a spike with a calm window in the middle', () => {
  it('is raised: its other piece is not its baseline', () => {
    // a line at 0.3 a window; 13:00-13:20 and 13:25-13:45 at 8 a window
    const spike = (w: number) => (w >= 156 && w < 160) || (w >= 161 && w < 165)
    const found = day(['a'], 'slow request took <*>', (_, w, r) => (spike(w) ? 8 : w === 160 ? 0 : poisson(r, 0.3)))
    expect(found).toEqual(['a@13', 'a@13'])
  })
})

describe('window-rate: bursts across a fleet', () => {
  const hosts = ['h1', 'h2', 'h3', 'h4']
  const text = '[UFW BLOCK] IN=eth0 SRC=<*> DST=<*> PROTO=TCP DPT=<*>'
  it('a port scan that every host sees at some time of the day is routine on each, though each host sees it once', () => {
    const at = {h1: 30, h2: 90, h3: 150, h4: 230} as Record<string, number>
    expect(day(hosts, text, (h, w, r) => (w === at[h] ? 150 + poisson(r, 10) : poisson(r, 1)))).toEqual([])
  })

  it('a burst on one host only is raised', () => {
    expect(day(hosts, text, (h, w, r) => (h === 'h2' && w === 90 ? 150 : poisson(r, 1)))).toEqual(['h2@7'])
  })

  it("a host's failure twice in a day is raised both times though another host failed alike once", () => {
    // logins failing on h1 at 02:30 and 17:30, on h2 at 10:00 (h3 and h4 never); for h2, h1's two
    // failures are two like bursts elsewhere: routine
    const at = {h1: [30, 210], h2: [120]} as Record<string, number[]>
    const failed = day(hosts, 'POST /login 401 Unauthorized', (h, w, r) => ((at[h] ?? []).some((a) => w >= a && w < a + 3) ? 60 + poisson(r, 5) : poisson(r, 0.3)))
    expect(failed).toEqual(['h1@17', 'h1@2'])
  })

  it('bursts at the same time on several hosts are one incident, not routine for each other', () => {
    expect(day(hosts, text, (h, w, r) => (w === 90 || w === 91 ? 150 : poisson(r, 1)))).toEqual(['h1@7', 'h2@7', 'h3@7', 'h4@7'])
  })
})

describe('fleetAlike', () => {
  const burst = (stream: string, startMin: number, excess: number, extra: Partial<StreamBurst> = {}): StreamBurst => ({
    series: 1,
    stream,
    startMs: startMin * 60_000,
    endMs: (startMin + 10) * 60_000,
    excess,
    excessValues: [excess, excess / 2],
    ownAlike: 0,
    exempt: false,
    minRoutine: 2,
    ...extra,
  })
  const GAP = 15 * 60_000

  it('counts like bursts on other streams at other times, the pieces of one burst once', () => {
    const r = fleetAlike([burst('a', 0, 100), burst('b', 300, 80), burst('c', 600, 60), burst('c', 620, 60)], GAP)
    // a sees b and c (c's two pieces are one burst): routine, with their windows as its like windows
    expect(r[0]).toEqual({alike: 6, excess: [80, 40, 60, 30, 60, 30]})
    // c's two pieces alone are one other burst: not enough
    expect(fleetAlike([burst('a', 0, 100), burst('c', 600, 60), burst('c', 620, 60)], GAP)[0]).toBeUndefined()
  })

  it('does not count the same incident seen on another host: a like burst elsewhere at the time of one of its own', () => {
    // a failure on a and b together, twice: for a, b's bursts are the same two incidents
    const twice = [burst('a', 0, 100), burst('a', 900, 100), burst('b', 0, 100), burst('b', 900, 100)]
    expect(fleetAlike(twice, GAP)).toEqual([undefined, undefined, undefined, undefined])
  })

  it('changes nothing for a single like burst elsewhere, a smaller one, one at the same time, another template, or an exempt burst', () => {
    expect(fleetAlike([burst('a', 0, 100), burst('b', 300, 100)], GAP)[0]).toBeUndefined()
    expect(fleetAlike([burst('a', 0, 100), burst('b', 300, 40), burst('c', 600, 40)], GAP)[0]).toBeUndefined()
    expect(fleetAlike([burst('a', 0, 100), burst('b', 5, 100), burst('c', 20, 100)], GAP)[0]).toBeUndefined()
    expect(fleetAlike([burst('a', 0, 100), burst('b', 300, 100, {series: 2}), burst('c', 600, 100, {series: 2})], GAP)[0]).toBeUndefined()
    expect(fleetAlike([burst('a', 0, 100, {exempt: true}), burst('b', 300, 100), burst('c', 600, 100)], GAP)[0]).toBeUndefined()
  })

  it("counts only other streams' bursts: its own other burst and one like burst elsewhere are not enough, two elsewhere are", () => {
    // a fails at 00:00 and 10:00, b at 05:00: for a, its other failure and b's are not routine
    // (for b, a's two are: two like bursts elsewhere)
    const three = fleetAlike([burst('a', 0, 100, {ownAlike: 3}), burst('a', 600, 100, {ownAlike: 3}), burst('b', 300, 100)], GAP)
    expect(three.slice(0, 2)).toEqual([undefined, undefined])
    expect(three[2]).toEqual({alike: 4, excess: [100, 50, 100, 50]})
    const r = fleetAlike([burst('a', 0, 100, {ownAlike: 3}), burst('a', 600, 100, {ownAlike: 3}), burst('b', 300, 100), burst('c', 900, 100)], GAP)
    expect(r[0]).toEqual({alike: 7, excess: [100, 50, 100, 50]})
  })
})
