import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, toArray, type DetectorParams, type ThresholdParams} from './detector.js'
import {DEFAULT_SEED, mulberry32, sampleWithoutReplacement} from './random.js'
import type {FeatureConfig} from '../features/config.js'
import type {DetectorEntry} from './entry.js'
import * as z from '../zod.js'
import {distinctSplitThreshold, type ThresholdInfo} from './threshold.js'
import {contamination, expectIndices, expectLength, finite, finiteArray, nFeatures, positiveInt, savedDetector, seed} from './schema.js'

/**
 * Isolation Forest (Liu, Ting & Zhou 2008). Each tree isolates a random subsample with random
 * axis-parallel splits; anomalies are isolated in fewer splits. Score = 2^(−E[h(x)] / c(ψ)) in
 * (0, 1], higher = more anomalous (0.5 ≈ no distinct anomaly), exactly sklearn's −score_samples.
 *
 * Trees are stored flat: node t of tree k lives at k * maxNodes + t, so scoring is a tight loop
 * over typed arrays.
 */
export interface IsolationForestParams extends ThresholdParams {
  nEstimators?: number
  /** The most rows per tree (ψ); see subsampleSize. */
  maxSamples?: number
  seed?: number
}

/**
 * Rows per tree. The paper's 256 suits continuous data; on template counts a tree can only split on
 * a template some row of its subsample holds, and the templates of failing sessions are rare — in
 * 256 of HDFS's 11,501 blocks they are mostly absent, so a failing block ends in a normal leaf. With
 * 2,048 the best reachable F1 on HDFS_2percent rises from 0.69–0.73 to 0.82 (bench/INCIDENTS.md).
 */
export const DEFAULT_MAX_SAMPLES = 2048

/**
 * Rows per tree for n training rows: a quarter of them, at least 256 (the paper's size) and at most
 * maxSamples. Subsampling is what lets a forest isolate clustered anomalies (less masking); with
 * every row in every tree the tails of clean data grow heavy enough for the robust rule to flag a
 * row of a clean Gaussian cloud.
 */
export function subsampleSize(rows: number, maxSamples: number): number {
  return Math.min(rows, maxSamples, Math.max(256, Math.ceil(rows / 4)))
}

/** The isolation score of a row whose mean path length equals c(ψ): neither isolated early nor late. */
const AVERAGE_ROW_SCORE = 0.5

const EULER_GAMMA = 0.5772156649015329

/** Average path length of an unsuccessful BST search among n points: c(n) = 2H(n−1) − 2(n−1)/n. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0
  if (n === 2) return 1
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n
}

export class IsolationForest extends BaseDetector {
  readonly name = 'isolation-forest'
  readonly nEstimators: number
  readonly maxSamples: number
  readonly seed: number
  private maxNodes = 0
  private psi = 0
  /** −1 marks a leaf. */
  private feature = new Int32Array(0)
  private split = new Float64Array(0)
  private left = new Int32Array(0)
  private right = new Int32Array(0)
  /** For leaves: depth + c(size), the path length credited to rows ending there. */
  private leafValue = new Float64Array(0)

  constructor(p: IsolationForestParams = {}) {
    super(p)
    this.nEstimators = p.nEstimators ?? 100
    this.maxSamples = p.maxSamples ?? DEFAULT_MAX_SAMPLES
    this.seed = p.seed ?? DEFAULT_SEED
  }

  params(): DetectorParams {
    return {nEstimators: this.nEstimators, maxSamples: this.maxSamples, seed: this.seed, contamination: this.contamination}
  }

  protected fitModel(X: FeatureMatrix): void {
    const {rows, cols, data} = X
    const psi = subsampleSize(rows, this.maxSamples)
    const maxDepth = Math.max(1, Math.ceil(Math.log2(Math.max(psi, 2))))
    const maxNodes = 2 * psi - 1
    this.psi = psi
    this.maxNodes = maxNodes
    const total = maxNodes * this.nEstimators
    this.feature = new Int32Array(total).fill(-1)
    this.split = new Float64Array(total)
    this.left = new Int32Array(total)
    this.right = new Int32Array(total)
    this.leafValue = new Float64Array(total)
    const rand = mulberry32(this.seed)
    const scratch = new Int32Array(rows)
    const candidates = new Int32Array(cols)
    const lo = new Float64Array(cols)
    const hi = new Float64Array(cols)
    // Explicit stack of (node, start, end, depth) over a per-tree index buffer partitioned in place.
    const stack = new Int32Array(maxNodes * 4)
    for (let t = 0; t < this.nEstimators; t++) {
      const idx = sampleWithoutReplacement(rows, psi, rand, scratch)
      const base = t * maxNodes
      let next = 1
      let sp = 0
      stack[sp++] = 0
      stack[sp++] = 0
      stack[sp++] = psi
      stack[sp++] = 0
      while (sp > 0) {
        const depth = stack[--sp]
        const end = stack[--sp]
        const start = stack[--sp]
        const node = stack[--sp]
        const size = end - start
        const at = base + node
        if (size <= 1 || depth >= maxDepth) {
          this.leafValue[at] = depth + averagePathLength(size)
          continue
        }
        // Features that are not constant within this node; sklearn likewise never splits on one.
        lo.fill(Number.POSITIVE_INFINITY)
        hi.fill(Number.NEGATIVE_INFINITY)
        for (let k = start; k < end; k++) {
          const r = idx[k] * cols
          for (let j = 0; j < cols; j++) {
            const v = data[r + j]
            if (v < lo[j]) lo[j] = v
            if (v > hi[j]) hi[j] = v
          }
        }
        let nc = 0
        for (let j = 0; j < cols; j++) if (hi[j] > lo[j]) candidates[nc++] = j
        if (nc === 0) {
          this.leafValue[at] = depth + averagePathLength(size)
          continue
        }
        const f = candidates[Math.floor(rand() * nc)]
        let s = lo[f] + rand() * (hi[f] - lo[f])
        if (s >= hi[f]) s = lo[f] // guard against rounding up to the max
        let i = start
        let j = end - 1
        while (i <= j) {
          if (data[idx[i] * cols + f] <= s) i++
          else {
            const tmp = idx[i]
            idx[i] = idx[j]
            idx[j] = tmp
            j--
          }
        }
        const l = next++
        const r = next++
        this.feature[at] = f
        this.split[at] = s
        this.left[at] = l
        this.right[at] = r
        stack[sp++] = l
        stack[sp++] = start
        stack[sp++] = i
        stack[sp++] = depth + 1
        stack[sp++] = r
        stack[sp++] = i
        stack[sp++] = end
        stack[sp++] = depth + 1
      }
    }
  }

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const {rows, cols, data} = X
    const out = new Float64Array(rows)
    const {feature, split, left, right, leafValue, maxNodes} = this
    const norm = averagePathLength(this.psi) || 1
    const T = this.nEstimators
    for (let i = 0; i < rows; i++) {
      const r = i * cols
      let sum = 0
      for (let t = 0; t < T; t++) {
        const base = t * maxNodes
        let node = 0
        let f = feature[base]
        while (f >= 0) {
          node = data[r + f] <= split[base + node] ? left[base + node] : right[base + node]
          f = feature[base + node]
        }
        sum += leafValue[base + node]
      }
      out[i] = Math.pow(2, -(sum / T) / norm)
    }
    return out
  }

  /**
   * Isolation scores are bounded in (0, 1] and log sessions repeat exactly, so the shared robust
   * rule (median + 4.5σ) lands above 1 on session data and flags nothing. A split of the distinct
   * scores finds the far patterns without a guessed share; when there is no such minority group
   * (clean, unimodal scores) the robust rule applies. The split never goes below 0.5, the score of
   * a row isolated as fast as an average one (Liu et al.): a group above the split that an average
   * row would match is not far out (loghub-2k HPC: the split at 0.41 would flag 9 % of windows,
   * 0.5 flags 2.8 %).
   */
  protected override naturalThreshold(train: Float64Array): ThresholdInfo | null {
    const split = distinctSplitThreshold(train)
    if (split === null || split.threshold >= AVERAGE_ROW_SCORE) return split
    return {threshold: AVERAGE_ROW_SCORE, rule: `${split.rule}, floored at ${AVERAGE_ROW_SCORE}`}
  }

  protected stateJSON(): unknown {
    // Only the used prefix of each tree matters, but flat full arrays keep restore trivial.
    return {
      psi: this.psi,
      maxNodes: this.maxNodes,
      feature: toArray(this.feature),
      split: toArray(this.split),
      left: toArray(this.left),
      right: toArray(this.right),
      leafValue: toArray(this.leafValue),
    }
  }

  protected restoreState(state: unknown): void {
    const s = state as {psi: number; maxNodes: number; feature: number[]; split: number[]; left: number[]; right: number[]; leafValue: number[]}
    this.psi = s.psi
    this.maxNodes = s.maxNodes
    this.feature = Int32Array.from(s.feature)
    this.split = Float64Array.from(s.split)
    this.left = Int32Array.from(s.left)
    this.right = Int32Array.from(s.right)
    this.leafValue = Float64Array.from(s.leafValue)
  }
}

const IsolationForestState = z
  .object({
    nFeatures,
    psi: positiveInt,
    maxNodes: positiveInt,
    feature: z.array(z.number().int()),
    split: finiteArray,
    left: z.array(z.number().int()),
    right: z.array(z.number().int()),
    leafValue: z.array(finite.nonnegative()),
  })

/** Trees must be what fitModel builds: children after their parent (so a walk ends), features in range. */
const IsolationForestJSON = savedDetector(
  'isolation-forest',
  z.strictObject({nEstimators: z.number().int().min(1).max(100_000), maxSamples: positiveInt, seed, contamination}),
  IsolationForestState,
  // Scores lie in (0, 1]; the robust rule may put the threshold above 1 (flag nothing), never far.
  z.number().min(0).max(5),
).superRefine((m, ctx) => {
  const s = m.state
  if (s.psi > m.params.maxSamples) ctx.addIssue({code: 'custom', path: ['state', 'psi'], message: `${s.psi} is above maxSamples ${m.params.maxSamples}`})
  if (s.maxNodes !== 2 * s.psi - 1) ctx.addIssue({code: 'custom', path: ['state', 'maxNodes'], message: `must be 2·psi − 1 = ${2 * s.psi - 1}`})
  const total = s.maxNodes * m.params.nEstimators
  for (const key of ['feature', 'split', 'left', 'right', 'leafValue'] as const) if (!expectLength(ctx, ['state', key], s[key].length, total)) return
  if (!expectIndices(ctx, ['state', 'feature'], s.feature, -1, s.nFeatures - 1)) return
  for (let at = 0; at < total; at++) {
    if (s.feature[at] < 0) continue
    const node = at % s.maxNodes
    for (const key of ['left', 'right'] as const) {
      const child = s[key][at]
      if (!(child > node && child < s.maxNodes)) {
        ctx.addIssue({code: 'custom', path: ['state', key, at], message: `child ${child} of node ${node} is outside ${node + 1}..${s.maxNodes - 1}`})
        return
      }
    }
  }
})

/**
 * Damped template counts. The extra columns (durations, gaps, event totals) spread normal sessions
 * as far as failing ones and halve the forest's reach on HDFS (best F1 0.71–0.76 with them, 0.82
 * without, at 2,048 rows per tree).
 */
const RAW_COUNTS_LOG1P: FeatureConfig = {sets: ['counts'], transform: 'log1p', maxBigrams: 64}

export const isolationForest: DetectorEntry = {
  name: 'isolation-forest',
  create: (p) => new IsolationForest(p),
  features: RAW_COUNTS_LOG1P,
  grid: {nEstimators: [100, 200], contamination: [null, 0.03]},
  schema: IsolationForestJSON,
}
