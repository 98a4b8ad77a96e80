import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, toArray, type DetectorParams, type ThresholdParams} from './detector.js'
import {uniqueRows} from './dedupe.js'
import {symmetricEigen, weightedMeanCov} from './linalg.js'
import type {ThresholdInfo} from './threshold.js'
import type {FeatureConfig} from '../features/config.js'
import type {DetectorEntry} from './entry.js'
import * as z from '../zod.js'
import {contamination, expectLength, finite, finiteArray, nFeatures, savedDetector} from './schema.js'

/**
 * PCA subspace detector (Xu et al. 2009; loglizer's PCA). The normal subspace is spanned by the
 * leading principal components explaining `varianceRatio` of the variance; the anomaly score is the
 * squared prediction error SPE = |x − PPᵀx|² (after centring), i.e. the energy in the residual
 * subspace. Natural threshold: the Q-statistic of Jackson & Mudholkar (1979) at confidence given by
 * `cAlpha` (the normal deviate; 3.2905 as in loglizer ≈ α = 0.001 two-sided).
 */
export interface PCAParams extends ThresholdParams {
  /** Keep the fewest components whose cumulative explained variance reaches this; or an integer count (≥ 1). */
  varianceRatio?: number
  cAlpha?: number
}

export class PCADetector extends BaseDetector {
  readonly name = 'pca'
  readonly varianceRatio: number
  readonly cAlpha: number
  private mean: Float64Array = new Float64Array(0)
  private components: Float64Array[] = []
  private qThreshold = 0

  constructor(p: PCAParams = {}) {
    super(p)
    this.varianceRatio = p.varianceRatio ?? 0.95
    this.cAlpha = p.cAlpha ?? 3.2905
  }

  params(): DetectorParams {
    return {varianceRatio: this.varianceRatio, cAlpha: this.cAlpha, contamination: this.contamination}
  }

  protected fitModel(X: FeatureMatrix): void {
    const u = uniqueRows(X)
    const p = X.cols
    const {mean, cov} = weightedMeanCov(u.unique, u.weights)
    const {values, vectors} = symmetricEigen(cov, p)
    let totalVar = 0
    for (const v of values) totalVar += v
    let k: number
    if (this.varianceRatio >= 1) k = Math.min(p, Math.floor(this.varianceRatio))
    else {
      k = 0
      let acc = 0
      while (k < p && (totalVar === 0 || acc / totalVar < this.varianceRatio)) acc += values[k++]
    }
    this.mean = mean
    this.components = vectors.slice(0, k)
    let t1 = 0
    let t2 = 0
    let t3 = 0
    for (let j = k; j < p; j++) {
      t1 += values[j]
      t2 += values[j] ** 2
      t3 += values[j] ** 3
    }
    let q = 0
    if (t1 > 0 && t2 > 0) {
      const h0 = 1 - (2 * t1 * t3) / (3 * t2 * t2)
      q = t1 * Math.pow((this.cAlpha * Math.sqrt(2 * t2 * h0 * h0)) / t1 + 1 + (t2 * h0 * (h0 - 1)) / (t1 * t1), 1 / h0)
    }
    // Residual variance can be exactly zero (rank-deficient counts): keep a floor above rounding noise.
    this.qThreshold = Math.max(Number.isFinite(q) ? q : 0, 1e-9 * (totalVar + 1e-12))
  }

  protected override naturalThreshold(): ThresholdInfo {
    return {threshold: this.qThreshold, rule: `q-statistic(cAlpha=${this.cAlpha})`}
  }

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const {rows, cols: p, data} = X
    const out = new Float64Array(rows)
    const d = new Float64Array(p)
    const r = new Float64Array(p)
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < p; j++) d[j] = data[i * p + j] - this.mean[j]
      r.set(d)
      for (const v of this.components) {
        let dot = 0
        for (let j = 0; j < p; j++) dot += v[j] * d[j]
        for (let j = 0; j < p; j++) r[j] -= dot * v[j]
      }
      let s = 0
      for (let j = 0; j < p; j++) s += r[j] * r[j]
      out[i] = s
    }
    return out
  }

  protected stateJSON(): unknown {
    return {mean: toArray(this.mean), nComponents: this.components.length, components: this.components.map(toArray), qThreshold: this.qThreshold}
  }

  protected restoreState(state: unknown): void {
    const s = state as {mean: number[]; components: number[][]; qThreshold: number}
    this.mean = Float64Array.from(s.mean)
    this.components = s.components.map((c) => Float64Array.from(c))
    this.qThreshold = s.qThreshold
  }
}

const PCAJSON = savedDetector(
  'pca',
  z.strictObject({varianceRatio: finite.positive(), cAlpha: finite, contamination}),
  // nComponents repeats components.length so a truncated list is caught (absent in older files).
  z.object({nFeatures, mean: finiteArray, nComponents: z.number().int().nonnegative().optional(), components: z.array(finiteArray), qThreshold: finite.nonnegative()}),
  finite.nonnegative(),
).superRefine((m, ctx) => {
  const p = m.state.nFeatures
  if (!expectLength(ctx, ['state', 'mean'], m.state.mean.length, p)) return
  const {nComponents, components} = m.state
  if (nComponents !== undefined && !expectLength(ctx, ['state', 'components'], components.length, nComponents)) return
  if (m.state.components.length > p) ctx.addIssue({code: 'custom', path: ['state', 'components'], message: `${m.state.components.length} components for ${p} features`})
  m.state.components.forEach((c, k) => expectLength(ctx, ['state', 'components', k], c.length, p))
})

/**
 * Presence and raw counts: a failing session lacks or adds templates (presence) or breaks the
 * usual count ratios (counts), both outside the normal subspace (HDFS_2percent F1: 0.824, against
 * 0.449 on damped counts + extras, whose durations dominate the variance; bench/detectors.mjs).
 */
const PRESENCE_AND_COUNTS: FeatureConfig = {sets: ['presence', 'counts'], transform: 'none', maxBigrams: 64}

export const pca: DetectorEntry = {
  name: 'pca',
  create: (p) => new PCADetector(p),
  features: PRESENCE_AND_COUNTS,
  grid: {varianceRatio: [0.9, 0.95, 0.99]},
  schema: PCAJSON,
}
