import {ExitCode, FlareError} from '../errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

const MAX_DURATION_MS = 3650 * UNITS.d

/** Parse a duration such as `5m`, `30s`, `1h`, `250ms` or a bare number of seconds into ms. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text)
  if (!m) throw new FlareError(`invalid ${flag} "${text}"`, {exitCode: ExitCode.usage, hint: 'use a number with a unit: 250ms, 30s, 5m, 1h, 1d'})
  const ms = Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]
  if (!(ms > 0)) throw new FlareError(`${flag} must be positive, got "${text}"`, {exitCode: ExitCode.usage, hint: 'use a number above 0 with a unit: 250ms, 30s, 5m, 1h, 1d'})
  // Past this a window no longer divides time into anything (and 1e400d is Infinity).
  if (ms > MAX_DURATION_MS) throw new FlareError(`${flag} is longer than ${MAX_DURATION_MS / UNITS.d} days, got "${text}"`, {exitCode: ExitCode.usage, hint: 'use a number with a unit: 250ms, 30s, 5m, 1h, 1d'})
  return Math.round(ms)
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/**
 * Indices of the sliding windows [k*step, k*step + size) that contain time t.
 * With step == size (the default) each time falls in exactly one window.
 */
export function windowsContaining(t: number, size: number, step: number): {first: number; last: number} {
  const last = Math.floor(t / step)
  const first = Math.floor((t - size) / step) + 1
  return {first: Math.min(first, last), last}
}

export const DEFAULT_WINDOW_MS = 5 * 60_000

const WINDOW_CHOICES = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400].map((s) => s * 1000)
/**
 * At most this many windows a day of the log's span (a day or less: over the span; and no more
 * than one for every 10 lines): enough to learn a baseline, few enough to hold a rate. A day gets
 * 5-minute windows, and so does a busy week: an outage of minutes is as short in a long log (one
 * window in 300 over a week would be 34 minutes).
 */
const MAX_WINDOWS = 300
/** Sparse logs get longer windows while they keep at least this many. */
const MIN_WINDOWS = 24
/** Median events per non-empty (stream) window wanted before a window is long enough. */
const MIN_MEDIAN_EVENTS = 3

export interface WindowChoice {
  windowMs: number
  reason: string
}

/**
 * Window length for a log without session ids, from its timestamps (and, when windows are split
 * into streams, each record's stream): the shortest window that gives at most 300 windows a day
 * (over the span with streams, non-empty ones without), lengthened while its non-empty windows hold a median of fewer than 3 events and
 * at least 24 windows remain. A day of syslog gets 5m; a few busy minutes get seconds; months of
 * sparse alerts get a day.
 */
export function chooseWindow(times: number[], streams?: string[]): WindowChoice {
  if (times.length === 0) return {windowMs: DEFAULT_WINDOW_MS, reason: 'no timestamps: default window'}
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const t of times) {
    if (t < lo) lo = t
    if (t > hi) hi = t
  }
  const span = hi - lo
  // Streams get every window of the span (a silent stream must show); one stream only its
  // non-empty windows, so a log of a few bursts is judged by the windows it fills.
  const sorted = timesByStream(times, streams)
  const stats = (w: number): {windows: number; median: number} => {
    const sizes = windowSizes(sorted, w)
    const windows = streams ? Math.floor(hi / w) - Math.floor(lo / w) + 1 : sizes.length
    return {windows, median: sizes[Math.floor(sizes.length / 2)]}
  }
  let k = 0
  let at = stats(WINDOW_CHOICES[0])
  // (a long log only when it has the lines for them: one window for every 10 of its lines)
  const most = Math.max(MAX_WINDOWS, Math.min(MAX_WINDOWS * (span / 86_400_000), times.length / 10))
  while (at.windows > most && k + 1 < WINDOW_CHOICES.length) at = stats(WINDOW_CHOICES[++k])
  while (at.median < MIN_MEDIAN_EVENTS && k + 1 < WINDOW_CHOICES.length) {
    const next = stats(WINDOW_CHOICES[k + 1])
    if (next.windows < MIN_WINDOWS) break
    at = next
    k++
  }
  const median = at.median
  const windowsOf = (_w: number): number => at.windows
  const w = WINDOW_CHOICES[k]
  const per = streams ? 'stream window' : 'window'
  return {windowMs: w, reason: `${formatDuration(w)} windows: ${windowsOf(w)} over a ${formatDuration(Math.max(1000, Math.round(span / 1000) * 1000))} span, median ${median} events per non-empty ${per}`}
}

/** Each stream's times, sorted (one group without streams; a missing stream is the stream ''). */
function timesByStream(times: number[], streams?: string[]): Float64Array[] {
  if (!streams) return [Float64Array.from(times).sort()]
  const index = new Map<string, number>()
  const of = new Int32Array(times.length)
  const counts: number[] = []
  for (let i = 0; i < times.length; i++) {
    const stream = streams[i] ?? ''
    let g = index.get(stream)
    if (g === undefined) {
      g = counts.length
      index.set(stream, g)
      counts.push(0)
    }
    of[i] = g
    counts[g]++
  }
  const groups = counts.map((n) => new Float64Array(n))
  const fill = new Int32Array(counts.length)
  for (let i = 0; i < times.length; i++) groups[of[i]][fill[of[i]]++] = times[i]
  for (const g of groups) g.sort()
  return groups
}

/**
 * The number of lines in each non-empty window of length w of each stream, sorted: the times of a
 * window are a run of a stream's sorted times with one Math.floor(t / w). (NaN times, sorted last,
 * make one window of their own.)
 */
function windowSizes(groups: Float64Array[], w: number): Int32Array {
  let total = 0
  for (const g of groups) total += g.length
  const sizes = new Int32Array(total)
  let n = 0
  for (const g of groups) {
    let i = 0
    while (i < g.length) {
      const k = Math.floor(g[i] / w)
      let j = i + 1
      // (k !== k: NaN, every NaN in one window, as String(NaN) made them one key)
      while (j < g.length && (Math.floor(g[j] / w) === k || (k !== k && g[j] !== g[j]))) j++
      sizes[n++] = j - i
      i = j
    }
  }
  return sizes.subarray(0, n).sort()
}

/** Sliding windows each line may fall in (window / step). */
export const MAX_WINDOWS_PER_LINE = 100

/** Window and step lengths (from flags or a model file) that every later step can live with. */
export function checkWindows(windowMs: number | undefined, stepMs: number | undefined): void {
  const ok = (ms: number | undefined): boolean => ms === undefined || (Number.isSafeInteger(ms) && ms > 0)
  const size = windowMs ?? DEFAULT_WINDOW_MS
  if (ok(windowMs) && ok(stepMs) && (stepMs === undefined || size / stepMs <= MAX_WINDOWS_PER_LINE)) return
  throw new FlareError(`unusable session windows: window ${windowMs ?? 'auto'} ms, step ${stepMs ?? 'the window'} ms (each a whole number of ms > 0; a line may fall in at most ${MAX_WINDOWS_PER_LINE} windows)`, {
    exitCode: ExitCode.badInput,
    hint: 'a model file with these values is damaged: save the model again (flare detect --save-model DIR)',
  })
}
