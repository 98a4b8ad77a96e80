import {fromRows, type FeatureMatrix} from '../../../src/core/features/matrix.js'
import {mulberry32} from '../../../src/core/detect/random.js'

/** Standard normal via Box–Muller from a seeded uniform source. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand()
  const v = rand()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** n points from N(0, I_d) followed by `outliers` points at distance ~8 from the centre. */
export function blobWithOutliers(n: number, d: number, outliers: number, seed = 1): FeatureMatrix {
  const rand = mulberry32(seed)
  const rows: number[][] = []
  for (let i = 0; i < n; i++) rows.push(Array.from({length: d}, () => gaussian(rand)))
  for (let i = 0; i < outliers; i++) rows.push(Array.from({length: d}, (_, j) => (j === i % d ? 8 : 0) + 0.3 * gaussian(rand) * (i % 2 ? 1 : -1)))
  return fromRows(rows)
}

/** Indices of the m highest scores. */
export function topIndices(scores: Float64Array, m: number): number[] {
  return Array.from(scores.keys())
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, m)
    .sort((a, b) => a - b)
}
