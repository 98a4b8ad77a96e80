import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, toArray, type DetectorParams, type ThresholdParams} from './detector.js'
import {uniqueRows} from './dedupe.js'
import {robustThreshold, type ThresholdInfo} from './threshold.js'
import {VPTree} from '../incidents/vptree.js'
import {DEFAULT_FEATURES} from '../features/config.js'
import type {DetectorEntry} from './entry.js'
import * as z from '../zod.js'
import {contamination, expectLength, finite, finiteArray, nFeatures, positiveInt, savedDetector} from './schema.js'

/**
 * Local Outlier Factor (Breunig et al. 2000) in novelty mode: fit on training sessions, score any
 * session by the ratio of its neighbours' local reachability density to its own. Score = LOF
 * (≈ 1 inside a cluster, higher = more anomalous; sklearn's −score_samples).
 *
 * Duplicates: training rows are collapsed to distinct rows with weights and the k nearest
 * neighbours are counted by weight, which is exactly sklearn's result when identical points are
 * present (a point with ≥ k+1 copies has k-distance 0). At fit time each training row excludes
 * one copy of itself, as sklearn's kneighbors(X=None) does. The neighbour search is exact, over a
 * vantage-point tree of the distinct rows (ties broken by row index, as a scan would).
 * Default threshold: the shared robust rule with cutoff 6, floored at LOF = 3 (see naturalThreshold).
 */
export interface LOFParams extends ThresholdParams {
  nNeighbors?: number
}

interface Neighbours {
  idx: Int32Array
  dist: Float64Array
  w: Float64Array
  count: number
}

export class LocalOutlierFactor extends BaseDetector {
  readonly name = 'lof'
  readonly nNeighbors: number
  private train: FeatureMatrix = {rows: 0, cols: 0, data: new Float64Array(0)}
  private weights: Float64Array = new Float64Array(0)
  private kDist: Float64Array = new Float64Array(0)
  private lrd: Float64Array = new Float64Array(0)
  private k = 0
  /** Index over the distinct training rows for the neighbour search (rebuilt after a load). */
  private tree?: VPTree

  constructor(p: LOFParams = {}) {
    super(p)
    this.nNeighbors = p.nNeighbors ?? 20
  }

  params(): DetectorParams {
    return {nNeighbors: this.nNeighbors, contamination: this.contamination}
  }

  /** Weighted k nearest training rows of q; `self` (a distinct-row index) gives up one copy. */
  private neighbours(q: Float64Array, qOff: number, self: number, out: Neighbours): void {
    const k = this.k
    let count = 0
    let cum = 0
    this.tree ??= new VPTree(this.train.data, this.train.cols, this.train.rows)
    this.tree.search(q, qOff, (u, d) => {
      const wu = u === self ? this.weights[u] - 1 : this.weights[u]
      const bound = cum >= k ? out.dist[count - 1] : Number.POSITIVE_INFINITY
      if (wu <= 0 || (cum >= k && d >= bound)) return bound
      let pos = count
      // equal distances keep the lower row index first, as a scan in row order would
      while (pos > 0 && (out.dist[pos - 1] > d || (out.dist[pos - 1] === d && out.idx[pos - 1] > u))) {
        out.dist[pos] = out.dist[pos - 1]
        out.idx[pos] = out.idx[pos - 1]
        out.w[pos] = out.w[pos - 1]
        pos--
      }
      out.dist[pos] = d
      out.idx[pos] = u
      out.w[pos] = wu
      count++
      cum += wu
      while (count > 1 && cum - out.w[count - 1] >= k) cum -= out.w[--count]
      return cum >= k ? out.dist[count - 1] : Number.POSITIVE_INFINITY
    })
    // Trim the last neighbour's weight so the weights sum to exactly k.
    if (count > 0 && cum > k) out.w[count - 1] -= cum - k
    out.count = count
  }

  private scratch(): Neighbours {
    const n = this.k + 2
    return {idx: new Int32Array(n), dist: new Float64Array(n), w: new Float64Array(n), count: 0}
  }

  protected fitModel(X: FeatureMatrix): void {
    const {unique, weights} = uniqueRows(X)
    this.train = unique
    this.weights = weights
    this.tree = undefined
    this.k = Math.max(1, Math.min(this.nNeighbors, X.rows - 1))
    const nu = unique.rows
    this.kDist = new Float64Array(nu)
    this.lrd = new Float64Array(nu)
    const nb = this.scratch()
    const all: Neighbours[] = []
    for (let u = 0; u < nu; u++) {
      this.neighbours(unique.data, u * unique.cols, u, nb)
      this.kDist[u] = nb.count > 0 ? nb.dist[nb.count - 1] : 0
      all.push({idx: nb.idx.slice(0, nb.count), dist: nb.dist.slice(0, nb.count), w: nb.w.slice(0, nb.count), count: nb.count})
    }
    for (let u = 0; u < nu; u++) this.lrd[u] = this.localDensity(all[u])
  }

  /**
   * LOF ratios are heavy-tailed: the tail of clean Gaussian data reaches LOF ≈ 2.7 (robust z up to
   * 8), so the default is the shared robust rule with cutoff 6 AND at least LOF 3 (a row at least
   * three times sparser than its neighbourhood).
   */
  protected override naturalThreshold(train: Float64Array): ThresholdInfo {
    const r = robustThreshold(train, 6)
    return {threshold: Math.max(r.threshold, 3), rule: `max(${r.rule}, lof=3)`}
  }

  private localDensity(nb: Neighbours): number {
    let s = 0
    let wsum = 0
    for (let t = 0; t < nb.count; t++) {
      s += nb.w[t] * Math.max(this.kDist[nb.idx[t]], nb.dist[t])
      wsum += nb.w[t]
    }
    return 1 / (s / Math.max(wsum, 1e-300) + 1e-10)
  }

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const out = new Float64Array(X.rows)
    const nb = this.scratch()
    for (let i = 0; i < X.rows; i++) {
      this.neighbours(X.data, i * X.cols, -1, nb)
      const own = this.localDensity(nb)
      let s = 0
      let wsum = 0
      for (let t = 0; t < nb.count; t++) {
        s += nb.w[t] * this.lrd[nb.idx[t]]
        wsum += nb.w[t]
      }
      out[i] = s / Math.max(wsum, 1e-300) / own
    }
    return out
  }

  protected stateJSON(): unknown {
    return {
      k: this.k,
      rows: this.train.rows,
      data: toArray(this.train.data),
      weights: toArray(this.weights),
      kDist: toArray(this.kDist),
      lrd: toArray(this.lrd),
    }
  }

  protected restoreState(state: unknown): void {
    const s = state as {nFeatures: number; k: number; rows: number; data: number[]; weights: number[]; kDist: number[]; lrd: number[]}
    this.k = s.k
    this.train = {rows: s.rows, cols: s.nFeatures, data: Float64Array.from(s.data)}
    this.weights = Float64Array.from(s.weights)
    this.kDist = Float64Array.from(s.kDist)
    this.lrd = Float64Array.from(s.lrd)
    this.tree = undefined
  }
}

const LocalOutlierFactorJSON = savedDetector(
  'lof',
  z.strictObject({nNeighbors: positiveInt, contamination}),
  z.object({nFeatures, k: positiveInt, rows: positiveInt, data: finiteArray, weights: z.array(finite.positive()), kDist: z.array(finite.nonnegative()), lrd: z.array(finite.positive())}),
  finite.nonnegative(),
).superRefine((m, ctx) => {
  const s = m.state
  if (s.k > m.params.nNeighbors) ctx.addIssue({code: 'custom', path: ['state', 'k'], message: `${s.k} is above nNeighbors ${m.params.nNeighbors}`})
  if (!expectLength(ctx, ['state', 'data'], s.data.length, s.rows * s.nFeatures)) return
  for (const key of ['weights', 'kDist', 'lrd'] as const) if (!expectLength(ctx, ['state', key], s[key].length, s.rows)) return
})

export const localOutlierFactor: DetectorEntry = {
  name: 'lof',
  create: (p) => new LocalOutlierFactor(p),
  features: DEFAULT_FEATURES,
  grid: {nNeighbors: [10, 20, 35]},
  schema: LocalOutlierFactorJSON,
}
