import * as z from '../zod.js'
import {contamination, finite, nFeatures, savedDetector} from './schema.js'
import {RAW_COUNTS} from '../features/config.js'
import type {FeatureMatrix} from '../features/matrix.js'
import {isCriticalLevel, mentionsFailure} from '../severity.js'
import {CRITICAL_FAILURE_SURPRISAL, DAY_MS, HOUR_MS, hotMark, levelWeight, MIN_ROUTINE_BURSTS, routineSurprisal, SAME_TIME_MINUTES, SHORT_GAP_MINUTES, templateFamilies, trimmedBaseline, withoutStrays, type OutsideStats} from './window-series.js'
import {BaseDetector, type DetectorParams, type ThresholdParams} from './detector.js'
import type {DetectorEntry} from './entry.js'
import {fleetAlike, type StreamBurst} from './fleet-bursts.js'
import {lowerSurprisal, upperSurprisal} from './poisson.js'
import {fitProfiles, scoreWindows, WindowProfilesJSON, type WindowProfiles} from './window-model.js'
import {lowFromSeries, MIN_SILENT_BASELINE, QuietRuns, SILENCE_QUANTILE, silentWindows} from './window-silence.js'
import type {ThresholdInfo} from './threshold.js'

export {levelWeight, routineSurprisal, templateFamilies, trimmedBaseline, type OutsideStats} from './window-series.js'

/**
 * Rates of templates in time windows, each against its own stream's robust baseline (Elastic ML's
 * rare + count jobs, Watchdog's per-series baselines). Rows are (stream × window) count vectors
 * (streams: hosts, or host × component); the detector must be told which row is which stream and
 * window, and what each column's template is (level, failure words, component): `setContext`.
 *
 * Per stream and template, over the stream's windows:
 * - the baseline rate λ is the mean count after dropping the busiest 5% of windows, its
 *   over-dispersion φ (variance / mean, at least 1) from the same windows: bursty scanner noise
 *   and the daily rhythm widen φ, so their bursts weigh little (quasi-Poisson);
 * - "hot" windows hold clearly more than λ; hot windows of one template a short gap apart form an
 *   episode (rare templates may recur up to an hour apart: a periodic job failing every run is one
 *   episode, not ten);
 * - an episode's surprisal is −log10 P(X ≥ C) for X ~ Poisson(E/φ), C its lines / φ, E the rate
 *   outside the episode (at least half a line per log) times its length: a template never seen
 *   before, or far above its rate, scores high; one that fills most of the log is the baseline;
 * - the score is the surprisal times a level weight: an ERROR/FATAL template or one whose text
 *   names a failure weighs more than an INFO one, but a common FATAL has no surprisal to weigh;
 *   other bursts of a template divide its surprisal, except for a sparse FATAL/CRITICAL one, and
 *   except for rare recurrences (fewer than one a day; in a log under two days, a single other
 *   burst an hour away or more: the same failure twice); like bursts on the fleet's other streams,
 *   at other times, count too (fleet-bursts.ts: port scans reaching each host once a day).
 * Silence: a stream, or a component within a stream, whose lowest usual count (its 20th
 * percentile) is high, logging nothing (or nearly) for a stretch: −log10 P(X ≤ C) of the stretch.
 *
 * A window's score is the largest score of the episodes it takes part in; natural threshold:
 * `minScore`.
 */
export interface WindowRateParams extends ThresholdParams {
  /** Weighted surprisal (−log10 p × level weight) above which an episode is an anomaly. */
  minScore?: number
  /** Longest gap, in minutes, between occurrences of a rare template that still belong to one episode. */
  recurrenceMinutes?: number
}

/** What the detector must know about rows and columns. */
export interface WindowContext {
  /** Per row: its stream ('' when the log is one stream). */
  streams: string[]
  /** Per row: the window's start, epoch ms. */
  windowStart: number[]
  /** Window step, ms. */
  stepMs: number
  /** Per column: level, template text and component of the column's template. */
  columns: Array<{level?: string; text: string; component?: string}>
}

export type EpisodeKind = 'new' | 'rate' | 'silent'

/** One stretch of windows where a template (or a stream, or a component) is far from its normal rate. */
export interface Episode {
  kind: EpisodeKind
  stream: string
  /** Column (template) for 'new' / 'rate'; -1 for silence. */
  column: number
  /** The columns its count sums, when they are a family of templates (its column is one of them); absent: its column alone. */
  columns?: number[]
  /** Silent component, when the silence is of one component in a stream. */
  component?: string
  /** Rows (windows) it spans where it is hot (or silent), in time order. */
  rows: number[]
  startMs: number
  endMs: number
  count: number
  expected: number
  surprisal: number
  weight: number
  score: number
}


export class WindowRate extends BaseDetector {
  readonly name = 'window-rate'
  readonly minScore: number
  readonly recurrenceMinutes: number
  private context?: WindowContext
  private episodesFound: Episode[] = []
  private rowScores = new Float64Array(0)
  /** Per stream → per column baseline [λ, φ], for scoring other logs with a saved model. */
  private baselines: Record<string, Array<[number, number]>> = {}
  /** Per stream, its windows' counts per series: what other logs' windows are scored against, one by one (window-model.ts). */
  private profiles?: WindowProfiles
  /** Quiet stretches of the streams, from one scoring with the profiles to the next (window-silence.ts). */
  private quiet = new QuietRuns()
  /** The rows of the last fit: scoring them gives the fit's own analysis. */
  private fittedOn?: FeatureMatrix
  /** During analyse: each column's family, and every hot burst found, for the fleet's verdict. */
  private families: number[] = []
  private bursts: Array<{episode: Episode; outside: OutsideStats; burst: StreamBurst}> = []

  constructor(p: WindowRateParams = {}) {
    super(p)
    this.minScore = p.minScore ?? 6
    this.recurrenceMinutes = p.recurrenceMinutes ?? 65
  }

  params(): DetectorParams {
    return {minScore: this.minScore, recurrenceMinutes: this.recurrenceMinutes, contamination: this.contamination}
  }

  /** Rows' streams and windows and the columns' templates; call before fit() and score(). */
  setContext(context: WindowContext): void {
    this.context = context
  }

  /** True when rows other than the fitted ones are scored one window at a time against saved profiles (columns past the model's allowed). */
  get scoresWindowsAlone(): boolean {
    return this.profiles !== undefined
  }

  /** The streams whose windows are scored against saved profiles: each must show every window, empty ones too (a host dark for a whole log is silent). */
  get expectedStreams(): string[] {
    return this.profiles ? Object.keys(this.profiles.streams).filter((s) => s !== '').sort() : []
  }

  /** The usual count per window of a column in a stream (the trimmed mean), 0 when unknown. */
  normalRate(stream: string, column: number): number {
    return this.baselines[stream]?.[column]?.[0] ?? 0
  }

  /** The anomalous episodes found by the last fit or score, most surprising first. */
  episodes(): Episode[] {
    return this.episodesFound
  }

  protected fitModel(X: FeatureMatrix): void {
    this.analyse(X, true)
    this.profiles = fitProfiles(X, this.contextFor(X))
    this.quiet = new QuietRuns()
    this.fittedOn = X
  }

  /**
   * The rows just fitted: the fit's analysis of the whole log. Other rows (another log, or a live
   * engine's closed windows) with a model's profiles: each window against them alone, so a window
   * scores the same whichever windows come with it; a model saved without profiles re-analyses
   * the rows as a log of their own.
   */
  protected scoreRows(X: FeatureMatrix): Float64Array {
    if (X === this.fittedOn) return this.rowScores
    if (this.profiles) {
      const ctx = this.contextFor(X)
      const scored = scoreWindows(X, ctx, this.profiles, this.minScore)
      const streams = this.profiles.streams
      const silent = silentWindows(X, ctx, (s) => (streams[s] ? {low: streams[s].low ?? lowFromSeries(streams[s].windows, streams[s].series), components: streams[s].components} : undefined), this.quiet, this.minScore)
      for (const e of silent) if (e.score > scored.rowScores[e.rows[0]]) scored.rowScores[e.rows[0]] = e.score
      this.episodesFound = [...scored.episodes, ...silent].sort((a, b) => b.score - a.score || a.startMs - b.startMs || a.column - b.column)
      this.rowScores = scored.rowScores
    } else if (X.rows !== this.rowScores.length) this.analyse(X, false)
    return this.rowScores
  }

  /** With profiles, columns past the model's are templates it never saw (pipeline.ts scoringDetection appends them). */
  protected override checkInput(X: FeatureMatrix): void {
    super.checkInput(this.profiles && X.cols > this.nFeatures ? {...X, cols: this.nFeatures} : X)
  }

  protected override naturalThreshold(): ThresholdInfo {
    return {threshold: this.minScore, rule: `window-rate(score>${this.minScore})`}
  }

  private contextFor(X: FeatureMatrix): WindowContext {
    const c = this.context
    if (c && c.streams.length === X.rows && c.columns.length === X.cols) return c
    // A context for other rows or columns is a caller's bug: read without it, columns that are not
    // a template's lines (extras, durations) would be summed as lines, rows' times as row numbers.
    if (c) throw new Error(`window-rate: its context describes ${c.streams.length} rows × ${c.columns.length} template columns, the matrix is ${X.rows} × ${X.cols} (checkWindowFeatures refuses features other than raw counts)`)
    // Without a context every row is one window of one stream, in order.
    return {streams: new Array(X.rows).fill(''), windowStart: Array.from({length: X.rows}, (_, i) => i), stepMs: 1, columns: Array.from({length: X.cols}, () => ({text: ''}))}
  }

  private analyse(X: FeatureMatrix, fitting: boolean): void {
    const ctx = this.contextFor(X)
    const byStream = new Map<string, number[]>()
    for (let i = 0; i < X.rows; i++) {
      let rows = byStream.get(ctx.streams[i])
      if (!rows) byStream.set(ctx.streams[i], (rows = []))
      rows.push(i)
    }
    const weights = ctx.columns.map((c) => levelWeight(c.level, c.text))
    const critical = ctx.columns.map((c) => isCriticalLevel(c.level))
    const alarming = ctx.columns.map((c, j) => critical[j] && mentionsFailure(c.text))
    const families = (this.families = templateFamilies(ctx.columns.map((c) => c.text), ctx.columns.map((c) => c.level)))
    this.bursts = []
    const gapWindows = Math.max(1, Math.round((this.recurrenceMinutes * 60_000) / ctx.stepMs))
    const episodes: Episode[] = []
    if (fitting) this.baselines = {}
    for (const [stream, rowsUnsorted] of byStream) {
      const rows = rowsUnsorted.sort((a, b) => ctx.windowStart[a] - ctx.windowStart[b])
      const n = rows.length
      const values = new Float64Array(n)
      const saved = fitting ? (this.baselines[stream] = []) : this.baselines[stream]
      const componentSums = new Map<string, Float64Array>()
      const totals = new Float64Array(n)
      const memberValues = new Map<number, Float64Array>()
      for (let j = 0; j < X.cols; j++) {
        let total = 0
        for (let k = 0; k < n; k++) {
          values[k] = X.data[rows[k] * X.cols + j]
          total += values[k]
        }
        if (total === 0) {
          if (fitting) saved.push([0, 1])
          continue
        }
        const comp = ctx.columns[j].component
        for (let k = 0; k < n; k++) totals[k] += values[k]
        if (comp !== undefined) {
          let sums = componentSums.get(comp)
          if (!sums) componentSums.set(comp, (sums = new Float64Array(n)))
          for (let k = 0; k < n; k++) sums[k] += values[k]
        }
        const base = fitting || !saved?.[j] ? trimmedBaseline(values) : {mean: saved[j][0], dispersion: saved[j][1]}
        if (fitting) saved.push([base.mean, base.dispersion])
        if (families[j] !== j || families.includes(j, j + 1)) {
          memberValues.set(j, Float64Array.from(values))
          continue
        }
        this.hotEpisodes(stream, j, rows, values, total, base, weights[j], critical[j], alarming[j], gapWindows, ctx, episodes)
      }
      // Templates that differ in one word (`Invalid user admin`, `Invalid user oracle`) are one
      // series: a scanner trying names bursts all day as a family, each name only once.
      const byFamily = new Map<number, number[]>()
      for (const j of memberValues.keys()) {
        let m = byFamily.get(families[j])
        if (!m) byFamily.set(families[j], (m = []))
        m.push(j)
      }
      for (const members of byFamily.values()) {
        const sum = new Float64Array(n)
        for (const j of members) {
          const v = memberValues.get(j)!
          for (let k = 0; k < n; k++) sum[k] += v[k]
        }
        const total = sum.reduce((a, b) => a + b, 0)
        const found: Episode[] = []
        const weight = Math.max(...members.map((j) => weights[j]))
        this.hotEpisodes(stream, members[0], rows, sum, total, trimmedBaseline(sum), weight, members.some((j) => critical[j]), members.some((j) => alarming[j]), gapWindows, ctx, found)
        for (const e of found) {
          // the episode is named after the member with most lines in it
          let best = members[0]
          let bestCount = -1
          for (const j of members) {
            const v = memberValues.get(j)!
            let c = 0
            for (const r of e.rows) c += v[rows.indexOf(r)]
            if (c > bestCount) {
              best = j
              bestCount = c
            }
          }
          e.column = best
          e.columns = members
          episodes.push(e)
        }
      }
      const whole: Episode[] = []
      if (byStream.size > 1 || componentSums.size === 0) this.silentEpisodes(stream, undefined, rows, totals, ctx, whole)
      episodes.push(...whole)
      // a silent host silences its components: only a component quiet on its own is news
      const parts: Episode[] = []
      if (componentSums.size > 1) for (const [comp, sums] of componentSums) this.silentEpisodes(stream, comp, rows, sums, ctx, parts)
      episodes.push(...parts.filter((p) => !whole.some((w) => w.startMs <= p.startMs && p.endMs <= w.endMs)))
    }
    // a burst other hosts show too, at other times, is the fleet's routine (fleet-bursts.ts)
    const fleet = fleetAlike(this.bursts.map((b) => b.burst), SHORT_GAP_MINUTES * 60_000)
    this.bursts.forEach(({episode, outside}, i) => {
      const like = fleet[i]
      if (like !== undefined) {
        episode.surprisal = routineSurprisal(episode.count, episode.expected, outside, like)
        episode.score = episode.surprisal * episode.weight
      }
    })
    this.bursts = []
    episodes.sort((a, b) => b.score - a.score || a.startMs - b.startMs)
    this.episodesFound = episodes.filter((e) => e.score > this.minScore)
    this.rowScores = new Float64Array(X.rows)
    for (const e of episodes) for (const r of e.rows) if (e.score > this.rowScores[r]) this.rowScores[r] = e.score
  }

  private hotEpisodes(stream: string, column: number, rows: number[], values: Float64Array, total: number, base: {mean: number; dispersion: number}, weight: number, critical: boolean, alarming: boolean, gapWindows: number, ctx: WindowContext, out: Episode[]): void {
    const n = rows.length
    const floor = 0.5 / n
    // clearly above the usual rate: rare templates are hot wherever they appear
    const {lambda, hot: hotAbove} = hotMark(base, n)
    const hot: number[] = []
    for (let k = 0; k < n; k++) if (values[k] > hotAbove) hot.push(k)
    if (hot.length === 0) return
    // Hot windows whose every appearance chains with gaps of at most an hour (a periodic job
    // failing each run) are one episode; otherwise hot windows a few windows apart are one.
    const shortGap = Math.max(1, Math.round((SHORT_GAP_MINUTES * 60_000) / ctx.stepMs))
    let present = 0
    for (let k = 0; k < n; k++) if (values[k] > 0) present++
    const sparse = present <= n / 10
    // gaps in windows of time, not rows: one stream keeps only busy windows, rows hours apart
    const at = windowPositions(rows, ctx)
    // a busy series' excess must be contiguous: two spikes with a normal window between are two
    let gap = sparse ? shortGap : 1
    if (sparse && recursRegularly(hot.map((k) => at[k]), at[n - 1] + 1, gapWindows)) gap = gapWindows
    let sumSq = 0
    for (let k = 0; k < n; k++) sumSq += values[k] * values[k]
    // the day arithmetic is on window indices: only for streams holding every window, empty ones too
    const contiguous = ctx.windowStart[rows[n - 1]] - ctx.windowStart[rows[0]] === (n - 1) * ctx.stepMs
    const daily = contiguous ? dailyLayout(n, ctx.stepMs) : undefined
    // groups of hot windows; a burst is groups at most a short gap apart (one incident's pieces)
    // (stray: an edge window of a chain, apart from it and no burst of its own; see withoutStrays)
    const groups: Array<{members: number[]; first: number; last: number; peak: number; burst: number; stray?: boolean}> = []
    for (let i = 0; i < hot.length; ) {
      let j = i
      while (j + 1 < hot.length && at[hot[j + 1]] - at[hot[j]] <= gap) j++
      const chain = hot.slice(i, j + 1)
      i = j + 1
      let peak = 0
      for (const m of chain) peak = Math.max(peak, values[m])
      const [lo, hi] = withoutStrays(chain, values, at, total, n, floor)
      const members = chain.slice(lo, hi + 1)
      const prev = groups[groups.length - 1]
      const burst = prev && at[chain[0]] - at[prev.last] <= shortGap ? prev.burst : (prev?.burst ?? -1) + 1
      for (const m of chain.slice(0, lo)) groups.push({members: [m], first: m, last: m, peak: values[m], burst, stray: true})
      groups.push({members, first: members[0], last: members[members.length - 1], peak, burst})
      for (const m of chain.slice(hi + 1)) groups.push({members: [m], first: m, last: m, peak: values[m], burst, stray: true})
    }
    const days = (n * ctx.stepMs) / DAY_MS
    // the time the stream spans (its windows need not be contiguous)
    const spanDays = (ctx.windowStart[rows[n - 1]] - ctx.windowStart[rows[0]] + ctx.stepMs) / DAY_MS
    const leftOut = new Uint8Array(n)
    for (const {members, first, last, peak, burst, stray} of groups) {
      if (stray) continue
      const length = last - first + 1
      // a template hot in most of the log's windows is its baseline, not an episode
      if (length > n / 2) continue
      // Bursts like this one at other times, fewer than once a day (the same failure on two
      // days; in a log shorter than two days, the same failure twice), are other anomalies, not
      // the template's normal: they leave the baseline and do not make this one routine. Scanner
      // waves, several a day, and (over two days or more) a burst at the same time every day (a
      // schedule) still do.
      const otherBursts = new Set<number>()
      let withinHour = false
      for (const g of groups) {
        if (g.burst === burst || g.peak < peak / 2) continue
        if (daily && sameTimeOfDay(g, {first, last}, daily)) {
          otherBursts.clear()
          break
        }
        otherBursts.add(g.burst)
        if (Math.max(at[g.first] - at[last], at[first] - at[g.last]) * ctx.stepMs < HOUR_MS) withinHour = true
      }
      // (the day is only known with windows of an hour or less; in a log shorter than two days, the
      // other burst must be an hour away or more: bursts minutes apart are one restless series)
      const shortLog = spanDays < 2 && !withinHour
      const rareRecurrence = (daily !== undefined || shortLog) && otherBursts.size > 0 && otherBursts.size < Math.max(days, MIN_ROUTINE_BURSTS)
      // the other pieces of this burst (hot windows with a calm one between) are the same incident:
      // never its baseline (they still count among the windows like it)
      const others = groups.filter((g) => g.first !== first && (g.burst === burst || (rareRecurrence && otherBursts.has(g.burst))))
      let count = 0
      let sq = 0
      for (let m = first; m <= last; m++) {
        count += values[m]
        sq += values[m] * values[m]
      }
      let inLeftOut = length
      let otherCount = 0
      leftOut.fill(0)
      for (let m = first; m <= last; m++) leftOut[m] = 1
      // windows like it in this stream, its rare recurrences included (for the fleet's verdict)
      let alikeAll = 0
      for (let k = 0; k < n; k++) if (values[k] >= peak / 2 && (k < first || k > last)) alikeAll++
      // its own strays' lines (see withoutStrays): a template seen nowhere else is still new
      let strayCount = 0
      for (const g of others) {
        for (let m = g.first; m <= g.last; m++) {
          leftOut[m] = 1
          otherCount += values[m]
          sq += values[m] * values[m]
          if (g.stray && g.burst === burst) strayCount += values[m]
        }
        inLeftOut += g.last - g.first + 1
      }
      // the rest of the log, without this episode, is the template's normal: its rate and how
      // bursty it is (other bursts of the same template make this one less surprising)
      const nOut = Math.max(1, n - inLeftOut)
      const meanOut = (total - count - otherCount) / nOut
      const varOut = Math.max(0, (sumSq - sq) / nOut - meanOut * meanOut)
      const phi = meanOut > 0 ? Math.max(1, varOut / meanOut) : 1
      // With two days or more, the same time of day on other days is normal too: a template
      // always busy at 09:00 is expected at 09:00 (the rate outside stays the floor of it).
      const expected = daily ? dailyExpected(values, first, last, Math.max(meanOut, floor), daily, leftOut) : Math.max(meanOut, floor) * length
      // Bursts like this one elsewhere in the log (windows outside it reaching half its peak: port
      // scans, scanner waves) make it routine for this stream: each one divides the surprisal.
      let alike = 0
      if (!rareRecurrence) for (let k = 0; k < n; k++) if (values[k] >= peak / 2 && (k < first || k > last)) alike++
      // A sparse critical template (FATAL/CRITICAL in at most a tenth of the windows) is not made
      // routine by its other bursts: each kernel FATAL on a scattered day is news (BGL_2k without
      // labels: window F1 0.393 → 0.543); a FATAL in most windows still has its baseline rate.
      if (critical && sparse) alike = 0
      let surprisal = Math.min(upperSurprisal(count / phi, expected / phi), 300) / (1 + alike)
      // A sparse FATAL/CRITICAL template that names a failure is an alarm on its own, however
      // often it failed on other days (the level is the log's own verdict; BGL_2k without labels:
      // window F1 0.543 → 0.660, the "any FATAL window" baseline 0.686). A FATAL register dump
      // (no failure word) still needs its rate; a FATAL in most windows stays its baseline.
      if (critical && sparse && alarming) surprisal = Math.max(surprisal, CRITICAL_FAILURE_SURPRISAL)
      const episode: Episode = {
        kind: total === count + strayCount ? 'new' : 'rate',
        stream,
        column,
        rows: members.map((m) => rows[m]),
        startMs: ctx.windowStart[rows[first]],
        endMs: ctx.windowStart[rows[last]] + ctx.stepMs,
        count,
        expected,
        surprisal,
        weight,
        score: surprisal * weight,
      }
      out.push(episode)
      const excessValues: number[] = []
      for (let m = first; m <= last; m++) excessValues.push(Math.max(0, values[m] - lambda))
      this.bursts.push({episode, outside: {mean: meanOut, variance: varOut, windows: nOut, length}, burst: {series: this.families[column], stream, startMs: episode.startMs, endMs: episode.endMs, excess: peak - lambda, excessValues, ownAlike: alikeAll, exempt: critical && sparse, minRoutine: Math.max(days, MIN_ROUTINE_BURSTS)}})
    }
  }

  private silentEpisodes(stream: string, component: string | undefined, rows: number[], counts: Float64Array, ctx: WindowContext, out: Episode[]): void {
    const n = rows.length
    const sorted = Float64Array.from(counts).sort()
    const low = sorted[Math.floor(SILENCE_QUANTILE * (n - 1))]
    if (low < MIN_SILENT_BASELINE) return
    const quietBelow = low / 4
    let k = 0
    while (k < n) {
      if (counts[k] > quietBelow) {
        k++
        continue
      }
      let last = k
      while (last + 1 < n && counts[last + 1] <= quietBelow) last++
      const stretch: number[] = []
      let count = 0
      for (let m = k; m <= last; m++) {
        stretch.push(rows[m])
        count += counts[m]
      }
      // the log's first and last windows may be partial: silence there proves nothing
      const edge = k === 0 || last === n - 1
      k = last + 1
      if (edge) continue
      const expected = low * stretch.length
      const surprisal = Math.min(lowerSurprisal(count, expected), 300)
      out.push({kind: 'silent', stream, column: -1, ...(component === undefined ? {} : {component}), rows: stretch, startMs: ctx.windowStart[stretch[0]], endMs: ctx.windowStart[stretch[stretch.length - 1]] + ctx.stepMs, count, expected, surprisal, weight: 1, score: surprisal})
    }
  }

  protected stateJSON(): unknown {
    return {baselines: this.baselines, ...(this.profiles ? {profiles: this.profiles} : {})}
  }

  protected restoreState(state: unknown): void {
    const s = state as {baselines: WindowRate['baselines']; profiles?: WindowProfiles}
    this.baselines = s.baselines ?? {}
    this.profiles = s.profiles
    this.quiet = new QuietRuns()
    this.fittedOn = undefined
    this.rowScores = new Float64Array(0)
  }
}

/** Windows per day and the half-width (in windows) of "the same time of day", when a stream spans two days or more of windows no longer than an hour. */
export interface DailyLayout {
  perDay: number
  halfWidth: number
}

export function dailyLayout(n: number, stepMs: number): DailyLayout | undefined {
  if (stepMs > HOUR_MS || DAY_MS % stepMs !== 0) return undefined
  const perDay = DAY_MS / stepMs
  if (n < 2 * perDay) return undefined
  return {perDay, halfWidth: Math.floor(SAME_TIME_MINUTES * 60_000 / stepMs)}
}

/** Whether two stretches of windows on different days overlap in time of day (± the layout's half-width). */
export function sameTimeOfDay(a: {first: number; last: number}, b: {first: number; last: number}, layout: DailyLayout): boolean {
  const {perDay, halfWidth} = layout
  if (Math.abs(a.first + a.last - b.first - b.last) / 2 < perDay / 2) return false
  const centre = (x: {first: number; last: number}) => ((x.first + x.last) / 2) % perDay
  const apart = Math.abs(centre(a) - centre(b))
  const circular = Math.min(apart, perDay - apart)
  return circular <= halfWidth + (a.last - a.first + b.last - b.first) / 2
}

/**
 * Lines expected in windows first..last: per window, the larger of the rate outside the episode
 * and the mean of the windows at the same time of day (± SAME_TIME_MINUTES) on the other days,
 * the episode's own windows (and any in `leftOut`) left out.
 */
export function dailyExpected(values: ArrayLike<number>, first: number, last: number, outsideRate: number, layout: DailyLayout, leftOut?: Uint8Array): number {
  const n = values.length
  let expected = 0
  for (let m = first; m <= last; m++) {
    let sum = 0
    let count = 0
    for (let day = m - Math.floor(m / layout.perDay) * layout.perDay; day < n; day += layout.perDay) {
      if (Math.abs(day - m) < layout.perDay / 2) continue
      for (let k = Math.max(0, day - layout.halfWidth); k <= Math.min(n - 1, day + layout.halfWidth); k++) {
        if ((k >= first && k <= last) || leftOut?.[k]) continue
        sum += values[k]
        count++
      }
    }
    expected += Math.max(outsideRate, count > 0 ? sum / count : 0)
  }
  return expected
}

/**
 * A sparse series' (present in at most a tenth of the windows) hot windows that recur at a steady
 * pace (no gap over the recurrence limit, nor over 2.5× the median gap) within half the log: the
 * signature of a periodic job failing at every run.
 */
/** Each row's window, counted in steps from the stream's first (k itself when the stream holds every window). */
function windowPositions(rows: number[], ctx: WindowContext): Float64Array {
  const at = new Float64Array(rows.length)
  const first = ctx.windowStart[rows[0]]
  for (let k = 0; k < rows.length; k++) at[k] = Math.round((ctx.windowStart[rows[k]] - first) / ctx.stepMs)
  return at
}

function recursRegularly(hot: number[], n: number, gapWindows: number): boolean {
  if (hot.length < 2 || hot[hot.length - 1] - hot[0] + 1 > n / 2) return false
  const gaps = hot.slice(1).map((k, i) => k - hot[i]).sort((a, b) => a - b)
  const median = gaps[Math.floor(gaps.length / 2)]
  return gaps[gaps.length - 1] <= Math.min(gapWindows, 2.5 * median)
}

/** A saved window-rate model: per stream, per column, [mean rate, dispersion ≥ 1] of its baseline. */
const WindowRateJSON = savedDetector(
  'window-rate',
  z.strictObject({minScore: finite.positive(), recurrenceMinutes: finite.nonnegative(), contamination}),
  z.object({nFeatures, baselines: z.record(z.string(), z.array(z.tuple([finite.nonnegative(), finite.min(1)]))), profiles: WindowProfilesJSON.optional()}),
  finite.positive(),
)

export const windowRate: DetectorEntry = {
  name: 'window-rate',
  create: (p) => new WindowRate(p),
  features: RAW_COUNTS,
  grid: {minScore: [4, 6, 8]},
  schema: WindowRateJSON,
}
