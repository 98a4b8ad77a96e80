import type {FeatureMatrix} from '../features/matrix.js'
import {lowerSurprisal} from './poisson.js'
import type {Episode, WindowContext} from './window-rate.js'

/**
 * Silent hosts when windows are scored with a saved model (window-model.ts), one window at a time.
 *
 * The model keeps, per stream, its lowest usual line count per window (`low`: the 20th percentile
 * of its training windows' totals, as the fit's own silence rule in window-rate.ts). A window in
 * which a stream holds at most a quarter of that is quiet; quiet windows in a row are a stretch,
 * and each window of it scores −log10 P(X ≤ C) for X ~ Poisson(low × its windows so far), C the
 * stretch's lines so far. So the score of a window depends on it and the windows before it alone:
 * a batch `detect --model` and a live engine closing windows one by one (QuietRuns keeps the
 * stretches between its batches) raise the same windows. A stream whose low is under 3 lines (a
 * sparse host, logging now and then) is never judged: its gaps are its normal. The first window
 * of a log is never judged (it may be partial, and nothing is known of the one before it), and a
 * stretch is raised from its second window on (the log's last window may be partial too).
 *
 * Streams the model knows but the log does not name are given windows of zero lines by the session
 * store and the live engine (expectedStreams): a host dark for the whole log is silent too.
 */

/** Windows a stream's lowest usual count is taken at (as window-rate's fit-time silence rule). */
export const SILENCE_QUANTILE = 0.2
/** Silence is only judged on a stream whose lowest usual count is at least this. */
export const MIN_SILENT_BASELINE = 3
/** Fewest quiet windows in a row raised. */
const MIN_QUIET_WINDOWS = 2

/** The lowest usual total of a stream's windows: its 20th percentile. */
export function lowCount(totals: ArrayLike<number>): number {
  if (totals.length === 0) return 0
  const sorted = Float64Array.from(totals).sort()
  return sorted[Math.floor(SILENCE_QUANTILE * (sorted.length - 1))]
}

/**
 * A stream's lowest usual total from a profile saved without one (an older model): the largest
 * 20th percentile of its series (a window's total is at least each of its series' counts, so this
 * never exceeds the real one: older models judge silence on less, never raise more).
 */
export function lowFromSeries(windows: number, series: Record<string, Array<[number, number]>>): number {
  const at = Math.floor(SILENCE_QUANTILE * (windows - 1))
  let best = 0
  for (const hist of Object.values(series)) {
    let seen = windows - hist.reduce((a, [, w]) => a + w, 0)
    if (seen > at) continue
    for (const [value, w] of hist) {
      seen += w
      if (seen > at) {
        best = Math.max(best, value)
        break
      }
    }
  }
  return best
}

interface Run {
  /** The stretch's first window (index), lines and windows so far; length 0: the window was not quiet. */
  start: number
  count: number
  length: number
}

/**
 * Quiet stretches per stream, kept from one scoring to the next: per stream the state after each of
 * its last windows scored (by window index), so scoring the same windows again gives the same.
 */
export class QuietRuns {
  private readonly runs = new Map<string, Map<number, Run>>()

  /** The stretch a window of `count` lines extends or starts; undefined when the window is not judged. */
  next(stream: string, window: number, count: number, low: number): Run | undefined {
    let states = this.runs.get(stream)
    if (!states) this.runs.set(stream, (states = new Map()))
    const before = states.get(window - 1)
    const quiet = count <= low / 4
    const run: Run = !quiet ? {start: window + 1, count: 0, length: 0} : before && before.length > 0 ? {start: before.start, count: before.count + count, length: before.length + 1} : {start: window, count, length: 1}
    states.set(window, run)
    for (const k of states.keys()) if (k < window - 1) states.delete(k)
    // the log's first window (none scored before it) is not judged
    return before === undefined || !quiet ? undefined : run
  }
}

/** What a stream's silence is judged against: its low count, and its components' (each a part of its lines) when it has two or more. */
export interface StreamLows {
  low: number
  components?: Record<string, number>
}

/** Per component of a stream's windows (two or more components), its low count; undefined with fewer. */
export function componentLows(totals: Map<string, number[]>): Record<string, number> | undefined {
  if (totals.size < 2) return undefined
  const out: Record<string, number> = {}
  for (const [component, counts] of totals) {
    const low = lowCount(counts)
    if (low >= MIN_SILENT_BASELINE) out[component] = low
  }
  return Object.keys(out).length > 0 ? out : undefined
}

/**
 * Silent episodes of the scored rows (every stream's every window, empty ones included), each
 * window against its stream's low, and against its components' (a component quiet while its
 * host logs on: a hung worker); `lowsOf`: undefined for a stream the model does not know. A
 * silent host silences its components: only a component quiet on its own is news.
 */
export function silentWindows(X: FeatureMatrix, ctx: WindowContext, lowsOf: (stream: string) => StreamLows | undefined, runs: QuietRuns, minScore: number): Episode[] {
  const out: Episode[] = []
  // only rows of real windows split by stream: one stream keeps only its busy windows
  if (ctx.stepMs <= 1) return out
  const order = Array.from({length: X.rows}, (_, i) => i).sort((a, b) => ctx.windowStart[a] - ctx.windowStart[b])
  const judge = (i: number, key: string, count: number, low: number, base: Omit<Episode, 'rows' | 'startMs' | 'endMs' | 'count' | 'expected' | 'surprisal' | 'weight' | 'score'>): boolean => {
    const window = Math.round(ctx.windowStart[i] / ctx.stepMs)
    const run = runs.next(key, window, count, low)
    if (!run) return false
    if (run.length < MIN_QUIET_WINDOWS) return true
    const expected = low * run.length
    const surprisal = Math.min(lowerSurprisal(run.count, expected), 300)
    if (surprisal > minScore) out.push({...base, rows: [i], startMs: run.start * ctx.stepMs, endMs: ctx.windowStart[i] + ctx.stepMs, count: run.count, expected, surprisal, weight: 1, score: surprisal})
    return true
  }
  for (const i of order) {
    const stream = ctx.streams[i]
    const lows = lowsOf(stream)
    if (!lows) continue
    let count = 0
    const parts = new Map<string, number>()
    for (let j = 0; j < X.cols; j++) {
      const v = X.data[i * X.cols + j]
      count += v
      const component = ctx.columns[j].component
      if (v !== 0 && component !== undefined) parts.set(component, (parts.get(component) ?? 0) + v)
    }
    const hostQuiet = lows.low >= MIN_SILENT_BASELINE && judge(i, stream, count, lows.low, {kind: 'silent', stream, column: -1})
    for (const [component, low] of Object.entries(lows.components ?? {})) {
      const before = out.length
      judge(i, `${component}\u0000${stream}`, parts.get(component) ?? 0, low, {kind: 'silent', stream, column: -1, component})
      if (hostQuiet) out.length = before
    }
  }
  return out
}
