import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, toArray, type DetectorParams, type ThresholdParams} from './detector.js'
import {uniqueRows} from './dedupe.js'
import {robustThreshold, type ThresholdInfo} from './threshold.js'
import {applyColumnScale, columnScaleState, fitColumnScale, type ColumnScale} from './scale.js'
import {VPTree} from '../incidents/vptree.js'
import {DEFAULT_FEATURES} from '../features/config.js'
import type {DetectorEntry} from './entry.js'
import * as z from '../zod.js'
import {contamination, expectLength, finite, finiteArray, nFeatures, positiveInt, savedDetector} from './schema.js'

/**
 * Local Outlier Factor (Breunig, Kriegel, Ng & Sander 2000): the ratio of a session's neighbours'
 * local reachability density to its own (≈ 1 inside a cluster, higher = more anomalous). Columns
 * are standardised first (scale.ts).
 *
 * Duplicates, as the paper prescribes for them: the neighbourhood is defined by the
 * k-DISTINCT-distance — the distance to the k-th nearest training row with different coordinates —
 * and holds every training row within it, copies included (a row's own other copies at distance 0,
 * reachable at its k-distinct-distance). Log sessions repeat exactly (HDFS_2percent: 11,501 blocks,
 * 140 distinct count vectors); with the plain k-distance (scikit-learn's) a vector repeated more
 * than k times has k-distance 0 and an infinite density, so every session whose neighbourhood
 * holds it scores ~1e10 × its distance — the "Duplicate values are leading to incorrect results"
 * artefact. Here a repeated normal vector is dense (its copies pull its LOF to 1) and the scores stay
 * ratios of finite densities. The work runs over the distinct rows, weighted by their counts.
 *
 * Training rows are scored leave-one-out (fit_predict semantics); a scored row identical to a
 * training row gets that row's score, so `score()` of the training matrix reproduces the fit. Any
 * other row is scored against the training rows (novelty). Neighbour search: exact, on a
 * vantage-point tree of the distinct rows, ties at the k-distinct-distance all included.
 * Default threshold: the shared robust rule with cutoff 6, floored at LOF = 3 (naturalThreshold).
 */
export interface LOFParams extends ThresholdParams {
  nNeighbors?: number
}

/** Candidate neighbours of one query, nearest first (ties by row index). */
interface Neighbours {
  idx: number[]
  dist: number[]
  /** Distinct row at distance 0 from the query (scoring), or -1. */
  match: number
}

export class LocalOutlierFactor extends BaseDetector {
  readonly name = 'lof'
  readonly nNeighbors: number
  private colScale: ColumnScale = {mean: new Float64Array(0), scale: new Float64Array(0)}
  /** The distinct training rows, standardised. */
  private train: FeatureMatrix = {rows: 0, cols: 0, data: new Float64Array(0)}
  private weights: Float64Array = new Float64Array(0)
  private kDist: Float64Array = new Float64Array(0)
  private lrd: Float64Array = new Float64Array(0)
  /** LOF of each distinct training row, its own row left out. */
  private lof: Float64Array = new Float64Array(0)
  private k = 0
  /** Index over the distinct training rows for the neighbour search (rebuilt after a load). */
  private tree?: VPTree
  /** The training rows' scores, between fitModel and the threshold (BaseDetector.fit). */
  private fitScores?: Float64Array

  constructor(p: LOFParams = {}) {
    super(p)
    this.nNeighbors = p.nNeighbors ?? 20
  }

  params(): DetectorParams {
    return {nNeighbors: this.nNeighbors, contamination: this.contamination}
  }

  /**
   * The k nearest distinct training rows of q other than `self`, with every row tied at the k-th
   * distance. With `self` < 0 a row at distance 0 is the query's own pattern: it is reported as
   * `match` and the search stops.
   */
  private neighbours(q: Float64Array, qOff: number, self: number, out: Neighbours): void {
    const k = this.k
    const {idx, dist} = out
    idx.length = 0
    dist.length = 0
    out.match = -1
    this.tree ??= new VPTree(this.train.data, this.train.cols, this.train.rows)
    this.tree.search(q, qOff, (u, d) => {
      if (u === self) return idx.length >= k ? dist[k - 1] : Number.POSITIVE_INFINITY
      if (d === 0 && self < 0) {
        out.match = u
        return -1
      }
      const bound = idx.length >= k ? dist[k - 1] : Number.POSITIVE_INFINITY
      if (d > bound) return bound
      let pos = idx.length
      idx.push(u)
      dist.push(d)
      while (pos > 0 && (dist[pos - 1] > d || (dist[pos - 1] === d && idx[pos - 1] > u))) {
        dist[pos] = dist[pos - 1]
        idx[pos] = idx[pos - 1]
        pos--
      }
      dist[pos] = d
      idx[pos] = u
      // Keep the k nearest and whatever ties the k-th.
      if (idx.length > k) {
        const kth = dist[k - 1]
        while (idx.length > k && dist[idx.length - 1] > kth) {
          idx.pop()
          dist.pop()
        }
      }
      return idx.length >= k ? dist[k - 1] : Number.POSITIVE_INFINITY
    })
  }

  /**
   * Local reachability density of a query whose neighbourhood is `nb` plus `own` copies of a row
   * with k-distinct-distance `ownKDist`: 1 / the mean reachability distance, copies counted.
   */
  private density(nb: Neighbours, own: number, ownKDist: number): number {
    let s = own * ownKDist
    let w = own
    for (let t = 0; t < nb.idx.length; t++) {
      const o = nb.idx[t]
      s += this.weights[o] * Math.max(this.kDist[o], nb.dist[t])
      w += this.weights[o]
    }
    return 1 / (s / w + 1e-10)
  }

  /** Mean density of the neighbourhood (own copies at `ownLrd`) over the query's own density. */
  private ratio(nb: Neighbours, own: number, ownLrd: number): number {
    let s = own * ownLrd
    let w = own
    for (const o of nb.idx) {
      s += this.weights[o] * this.lrd[o]
      w += this.weights[o]
    }
    return s / w / ownLrd
  }

  protected fitModel(X: FeatureMatrix): void {
    this.colScale = fitColumnScale(X)
    const {unique, weights, inverse} = uniqueRows(X)
    const U = applyColumnScale(unique, this.colScale)
    this.train = U
    this.weights = weights
    this.tree = undefined
    const m = U.rows
    this.k = Math.max(1, Math.min(this.nNeighbors, m - 1))
    this.kDist = new Float64Array(m)
    this.lrd = new Float64Array(m)
    this.lof = new Float64Array(m).fill(1)
    if (m > 1) {
      const all: Neighbours[] = []
      for (let u = 0; u < m; u++) {
        const nb: Neighbours = {idx: [], dist: [], match: -1}
        this.neighbours(U.data, u * U.cols, u, nb)
        this.kDist[u] = nb.dist[this.k - 1]
        all.push(nb)
      }
      for (let u = 0; u < m; u++) this.lrd[u] = this.density(all[u], weights[u] - 1, this.kDist[u])
      for (let u = 0; u < m; u++) this.lof[u] = this.ratio(all[u], weights[u] - 1, this.lrd[u])
    } else this.lrd[0] = 1e10 // one pattern only: every other row is infinitely sparser
    this.fitScores = Float64Array.from(inverse, (u) => this.lof[u])
  }

  protected override trainingScores(X: FeatureMatrix): Float64Array {
    const s = this.fitScores
    this.fitScores = undefined
    return s ?? this.scoreRows(X)
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

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const Z = applyColumnScale(X, this.colScale)
    const out = new Float64Array(X.rows)
    const nb: Neighbours = {idx: [], dist: [], match: -1}
    for (let i = 0; i < X.rows; i++) {
      this.neighbours(Z.data, i * Z.cols, -1, nb)
      if (nb.match >= 0) {
        out[i] = this.lof[nb.match]
        continue
      }
      out[i] = this.ratio(nb, 0, this.density(nb, 0, 0))
    }
    return out
  }

  protected stateJSON(): unknown {
    return {
      k: this.k,
      rows: this.train.rows,
      mean: toArray(this.colScale.mean),
      scale: toArray(this.colScale.scale),
      data: toArray(this.train.data),
      weights: toArray(this.weights),
      kDist: toArray(this.kDist),
      lrd: toArray(this.lrd),
      lof: toArray(this.lof),
    }
  }

  protected restoreState(state: unknown): void {
    const s = state as z.infer<typeof LOFState>
    this.k = s.k
    this.colScale = {mean: Float64Array.from(s.mean), scale: Float64Array.from(s.scale)}
    this.train = {rows: s.rows, cols: s.nFeatures, data: Float64Array.from(s.data)}
    this.weights = Float64Array.from(s.weights)
    this.kDist = Float64Array.from(s.kDist)
    this.lrd = Float64Array.from(s.lrd)
    this.lof = Float64Array.from(s.lof)
    this.tree = undefined
  }
}

const LOFState = z.object({
  nFeatures,
  k: positiveInt,
  rows: positiveInt,
  ...columnScaleState,
  data: finiteArray,
  weights: z.array(finite.positive()),
  kDist: z.array(finite.nonnegative()),
  lrd: z.array(finite.positive()),
  lof: z.array(finite.positive()),
})

const LocalOutlierFactorJSON = savedDetector('lof', z.strictObject({nNeighbors: positiveInt, contamination}), LOFState, finite.nonnegative()).superRefine((m, ctx) => {
  const s = m.state
  if (s.k > m.params.nNeighbors) ctx.addIssue({code: 'custom', path: ['state', 'k'], message: `${s.k} is above nNeighbors ${m.params.nNeighbors}`})
  if (s.k > Math.max(1, s.rows - 1)) ctx.addIssue({code: 'custom', path: ['state', 'k'], message: `${s.k} neighbours among ${s.rows} rows`})
  if (!expectLength(ctx, ['state', 'data'], s.data.length, s.rows * s.nFeatures)) return
  for (const key of ['mean', 'scale'] as const) if (!expectLength(ctx, ['state', key], s[key].length, s.nFeatures)) return
  for (const key of ['weights', 'kDist', 'lrd', 'lof'] as const) if (!expectLength(ctx, ['state', key], s[key].length, s.rows)) return
})

export const localOutlierFactor: DetectorEntry = {
  name: 'lof',
  create: (p) => new LocalOutlierFactor(p),
  features: DEFAULT_FEATURES,
  grid: {nNeighbors: [10, 20, 35]},
  schema: LocalOutlierFactorJSON,
}
