import {isStatusWord} from '../ingest/formats/access.js'
import {isCriticalLevel, levelClass, mentionsFailure, normalizeLevel} from '../severity.js'
import type {FleetLike} from './fleet-bursts.js'
import {upperSurprisal} from './poisson.js'

/** What window-rate knows of a template's series: the family it belongs to, how much its surprisal weighs, its baseline rate. */

const TRIM = 0.05

/** Hot windows of a template at most this far apart are one burst (window-rate's episodes, a model's training bursts). */
export const SHORT_GAP_MINUTES = 15
/** Least surprisal (−log10 p) of a sparse critical template naming a failure: with its level weight (≥ 3) it clears the default threshold. */
export const CRITICAL_FAILURE_SURPRISAL = 3.5
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
/** Windows this close to the same time of day on another day are its daily baseline (and bursts there a schedule). */
export const SAME_TIME_MINUTES = 30
/** Fewest other bursts of a template that make its bursts routine, however short the log (one other burst is the same failure twice). */
export const MIN_ROUTINE_BURSTS = 2

/**
 * Where a series is hot, over `n` windows with its baseline (trimmedBaseline): its usual rate λ (at
 * least half a line a log) and the mark clearly above it, λ + 2√(φλ) + 0.5 (a rare template is hot
 * wherever it appears).
 */
export function hotMark(base: {mean: number; dispersion: number}, n: number): {lambda: number; hot: number} {
  const lambda = Math.max(base.mean, 0.5 / n)
  return {lambda, hot: lambda + 2 * Math.sqrt(base.dispersion * lambda) + 0.5}
}

/**
 * Family of each template: the lowest index among templates of the same length (4 tokens or more)
 * and level class (levelClass: error, warning, other) that differ from it in one plain word — not
 * a wildcard, not a failure word — so `Invalid user admin from <*>` and `Invalid user oracle from
 * <*>` are one series, `job done` and `job failed` are not, nor `GET <*> <*> <*> OK` (INFO) and
 * `GET <*> <*> <*> Unauthorized` (WARN): a burst of the one would drown in the other's traffic.
 * Nor do the words of the HTTP status an access line's template ends with (isStatusWord):
 * `POST <*> <*> <*> Unauthorized` (logins failing) and `POST <*> <*> <*> Forbidden` (a firewall
 * rule) are two statuses, not one series.
 * `levels[i]`: template i's level (none given: every template's class is the same).
 */
export function templateFamilies(texts: string[], levels: ReadonlyArray<string | undefined> = []): number[] {
  const parent = texts.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]]
    return i
  }
  const byKey = new Map<string, number>()
  texts.forEach((text, i) => {
    const tokens = text.split(/\s+/).filter(Boolean)
    if (tokens.length < 4) return
    for (let p = 0; p < tokens.length; p++) {
      const t = tokens[p]
      if (t.includes('<*>') || !/^[\w.@-]+$/.test(t) || mentionsFailure(t) || normalizeLevel(t) || isStatusWord(tokens, p)) continue
      const key = `${tokens.length}|${levelClass(levels[i])}|${p}|${tokens.slice(0, p).join(' ')}|${tokens.slice(p + 1).join(' ')}`
      const other = byKey.get(key)
      if (other === undefined) byKey.set(key, i)
      else {
        const a = find(i)
        const b = find(other)
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
      }
    }
  })
  return texts.map((_, i) => find(i))
}

/**
 * How much a template's surprisal counts: 1 for an ordinary line, more when its level is WARN
 * (1.25), ERROR (1.5) or CRITICAL/FATAL (2), and ×1.5 when its text names a failure.
 */
export function levelWeight(level: string | undefined, text: string): number {
  const cls = levelClass(level)
  const byLevel = isCriticalLevel(level) ? 2 : cls === 2 ? 1.5 : cls === 1 ? 1.25 : 1
  return byLevel * (mentionsFailure(text) ? 1.5 : 1)
}

/** Mean and dispersion (variance / mean, at least 1) after dropping the busiest 5% of windows. */
export function trimmedBaseline(values: ArrayLike<number>): {mean: number; dispersion: number} {
  const sorted = Float64Array.from(values).sort()
  const keep = Math.max(1, sorted.length - Math.ceil(TRIM * sorted.length))
  let sum = 0
  let sq = 0
  for (let i = 0; i < keep; i++) {
    sum += sorted[i]
    sq += sorted[i] * sorted[i]
  }
  const mean = sum / keep
  const variance = Math.max(0, sq / keep - mean * mean)
  return {mean, dispersion: mean > 0 ? Math.max(1, variance / mean) : 1}
}

/** A template's windows outside a burst (its baseline): mean, variance and count; and the burst's length in windows. */
export interface OutsideStats {
  mean: number
  variance: number
  windows: number
  length: number
}

/**
 * Surprisal of a burst that the fleet's other streams show too: their like bursts join the
 * baseline outside it (its rate and over-dispersion) as if this stream had seen them, and every
 * like window divides the result, as a stream's own like bursts do.
 */
export function routineSurprisal(count: number, expected: number, outside: OutsideStats, like: FleetLike): number {
  let sum = outside.mean * outside.windows
  let sq = (outside.variance + outside.mean * outside.mean) * outside.windows
  for (const x of like.excess) {
    sum += outside.mean + x
    sq += (outside.mean + x) ** 2
  }
  const windows = outside.windows + like.excess.length
  const mean = sum / windows
  const phi = mean > 0 ? Math.max(1, (sq / windows - mean * mean) / mean) : 1
  // the rate the fleet's bursts add, over the burst's windows, on top of the expectation without them
  const e = expected + (mean - outside.mean) * outside.length
  return Math.min(upperSurprisal(count / phi, e / phi), 300) / (1 + like.alike)
}

/**
 * A hot window at the edge of a chain, across calm windows from the rest, is a stray (not when the
 * burst began or ended) when it holds less than 1/STRAY_RATIO of the chain's peak and is no
 * surprise at the template's usual rate (surprisal below STRAY_SURPRISAL: the odd 502 of a busy
 * site, not the first lines of a failure never seen before).
 */
const STRAY_RATIO = 4
const STRAY_SURPRISAL = 3

/**
 * [lo, hi]: the part of `chain` (indices into `values`, hot windows at most a gap apart; `at`
 * their positions in windows) left when the runs of adjacent windows at its edges that are strays
 * are taken off, measured against the template's rate outside the chain (`total` lines in `n`
 * windows, at least `floor` a window: the odd line it has all day).
 */
export function withoutStrays(chain: number[], values: ArrayLike<number>, at: ArrayLike<number>, total: number, n: number, floor: number): [number, number] {
  let peak = 0
  let inChain = 0
  for (const m of chain) {
    peak = Math.max(peak, values[m])
    inChain += values[m]
  }
  const runs: Array<[number, number]> = []
  chain.forEach((m, k) => (k > 0 && at[m] - at[chain[k - 1]] <= 1 ? (runs[runs.length - 1][1] = k) : runs.push([k, k])))
  const background = Math.max((total - inChain) / Math.max(1, n - chain.length), floor)
  const stray = ([a, b]: [number, number]): boolean => {
    let sum = 0
    let top = 0
    for (let k = a; k <= b; k++) (sum += values[chain[k]]), (top = Math.max(top, values[chain[k]]))
    return top * STRAY_RATIO < peak && upperSurprisal(sum, background * (b - a + 1)) < STRAY_SURPRISAL
  }
  let r0 = 0
  let r1 = runs.length - 1
  while (r0 < r1 && stray(runs[r0])) r0++
  while (r1 > r0 && stray(runs[r1])) r1--
  return [runs[r0][0], runs[r1][1]]
}
