/**
 * Threshold rules shared by all detectors. Rows with score > threshold are anomalies.
 *
 * - contamination c given: the (1 - c) quantile of the training scores (linear interpolation, as
 *   numpy.percentile) — flags about c of the training rows.
 * - otherwise the ROBUST rule: threshold = median + cutoff * sigma, where sigma is a robust scale of
 *   the training scores: 1.4826·MAD when it is non-zero; when more than half of the scores are
 *   identical (common — log sessions repeat exactly) the MAD is 0, so the scale falls back to the
 *   spread of the upper quantiles ((q95 − q50)/1.6449, then (q99 − q50)/2.3263); if even that is 0
 *   the scale is a tiny fraction of the score magnitude, so only rows strictly above the
 *   overwhelming majority are flagged. It assumes no anomaly share: on clean data (no row far in the
 *   tail) nothing is flagged. The default cutoff is 4.5 — a score must sit 4.5 robust standard
 *   deviations above the median, which Gaussian-ish tails of thousands of clean rows do not reach.
 *   The scale is the larger of 1.4826·MAD and (q95 − median)/1.6449, so right-skewed score
 *   distributions get a wider band (anomalies beyond the 5% tail do not inflate it).
 *
 * Detectors with a principled threshold of their own (PCA's Q-statistic, invariant violations,
 * never-seen templates) use that instead; see each detector.
 */
export interface ThresholdInfo {
  threshold: number
  rule: string
}

export const DEFAULT_ROBUST_CUTOFF = 4.5

export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const pos = (n - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, n - 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function sortedCopy(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a).sort()
}

export function robustScale(sorted: Float64Array): {median: number; sigma: number} {
  const median = quantile(sorted, 0.5)
  const dev = new Float64Array(sorted.length)
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs(sorted[i] - median)
  dev.sort()
  // The larger of the MAD and the upper-tail spread: anomaly scores are right-skewed (LOF ratios,
  // Mahalanobis distances), and a symmetric MAD under-estimates how far clean rows reach.
  let sigma = Math.max(1.4826 * quantile(dev, 0.5), (quantile(sorted, 0.95) - median) / 1.6449)
  if (!(sigma > 0)) sigma = (quantile(sorted, 0.99) - median) / 2.3263
  if (!(sigma > 0)) sigma = 1e-9 * Math.max(1e-300, Math.abs(median))
  return {median, sigma}
}

export function robustThreshold(scores: ArrayLike<number>, cutoff = DEFAULT_ROBUST_CUTOFF): ThresholdInfo {
  const s = sortedCopy(scores)
  const {median, sigma} = robustScale(s)
  return {threshold: median + cutoff * sigma, rule: `robust-z(median+${cutoff}*sigma)`}
}

export function contaminationThreshold(scores: ArrayLike<number>, contamination: number): ThresholdInfo {
  const s = sortedCopy(scores)
  return {threshold: quantile(s, 1 - contamination), rule: `contamination(${contamination})`}
}

/**
 * A split between two groups of score VALUES: Otsu's rule (the cut that maximises the
 * between-group variance) over the distinct scores, each counted once. Sessions of a log repeat
 * exactly — on HDFS half the blocks share one score — so over all rows the common patterns' mass
 * decides the cut (it lands inside the normal bulk); over distinct values each behaviour weighs
 * the same and the cut falls between the normal patterns and the far ones. The split is taken only
 * when the upper group is a minority of the rows (at most `maxShare`): on a smooth, unimodal score
 * distribution (clean data) Otsu cuts near the middle, flags a third of the rows, and is refused —
 * the caller then uses the robust rule. Null when refused.
 */
export function distinctSplitThreshold(scores: ArrayLike<number>, maxShare = DISTINCT_SPLIT_MAX_SHARE): ThresholdInfo | null {
  const all = sortedCopy(scores)
  const distinct: number[] = []
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) distinct.push(all[i])
  const m = distinct.length
  if (m < 3) return null
  let total = 0
  for (const v of distinct) total += v
  let below = 0
  let best = -1
  let cut = Number.NaN
  for (let i = 0; i < m - 1; i++) {
    below += distinct[i]
    const w0 = (i + 1) / m
    const w1 = 1 - w0
    const gap = below / (i + 1) - (total - below) / (m - i - 1)
    const between = w0 * w1 * gap * gap
    if (between > best) {
      best = between
      cut = distinct[i]
    }
  }
  // Rows strictly above the cut: the first index past it in the sorted scores.
  let lo = 0
  let hi = all.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (all[mid] <= cut) lo = mid + 1
    else hi = mid
  }
  const share = (all.length - lo) / all.length
  if (!(share > 0 && share <= maxShare)) return null
  return {threshold: cut, rule: `distinct-split(otsu, ${(100 * share).toFixed(1)}% above)`}
}

/** The largest share of rows a distinct-score split may flag before it is taken for a cut through the normal bulk. */
export const DISTINCT_SPLIT_MAX_SHARE = 0.1

export function chooseThreshold(
  scores: ArrayLike<number>,
  opts: {contamination?: number | null; cutoff?: number},
): ThresholdInfo {
  if (opts.contamination != null) return contaminationThreshold(scores, opts.contamination)
  return robustThreshold(scores, opts.cutoff)
}
