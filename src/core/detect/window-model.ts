import * as z from '../zod.js'
import type {FeatureMatrix} from '../features/matrix.js'
import {isCriticalLevel, mentionsFailure} from '../severity.js'
import type {FleetLike} from './fleet-bursts.js'
import {finite} from './schema.js'
import {CRITICAL_FAILURE_SURPRISAL, DAY_MS, HOUR_MS, hotMark, levelWeight, MIN_ROUTINE_BURSTS, routineSurprisal, SAME_TIME_MINUTES, SHORT_GAP_MINUTES, templateFamilies, type OutsideStats} from './window-series.js'
import type {Episode, WindowContext} from './window-rate.js'
import {componentLows, lowCount} from './window-silence.js'

/**
 * Scoring windows with a saved window-rate model, one window at a time: each window against the
 * training profile of its stream, never against the other windows scored with it. So a window
 * scores the same in a batch `detect --model` as when a live engine closes it alone or with
 * others (batch and live agree, whatever the size of the chunks the lines came in), and templates
 * the model never saw count: the caller appends a column for each (pipeline.ts scoringDetection),
 * and an unseen template has no training windows, so a few of its lines in a window are a surprise
 * (the more so at ERROR/FATAL level or naming a failure), while one of a family the model knows
 * (`Invalid user ftpuser` of `Invalid user <name>`) scores against that family's profile.
 *
 * Per stream, the profile keeps how many windows training had and, per series (a template, or a
 * family of templates differing in one word, under its first column), the histogram of its nonzero
 * counts: its baseline (trimmed mean λ, over-dispersion φ) and how often training saw a window
 * like a given one, on this stream and on the fleet's others, all follow from it.
 * A window's series is hot above λ + 2√(φλ) + 0.5; its surprisal is −log10 P(X ≥ C/φ) for
 * X ~ Poisson(λ/φ) (λ at least half a line per training log), divided by one plus the training
 * windows that held at least half as many (its own stream's and the fleet's: a scanner wave that
 * reached the hosts before is routine), except for a FATAL/CRITICAL template sparse in training;
 * times the level weight. The profile also keeps each series' training bursts (peak and time),
 * so the fit's rules apply: like bursts on its own stream, some but fewer than one a day (two at
 * least), are other anomalies (rare recurrences: they do not divide it, and its hot windows leave
 * its baseline) unless one came at this time of day on another day (a schedule, with two days of
 * training or more and windows of an hour or less); the fleet's like windows count only when its
 * other streams had as many like bursts (fleet-bursts.ts); a stream the model never saw takes the
 * whole fleet's bursts as its own. A model saved before it keeps no bursts: every like training
 * window counts.
 * Templates the model never saw in one window add their scores up.
 * Silence is judged apart, against each stream's lowest usual count (`low`), by window-silence.ts.
 */

/** One stream's training profile: its windows, and per series key (a column index) [count, windows] of its nonzero counts, ascending. */
export interface StreamProfile {
  windows: number
  series: Record<string, Array<[number, number]>>
  /** The 20th percentile of its windows' line counts, what its silence is judged against (absent in models saved before it: window-silence.ts lowFromSeries). */
  low?: number
  /** Per component, when it has two or more, the same of the component's lines (only those of 3 or more: the ones whose silence is judged). */
  components?: Record<string, number>
  /**
   * Per series key, its training bursts (hot windows a short gap apart) as [peak, first window's
   * start, last window's start], greatest peak first, MAX_BURSTS at most: how many like bursts
   * training saw, here and on the fleet's other streams, and when (absent in models saved before
   * it: every like training window counts, as it did).
   */
  bursts?: Record<string, Array<[number, number, number]>>
}

export interface WindowProfiles {
  /** Per training column: its series key (the lowest column of its family; itself alone). */
  families: number[]
  streams: Record<string, StreamProfile>
}

export const WindowProfilesJSON = z.object({
  families: z.array(z.number().int().nonnegative()),
  streams: z.record(z.string(), z.object({windows: z.number().int().min(1), series: z.record(z.string(), z.array(z.tuple([finite.positive(), z.number().int().min(1)]))), low: finite.nonnegative().optional(), components: z.record(z.string(), finite.nonnegative()).optional(), bursts: z.record(z.string(), z.array(z.tuple([finite.positive(), finite, finite]))).optional()})),
})

const TRIM = 0.05
/** Bursts kept per series and stream, the greatest (a like burst reaches half a hot window's count: more than this many is routine whatever the training's length). */
const MAX_BURSTS = 256
const SHORT_GAP_MS = SHORT_GAP_MINUTES * 60_000
const SAME_TIME_MS = SAME_TIME_MINUTES * 60_000

/** The profiles of the fitted rows: per stream, per series, the histogram of its window counts. */
export function fitProfiles(X: FeatureMatrix, ctx: WindowContext): WindowProfiles {
  const families = templateFamilies(ctx.columns.map((c) => c.text), ctx.columns.map((c) => c.level))
  const streams: Record<string, StreamProfile> = {}
  const sums = new Map<string, Map<number, Map<number, number>>>()
  const totals = new Map<string, number[]>()
  const parts = new Map<string, Map<string, number[]>>()
  // per stream, per series: its nonzero windows [start, count] (its bursts are found from them)
  const timelines = new Map<string, Map<number, Array<[number, number]>>>()
  for (let i = 0; i < X.rows; i++) {
    const stream = ctx.streams[i]
    const profile = (streams[stream] ??= {windows: 0, series: {}})
    profile.windows++
    let bySeries = sums.get(stream)
    if (!bySeries) sums.set(stream, (bySeries = new Map()))
    let timeline = timelines.get(stream)
    if (!timeline) timelines.set(stream, (timeline = new Map()))
    let total = 0
    for (const [key, count] of rowSeries(X, i, families, X.cols)) {
      let hist = bySeries.get(key)
      if (!hist) bySeries.set(key, (hist = new Map()))
      hist.set(count, (hist.get(count) ?? 0) + 1)
      total += count
      let points = timeline.get(key)
      if (!points) timeline.set(key, (points = []))
      points.push([ctx.windowStart[i], count])
    }
    let t = totals.get(stream)
    if (!t) totals.set(stream, (t = []))
    t.push(total)
    // each component's lines in the window (zeros too: its quiet windows are its baseline)
    let byComponent = parts.get(stream)
    if (!byComponent) parts.set(stream, (byComponent = new Map()))
    const inWindow = new Map<string, number>()
    for (let j = 0; j < X.cols; j++) {
      const component = ctx.columns[j].component
      if (component !== undefined && X.data[i * X.cols + j] !== 0) inWindow.set(component, (inWindow.get(component) ?? 0) + X.data[i * X.cols + j])
    }
    for (const component of inWindow.keys()) if (!byComponent.has(component)) byComponent.set(component, new Array(t.length - 1).fill(0))
    for (const [component, counts] of byComponent) counts.push(inWindow.get(component) ?? 0)
  }
  for (const [stream, bySeries] of sums) {
    for (const [key, hist] of bySeries) streams[stream].series[key] = [...hist.entries()].sort((a, b) => a[0] - b[0])
    streams[stream].low = lowCount(totals.get(stream)!)
    const components = componentLows(parts.get(stream)!)
    if (components) streams[stream].components = components
    const bursts: Record<string, Array<[number, number, number]>> = {}
    for (const [key, points] of timelines.get(stream)!) {
      const peaks = burstPeaks(points, streams[stream].series[key], streams[stream].windows, ctx.stepMs)
      if (peaks.length > 0) bursts[key] = peaks
    }
    streams[stream].bursts = bursts
  }
  return {families, streams}
}

/** A series' bursts in training: its hot windows, those a short gap apart one burst, as [peak, first start, last start]; greatest first, MAX_BURSTS at most. */
function burstPeaks(points: Array<[number, number]>, hist: ReadonlyArray<[number, number]>, n: number, stepMs: number): Array<[number, number, number]> {
  const {hot} = hotMark(histBaseline(hist, n), n)
  const hotPoints = points.filter(([, count]) => count > hot).sort((a, b) => a[0] - b[0])
  const gap = Math.max(1, Math.round(SHORT_GAP_MS / stepMs)) * stepMs
  const bursts: Array<[number, number, number]> = []
  for (const [start, count] of hotPoints) {
    const b = bursts[bursts.length - 1]
    if (b !== undefined && start - b[2] <= gap) {
      b[0] = Math.max(b[0], count)
      b[2] = start
    } else bursts.push([count, start, start])
  }
  return bursts.sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, MAX_BURSTS)
}

/** The bursts reaching `least` at their peak. */
function burstsAtLeast(bursts: ReadonlyArray<[number, number, number]> | undefined, least: number): Array<[number, number, number]> {
  return (bursts ?? []).filter(([peak]) => peak >= least)
}

/** Whether a burst is at the time of day of the window starting at `start` (± SAME_TIME_MS and half the burst), on another day: a schedule. */
function sameTimeOfDay([, first, last]: [number, number, number], start: number, stepMs: number): boolean {
  const centre = (first + last + stepMs) / 2
  const at = start + stepMs / 2
  if (Math.abs(at - centre) < DAY_MS / 2) return false
  const apart = Math.abs((((at - centre) % DAY_MS) + DAY_MS) % DAY_MS)
  return Math.min(apart, DAY_MS - apart) <= SAME_TIME_MS + (last - first) / 2
}

/** Each window scored against the profiles: its score (the largest of its series') and its episodes above `minScore`. */
export function scoreWindows(X: FeatureMatrix, ctx: WindowContext, profiles: WindowProfiles, minScore: number): {rowScores: Float64Array<ArrayBuffer>; episodes: Episode[]} {
  const keyOf = columnKeys(ctx, profiles.families)
  const weights = ctx.columns.map((c) => levelWeight(c.level, c.text))
  const critical = ctx.columns.map((c) => isCriticalLevel(c.level))
  const alarming = ctx.columns.map((c, j) => critical[j] && mentionsFailure(c.text))
  const pooled = pooledProfile(profiles.streams)
  const knownBursts = Object.values(profiles.streams).some((p) => p.bursts !== undefined)
  const rowScores = new Float64Array(X.rows)
  const episodes: Episode[] = []
  const fresh: Episode[] = []
  for (let i = 0; i < X.rows; i++) {
    const stream = ctx.streams[i]
    const own = profiles.streams[stream]
    const profile = own ?? pooled
    const members = new Map<number, number[]>()
    for (let j = 0; j < X.cols; j++) {
      if (X.data[i * X.cols + j] === 0) continue
      const key = keyOf[j]
      let m = members.get(key)
      if (!m) members.set(key, (m = []))
      m.push(j)
    }
    for (const [key, cols] of members) {
      let count = 0
      let lead = cols[0]
      for (const j of cols) {
        const v = X.data[i * X.cols + j]
        count += v
        if (v > X.data[i * X.cols + lead]) lead = j
      }
      const hist = key < profiles.families.length ? profile.series[key] ?? [] : []
      const n = profile.windows
      const {lambda, hot} = hotMark(histBaseline(hist, n), n)
      if (count <= hot) continue
      const present = hist.reduce((a, [, w]) => a + w, 0)
      const isCritical = cols.some((j) => critical[j])
      const sparse = present <= n / 10
      // The training windows are this one's "outside" (all of them, its bursts included, as the
      // fit's analysis takes the rest of the log); windows like it there, on this stream and on
      // the fleet's others (their excess joins the baseline), make it routine (routineSurprisal).
      // With the training's bursts known, as the fit's analysis judges them: its own stream's like
      // bursts, some but fewer than `routine`, are other anomalies (its hot windows leave its
      // baseline and do not make it routine), and the fleet's count only when other streams had
      // `routine` of them.
      // (as the fit: rare recurrences are judged in training under two days, or over two days or
      // more with windows of an hour or less, where a like burst at the same time of day on
      // another day is a schedule, and routine)
      const known = own ? own.bursts !== undefined : knownBursts
      const days = (n * ctx.stepMs) / DAY_MS
      const routine = Math.max(days, MIN_ROUTINE_BURSTS)
      const daily = days >= 2 && ctx.stepMs <= HOUR_MS
      const ownLike = own && known ? burstsAtLeast(own.bursts?.[key], count / 2) : []
      const scheduled = daily && ownLike.some((b) => sameTimeOfDay(b, ctx.windowStart[i], ctx.stepMs))
      // (a host the model never saw is scored on the fleet's pooled profile: the fleet's like
      // bursts are its own, rare when fewer than `routine`)
      const fleetLike = !own && known ? Object.values(profiles.streams).reduce((k, p) => k + burstsAtLeast(p.bursts?.[key], count / 2).length, 0) : 0
      const rare = ((days < 2 || daily) && !scheduled && ownLike.length > 0 && ownLike.length < routine) || (fleetLike > 0 && fleetLike < routine)
      const ownAlike = windowsAtLeast(hist, count / 2)
      const like: FleetLike = {alike: rare ? 0 : ownAlike, excess: []}
      if (own && key < profiles.families.length) {
        let others = 0
        for (const [other, p] of Object.entries(profiles.streams)) {
          if (other === stream) continue
          others += burstsAtLeast(p.bursts?.[key], count / 2).length
          const theirs = p.series[key] ?? []
          const rate = histBaseline(theirs, p.windows).mean
          for (const [value, w] of theirs) if (value >= count / 2) for (let k = 0; k < w; k++) like.excess.push(value - rate)
        }
        if (known && others < routine) like.excess.length = 0
        // (the fleet's verdict counts its own like windows too, rare or not: fleet-bursts.ts's ownAlike)
        else if (like.excess.length > 0) like.alike = ownAlike
        like.alike += like.excess.length
      }
      // (a sparse FATAL/CRITICAL template is news each time: its other bursts do not make it routine)
      if (isCritical && sparse) like.alike = like.excess.length = 0
      const calm = hist.filter(([value]) => value <= hot)
      const outside = rare ? histStats(calm, Math.max(1, n - (present - calm.reduce((a, [, w]) => a + w, 0)))) : histStats(hist, n)
      let surprisal = routineSurprisal(count, Math.max(outside.mean, 0.5 / n), outside, like)
      if (isCritical && sparse && cols.some((j) => alarming[j])) surprisal = Math.max(surprisal, CRITICAL_FAILURE_SURPRISAL)
      const weight = Math.max(...cols.map((j) => weights[j]))
      const start = ctx.windowStart[i]
      const episode: Episode = {kind: present === 0 ? 'new' : 'rate', stream, column: lead, ...(cols.length > 1 ? {columns: cols} : {}), rows: [i], startMs: start, endMs: start + ctx.stepMs, count, expected: lambda, surprisal, weight, score: surprisal * weight}
      if (key >= profiles.families.length) fresh.push(episode)
      else if (episode.score > minScore) episodes.push(episode)
      if (episode.score > rowScores[i]) rowScores[i] = episode.score
    }
    // Templates the model never saw, several in one window (an OOM kill: six new lines at once),
    // are one event: their surprisals add up (independent tails multiply), and each is listed.
    const together = fresh.reduce((a, e) => a + e.score, 0)
    if (together > rowScores[i]) rowScores[i] = together
    if (together > minScore) for (const e of fresh) episodes.push({...e, score: together})
    fresh.length = 0
  }
  episodes.sort((a, b) => b.score - a.score || a.startMs - b.startMs || a.column - b.column)
  return {rowScores, episodes}
}

/**
 * Per column of the scored rows: the training series it belongs to, or (a template the model never
 * saw, in no family it knows) a key past the training columns. A template the model never saw that
 * differs from one it knows only in its digits is that one's series: a date the masker kept
 * (`[10/Sep/2026:<*>]` in every haproxy line of the training day, `[11/Sep/2026:<*>]` the next).
 */
function columnKeys(ctx: WindowContext, trained: number[]): number[] {
  const texts = ctx.columns.map((c) => c.text)
  const families = templateFamilies(texts, ctx.columns.map((c) => c.level))
  const known = new Map<number, number>()
  const digitless = new Map<string, number>()
  for (let j = 0; j < Math.min(trained.length, families.length); j++) {
    if (!known.has(families[j])) known.set(families[j], trained[j])
    const key = withoutDigits(texts[j])
    if (!digitless.has(key)) digitless.set(key, trained[j])
  }
  return families.map((f, j) => (j < trained.length ? trained[j] : digitless.get(withoutDigits(texts[j])) ?? known.get(f) ?? trained.length + f))
}

function withoutDigits(text: string): string {
  return text.replace(/\d+/g, '0')
}

/** A row's nonzero series sums: [key, count]. */
function rowSeries(X: FeatureMatrix, i: number, keys: number[], cols: number): Map<number, number> {
  const out = new Map<number, number>()
  for (let j = 0; j < cols; j++) {
    const v = X.data[i * X.cols + j]
    if (v !== 0) out.set(keys[j], (out.get(keys[j]) ?? 0) + v)
  }
  return out
}

/** Trimmed mean and dispersion of a series from its histogram over `n` windows (trimmedBaseline of the counts it stands for). */
function histBaseline(hist: ReadonlyArray<[number, number]>, n: number): {mean: number; dispersion: number} {
  let keep = Math.max(1, n - Math.ceil(TRIM * n))
  const present = hist.reduce((a, [, w]) => a + w, 0)
  keep -= Math.min(keep, n - present)
  let sum = 0
  let sq = 0
  for (const [value, windows] of hist) {
    if (keep <= 0) break
    const take = Math.min(keep, windows)
    sum += value * take
    sq += value * value * take
    keep -= take
  }
  const total = Math.max(1, n - Math.ceil(TRIM * n))
  const mean = sum / total
  const variance = Math.max(0, sq / total - mean * mean)
  return {mean, dispersion: mean > 0 ? Math.max(1, variance / mean) : 1}
}

/** Mean and variance of a series over `n` windows from its histogram, nothing trimmed; as a burst's outside (one window long). */
function histStats(hist: ReadonlyArray<[number, number]>, n: number): OutsideStats {
  let sum = 0
  let sq = 0
  for (const [value, windows] of hist) {
    sum += value * windows
    sq += value * value * windows
  }
  const mean = sum / n
  return {mean, variance: Math.max(0, sq / n - mean * mean), windows: n, length: 1}
}

function windowsAtLeast(hist: ReadonlyArray<[number, number]>, least: number): number {
  let w = 0
  for (const [value, windows] of hist) if (value >= least) w += windows
  return w
}

/** The fleet as one stream: for a stream the model never saw (a new host), its windows are like any host's. */
function pooledProfile(streams: Record<string, StreamProfile>): StreamProfile {
  const series: Record<string, Map<number, number>> = {}
  let windows = 0
  for (const p of Object.values(streams)) {
    windows += p.windows
    for (const [key, hist] of Object.entries(p.series)) {
      const m = (series[key] ??= new Map())
      for (const [value, w] of hist) m.set(value, (m.get(value) ?? 0) + w)
    }
  }
  return {windows: Math.max(1, windows), series: Object.fromEntries(Object.entries(series).map(([k, m]) => [k, [...m.entries()].sort((a, b) => a[0] - b[0])]))}
}
