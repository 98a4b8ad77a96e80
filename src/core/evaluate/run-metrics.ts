import type {Evaluation} from '../results.js'

export interface ScoreStats {
  mean: number
  std: number
  min: number
  max: number
  p50: number
  p95: number
  p99: number
}

/** Summary statistics of session anomaly scores (non-finite scores are left out). */
export function scoreStats(scores: ArrayLike<number>): ScoreStats {
  const values = Float64Array.from(Array.from(scores).filter(Number.isFinite)).sort()
  const n = values.length
  if (n === 0) return {mean: 0, std: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0}
  let sum = 0
  for (const v of values) sum += v
  const mean = sum / n
  let sq = 0
  for (const v of values) sq += (v - mean) ** 2
  // Linear interpolation between closest ranks, as numpy.percentile does by default.
  const q = (p: number): number => {
    const pos = (n - 1) * p
    const lo = Math.floor(pos)
    const hi = Math.min(n - 1, lo + 1)
    return values[lo]! + (values[hi]! - values[lo]!) * (pos - lo)
  }
  return {mean, std: Math.sqrt(sq / n), min: values[0]!, max: values[n - 1]!, p50: q(0.5), p95: q(0.95), p99: q(0.99)}
}

/**
 * The metrics one fitted-and-scored detector yields, named as MLflow logs them: anomaly count and
 * rate, score statistics, the threshold and, with labels, precision/recall/F1 and confusion counts.
 */
export function detectionMetrics(input: {scores: ArrayLike<number>; predicted: ArrayLike<number>; threshold: number; evaluation?: Evaluation}): Record<string, number> {
  let anomalies = 0
  for (let i = 0; i < input.predicted.length; i++) anomalies += input.predicted[i] ? 1 : 0
  const stats = scoreStats(input.scores)
  const metrics: Record<string, number> = {
    anomalies,
    anomaly_rate: input.predicted.length === 0 ? 0 : anomalies / input.predicted.length,
    score_mean: stats.mean,
    score_std: stats.std,
    score_min: stats.min,
    score_max: stats.max,
    score_p50: stats.p50,
    score_p95: stats.p95,
    score_p99: stats.p99,
  }
  if (Number.isFinite(input.threshold)) metrics.threshold = input.threshold
  const e = input.evaluation
  if (e) {
    Object.assign(metrics, {precision: e.precision, recall: e.recall, f1: e.f1, tp: e.tp, fp: e.fp, fn: e.fn, tn: e.tn, labelled_sessions: e.labelled_sessions})
  }
  return metrics
}
