/**
 * Bursts of one template across the streams (hosts) of a fleet. A burst that other hosts show too,
 * at other times and of about its size, is the fleet's routine — port scans and ssh scanner waves
 * reach every host in turn — even when this host saw it only once or twice that day. Bursts at the
 * same time on several hosts are one incident (a database failure shows on every web host), so
 * they never make each other routine; nor does a single like burst elsewhere (the same failure
 * twice is two incidents, see window-rate's rare recurrences). Only other hosts' bursts count: the
 * host's own other bursts were judged on the host (window-rate), and one of them with one burst
 * elsewhere is three failures in a day, not its routine (logins failing on two sites of a fleet, and
 * an attacker's failed logins on one of them). (Requiring two other hosts as well raised scanners
 * that reach two hosts several times a day: multihost and ops seeds 1-10, false 15 -> 36.)
 */
export interface StreamBurst {
  /** Template series: the column, or its family's lowest column. */
  series: number
  stream: string
  startMs: number
  endMs: number
  /** Peak count of a window above the stream's usual rate. */
  excess: number
  /** Per window of the burst, its count above the stream's usual rate. */
  excessValues: number[]
  /** Windows of its own stream, outside it, that reach half its peak (its in-stream "alike"). */
  ownAlike: number
  /** Excluded: never made routine (a sparse FATAL/CRITICAL template). */
  exempt: boolean
  /** Fewest other bursts that make it routine. */
  minRoutine: number
}

/** What the fleet adds to a burst's baseline: like windows, and the excess counts of the other streams' like bursts. */
export interface FleetLike {
  /** Like windows, its own stream's and the other streams', that divide its surprisal. */
  alike: number
  /** Excess counts of the other streams' like bursts, one per window: they join its baseline as if seen on its own stream. */
  excess: number[]
}

/**
 * Per burst, what the fleet adds to its baseline, or undefined when the fleet changes nothing:
 * like bursts on other streams (reaching half its excess) count when they are at least `gapMs`
 * away from it and from its own stream's other bursts (the pieces of one burst on a host as one),
 * and only when they are at least `minRoutine` (its own stream's other bursts are not counted).
 */
export function fleetAlike(bursts: StreamBurst[], gapMs: number): Array<FleetLike | undefined> {
  const bySeries = new Map<number, number[]>()
  bursts.forEach((b, i) => {
    let list = bySeries.get(b.series)
    if (!list) bySeries.set(b.series, (list = []))
    list.push(i)
  })
  // Per series, its bursts by start, and per stream the spans of its own bursts: whether a burst
  // lies within gapMs of any of a stream's is a binary search, not a walk of them (a noisy week
  // has thousands of bursts of one template).
  const indexOf = new Map<number, {series: StreamBurst[]; own: Map<string, OwnSpans>}>()
  const index = (b: StreamBurst) => {
    let found = indexOf.get(b.series)
    if (!found) {
      const series = bySeries.get(b.series)!.map((k) => bursts[k]).sort((x, y) => x.startMs - y.startMs)
      const byStream = new Map<string, StreamBurst[]>()
      for (const o of series) {
        let list = byStream.get(o.stream)
        if (!list) byStream.set(o.stream, (list = []))
        list.push(o)
      }
      found = {series, own: new Map([...byStream].map(([stream, list]) => [stream, new OwnSpans(list)]))}
      indexOf.set(b.series, found)
    }
    return found
  }
  return bursts.map((b) => {
    if (b.exempt) return undefined
    const {series, own} = index(b)
    // its own stream's bursts (itself included): like bursts elsewhere at those times are the
    // same incidents seen on other hosts, not other occurrences
    const mine = own.get(b.stream)!
    const like = series.filter((o) => o.stream !== b.stream && o.excess >= b.excess / 2 && !mine.near(o, gapMs))
    if (like.length === 0) return undefined
    // the pieces of one burst on a host (a short calm apart) are one like burst; a port scan that
    // reaches two hosts in the same minutes is two
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

/** A stream's bursts of one series, by start, with the latest end so far: near() in log time. */
class OwnSpans {
  private readonly starts: Float64Array
  private readonly endsSoFar: Float64Array

  /** `bursts`: sorted by start. */
  constructor(bursts: StreamBurst[]) {
    this.starts = Float64Array.from(bursts, (x) => x.startMs)
    this.endsSoFar = new Float64Array(bursts.length)
    let end = Number.NEGATIVE_INFINITY
    bursts.forEach((x, i) => (this.endsSoFar[i] = end = Math.max(end, x.endMs)))
  }

  /** True when `o` and one of the bursts are less than `gapMs` apart (start before o's end + gap, end after o's start − gap). */
  near(o: StreamBurst, gapMs: number): boolean {
    // the last burst starting before o.endMs + gapMs: any of those ending after o.startMs − gapMs
    let lo = 0
    let hi = this.starts.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.starts[mid] < o.endMs + gapMs) lo = mid + 1
      else hi = mid
    }
    return lo > 0 && this.endsSoFar[lo - 1] > o.startMs - gapMs
  }
}
