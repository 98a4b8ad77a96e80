import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, type DetectorParams, type ThresholdParams} from './detector.js'
import {uniqueRows} from './dedupe.js'
import {symmetricEigen} from './linalg.js'
import {chooseThreshold, type ThresholdInfo} from './threshold.js'
import {RAW_COUNTS, type FeatureConfig} from '../features/config.js'
import type {DetectorEntry} from './entry.js'
import * as z from '../zod.js'
import {contamination, expectIndices, expectLength, finite, nFeatures, positiveInt, savedDetector} from './schema.js'

/**
 * Invariants Mining (Lou et al., USENIX ATC 2010; as in loglizer). Searches small column subsets
 * (size 1..maxInvariantSize) of the count matrix for sparse integer vectors v with X_S·v ≈ 0 on at
 * least `minSupport` of the training sessions — e.g. count(open) − count(close) = 0, or
 * count(error) = 0. Candidates come from the smallest eigenvector of the subset's Gram matrix,
 * scaled so the smallest coefficient is ±1 and rounded. Invariants in the span of ones already
 * found, or containing a smaller invariant, are skipped (this bounds the set by the invariant-space
 * dimension, like loglizer's SVD estimate).
 *
 * Score = number of invariants the session violates (|x·v| > epsilon). Natural threshold: any
 * violation (score > 0). Expects raw template counts (integer relations), not tf-idf.
 */
export interface InvariantsMiningParams extends ThresholdParams {
  /**
   * Share of training sessions an invariant must hold on. 0.95 (loglizer uses 0.98): service logs
   * with a few percent failing requests break `started = completed` in more than 2% of sessions,
   * and that relation is exactly what should flag them. HDFS_2percent F1 is 0.955 at both.
   */
  minSupport?: number
  /** |x·v| ≤ epsilon counts as satisfied. */
  epsilon?: number
  maxInvariantSize?: number
  /** Columns (most frequent first) that multi-column invariants are searched among. */
  maxColumns?: number
  /** Above this share of training sessions breaking some invariant, the threshold turns robust (see naturalThreshold). */
  maxViolatingShare?: number
  /** Largest absolute integer coefficient allowed. */
  maxCoefficient?: number
}

export interface Invariant {
  columns: number[]
  coefficients: number[]
}

export class InvariantsMining extends BaseDetector {
  readonly name = 'invariants-mining'
  readonly minSupport: number
  readonly epsilon: number
  readonly maxInvariantSize: number
  readonly maxCoefficient: number
  readonly maxColumns: number
  readonly maxViolatingShare: number
  invariants: Invariant[] = []

  constructor(p: InvariantsMiningParams = {}) {
    super(p)
    this.minSupport = p.minSupport ?? 0.95
    this.epsilon = p.epsilon ?? 0.5
    this.maxInvariantSize = p.maxInvariantSize ?? 3
    this.maxCoefficient = p.maxCoefficient ?? 10
    this.maxColumns = p.maxColumns ?? 48
    this.maxViolatingShare = p.maxViolatingShare ?? 0.1
  }

  params(): DetectorParams {
    return {
      minSupport: this.minSupport,
      epsilon: this.epsilon,
      maxInvariantSize: this.maxInvariantSize,
      maxCoefficient: this.maxCoefficient,
      maxColumns: this.maxColumns,
      maxViolatingShare: this.maxViolatingShare,
      contamination: this.contamination,
    }
  }

  /** Fitting reads the distinct rows and their counts only, and a row's score is its own. */
  override get fitsDistinctRows(): boolean {
    return true
  }

  protected fitModel(X: FeatureMatrix): void {
    const {unique, weights} = uniqueRows(X)
    this.fitDistinct(unique, weights)
  }

  protected override fitDistinct(unique: FeatureMatrix, weights: Float64Array): void {
    const p = unique.cols
    const n = unique.rows
    const U = unique.data
    let total = 0
    for (const w of weights) total += w
    // Weighted Gram matrix once; any subset's Gram is a sub-block.
    const G = new Float64Array(p * p)
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < p; a++) {
        const xa = weights[i] * U[i * p + a]
        if (xa === 0) continue
        for (let b = 0; b < p; b++) G[a * p + b] += xa * U[i * p + b]
      }
    }
    const found: Invariant[] = []
    const basis: Float64Array[] = [] // orthonormal basis of the span of found invariants
    const isInvariantKey = new Set<string>()
    const supportOk = (cols: number[], coef: number[]): boolean => {
      let ok = 0
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let k = 0; k < cols.length; k++) s += coef[k] * U[i * p + cols[k]]
        if (Math.abs(s) <= this.epsilon) ok += weights[i]
      }
      return ok >= this.minSupport * total
    }
    const inSpan = (cols: number[], coef: number[]): Float64Array | null => {
      const v = new Float64Array(p)
      for (let k = 0; k < cols.length; k++) v[cols[k]] = coef[k]
      for (const b of basis) {
        let dot = 0
        for (let j = 0; j < p; j++) dot += b[j] * v[j]
        for (let j = 0; j < p; j++) v[j] -= dot * b[j]
      }
      let norm = 0
      for (let j = 0; j < p; j++) norm += v[j] * v[j]
      norm = Math.sqrt(norm)
      if (norm < 1e-6) return null
      for (let j = 0; j < p; j++) v[j] /= norm
      return v
    }
    const containsInvariant = (cols: number[]): boolean => {
      // Any proper non-empty subset already an invariant?
      const m = cols.length
      for (let mask = 1; mask < (1 << m) - 1; mask++) {
        const sub: number[] = []
        for (let k = 0; k < m; k++) if (mask & (1 << k)) sub.push(cols[k])
        if (isInvariantKey.has(sub.join(','))) return true
      }
      return false
    }
    // Single-column invariants ("template E never occurs") come first over every column. Larger
    // subsets only draw from the columns that are not already such an invariant, capped to the
    // most frequent `maxColumns`: C(p, 3) over a few hundred templates would take minutes, and a
    // relation between two rare templates holds on too few sessions to matter.
    const combo: number[] = []
    let pool: number[] = []
    const visit = (size: number, start: number): void => {
      if (basis.length >= p) return
      if (combo.length === size) {
        if (containsInvariant(combo)) return
        const cols = combo.slice()
        const coef = this.candidate(G, p, cols)
        if (coef === null || !supportOk(cols, coef)) return
        const v = inSpan(cols, coef)
        if (v === null) return
        basis.push(v)
        found.push({columns: cols, coefficients: coef})
        isInvariantKey.add(cols.join(','))
        return
      }
      for (let j = start; j < pool.length; j++) {
        combo.push(pool[j])
        visit(size, j + 1)
        combo.pop()
      }
    }
    pool = Array.from({length: p}, (_, j) => j)
    visit(1, 0)
    const presence = new Float64Array(p)
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) if (U[i * p + j] !== 0) presence[j] += weights[i]
    pool = pool
      .filter((j) => !isInvariantKey.has(String(j)))
      .sort((a, b) => presence[b] - presence[a] || a - b)
      .slice(0, this.maxColumns)
      .sort((a, b) => a - b)
    for (let size = 2; size <= this.maxInvariantSize && size <= pool.length; size++) visit(size, 0)
    this.invariants = found
  }

  /** Integer null-vector candidate for the subset, or null if none is sparse and small. */
  private candidate(G: Float64Array, p: number, cols: number[]): number[] | null {
    const m = cols.length
    if (m === 1) return [1]
    const S = new Float64Array(m * m)
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) S[a * m + b] = G[cols[a] * p + cols[b]]
    const {vectors} = symmetricEigen(S, m)
    const v = vectors[m - 1]
    let minAbs = Number.POSITIVE_INFINITY
    for (const x of v) if (Math.abs(x) > 1e-9) minAbs = Math.min(minAbs, Math.abs(x))
    const coef: number[] = []
    for (const x of v) {
      const c = Math.round(x / minAbs)
      if (c === 0 || Math.abs(c) > this.maxCoefficient) return null
      coef.push(c)
    }
    // Canonical sign: first coefficient positive.
    if (coef[0] < 0) for (let k = 0; k < m; k++) coef[k] = -coef[k]
    return coef
  }

  /**
   * Any violated invariant flags a session — unless that flags more than `maxViolatingShare` of
   * the training sessions: then the invariants describe the log's variety (small, heterogeneous
   * windows where most templates are rare) rather than failures, and only sessions breaking an
   * unusual number of them are flagged (the shared robust rule on the violation counts).
   */
  protected override naturalThreshold(train: Float64Array): ThresholdInfo {
    let violating = 0
    for (const s of train) if (s > 0) violating++
    if (violating <= this.maxViolatingShare * train.length) return {threshold: 0, rule: 'any-invariant-violated'}
    const robust = chooseThreshold(train, {})
    return {threshold: Math.max(0, robust.threshold), rule: `${robust.rule} (${((violating / train.length) * 100).toFixed(0)}% of sessions break an invariant)`}
  }

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const {rows, cols: p, data} = X
    const out = new Float64Array(rows)
    for (let i = 0; i < rows; i++) {
      let violated = 0
      for (const inv of this.invariants) {
        let s = 0
        for (let k = 0; k < inv.columns.length; k++) s += inv.coefficients[k] * data[i * p + inv.columns[k]]
        if (Math.abs(s) > this.epsilon) violated++
      }
      out[i] = violated
    }
    return out
  }

  protected stateJSON(): unknown {
    return {nInvariants: this.invariants.length, invariants: this.invariants}
  }

  protected restoreState(state: unknown): void {
    this.invariants = (state as {invariants: Invariant[]}).invariants
  }
}

const InvariantsMiningJSON = savedDetector(
  'invariants-mining',
  z.strictObject({
    minSupport: z.number().gt(0).max(1),
    epsilon: finite.nonnegative(),
    maxInvariantSize: positiveInt.max(16),
    maxCoefficient: finite.positive(),
    maxColumns: positiveInt,
    maxViolatingShare: z.number().min(0).max(1),
    contamination,
  }),
  // nInvariants repeats invariants.length so a truncated list is caught (absent in older files).
  z.object({nFeatures, nInvariants: z.number().int().nonnegative().optional(), invariants: z.array(z.object({columns: z.array(z.number().int()).min(1), coefficients: z.array(z.number().int().refine((c) => c !== 0, 'a coefficient is never 0'))}))}),
  finite.nonnegative(),
).superRefine((m, ctx) => {
  const {nInvariants, invariants} = m.state
  if (nInvariants !== undefined && !expectLength(ctx, ['state', 'invariants'], invariants.length, nInvariants)) return
  m.state.invariants.forEach((inv, k) => {
    const path = ['state', 'invariants', k]
    if (inv.columns.length > m.params.maxInvariantSize) ctx.addIssue({code: 'custom', path, message: `${inv.columns.length} columns, above maxInvariantSize ${m.params.maxInvariantSize}`})
    if (!expectLength(ctx, [...path, 'coefficients'], inv.coefficients.length, inv.columns.length)) return
    if (inv.coefficients.some((c) => Math.abs(c) > m.params.maxCoefficient)) ctx.addIssue({code: 'custom', path: [...path, 'coefficients'], message: `a coefficient is above maxCoefficient ${m.params.maxCoefficient}`})
    expectIndices(ctx, [...path, 'columns'], inv.columns, 0, m.state.nFeatures - 1)
  })
})

/**
 * Raw counts plus the events of templates the vocabulary lacks. Fitted on all of a log, that column
 * is 0 everywhere (an invariant never broken there); fitted on known-good data and scored on new
 * traffic it is how a template no normal session showed breaks an invariant — without it such
 * sessions have no column at all and pass (HDFS known-good protocol: recall 0.90 → 1.0).
 */
export const COUNTS_AND_UNSEEN: FeatureConfig = {...RAW_COUNTS, sets: ['counts', 'unseen']}

export const invariantsMining: DetectorEntry = {
  name: 'invariants-mining',
  create: (p) => new InvariantsMining(p),
  features: COUNTS_AND_UNSEEN,
  grid: {minSupport: [0.9, 0.95, 0.98]},
  schema: InvariantsMiningJSON,
}
