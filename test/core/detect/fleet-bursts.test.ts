import {describe, expect, it} from 'vitest'
import {fleetAlike, type FleetLike, type StreamBurst} from '../../../src/core/detect/fleet-bursts.js'
import {mulberry32} from '../../../src/core/detect/random.js'

/** fleetAlike as first written, a walk of every pair: the reference the indexed one must equal. */
function byWalking(bursts: StreamBurst[], gapMs: number): Array<FleetLike | undefined> {
  const near = (a: StreamBurst, o: StreamBurst) => o.endMs + gapMs > a.startMs && o.startMs - gapMs < a.endMs
  return bursts.map((b) => {
    if (b.exempt) return undefined
    const series = bursts.filter((o) => o.series === b.series)
    const own = series.filter((o) => o.stream === b.stream)
    const like = series.filter((o) => o.stream !== b.stream && o.excess >= b.excess / 2 && !own.some((x) => near(x, o))).sort((x, y) => x.startMs - y.startMs)
    if (like.length === 0) return undefined
    let others = 0
    const until = new Map<string, number>()
    for (const o of like) {
      if (o.startMs - gapMs >= (until.get(o.stream) ?? -Infinity)) others++
      until.set(o.stream, Math.max(until.get(o.stream) ?? -Infinity, o.endMs))
    }
    if (others < b.minRoutine) return undefined
    const excess = like.flatMap((o) => o.excessValues)
    return {alike: b.ownAlike + excess.length, excess}
  })
}

/** Seeded bursts of a few series over a few hosts and a day, some overlapping, some touching, some at the same start. */
function randomBursts(seed: number, n: number): StreamBurst[] {
  const rand = mulberry32(seed)
  const step = 300_000
  return Array.from({length: n}, () => {
    const start = Math.floor(rand() * 288) * step
    const windows = 1 + Math.floor(rand() * 4)
    const excessValues = Array.from({length: windows}, () => Math.floor(rand() * 40))
    return {
      series: Math.floor(rand() * 3),
      stream: `host-${Math.floor(rand() * 5)}`,
      startMs: start,
      endMs: start + windows * step,
      excess: Math.max(...excessValues),
      excessValues,
      ownAlike: Math.floor(rand() * 4),
      exempt: rand() < 0.1,
      minRoutine: 1 + Math.floor(rand() * 3),
    }
  })
}

describe('fleetAlike', () => {
  it('gives what a walk of every pair of bursts gives, on seeded fleets of many bursts', () => {
    let changed = 0
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const gapMs of [0, 300_000, 900_000]) {
        const bursts = randomBursts(seed, 40 + seed * 60)
        const got = fleetAlike(bursts, gapMs)
        expect(got).toEqual(byWalking(bursts, gapMs))
        changed += got.filter((x) => x !== undefined).length
      }
    }
    // (not vacuous: the fleet made many bursts routine)
    expect(changed).toBeGreaterThan(100)
  })
})
