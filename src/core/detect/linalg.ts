import {createRequire} from 'node:module'
import type * as MlMatrix from 'ml-matrix'
import type {FeatureMatrix} from '../features/matrix.js'

/** Weighted column means and (biased, divide-by-total-weight) covariance, p×p row-major. */
export function weightedMeanCov(X: FeatureMatrix, w: ArrayLike<number>): {mean: Float64Array; cov: Float64Array; total: number} {
  const {rows, cols: p, data} = X
  const mean = new Float64Array(p)
  let total = 0
  for (let i = 0; i < rows; i++) {
    const wi = w[i]
    if (wi === 0) continue
    total += wi
    for (let j = 0; j < p; j++) mean[j] += wi * data[i * p + j]
  }
  for (let j = 0; j < p; j++) mean[j] /= total
  const cov = new Float64Array(p * p)
  const d = new Float64Array(p)
  for (let i = 0; i < rows; i++) {
    const wi = w[i]
    if (wi === 0) continue
    for (let j = 0; j < p; j++) d[j] = data[i * p + j] - mean[j]
    for (let a = 0; a < p; a++) {
      const da = wi * d[a]
      if (da === 0) continue
      for (let b = a; b < p; b++) cov[a * p + b] += da * d[b]
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      cov[a * p + b] /= total
      cov[b * p + a] = cov[a * p + b]
    }
  }
  return {mean, cov, total}
}

let mlMatrix: typeof MlMatrix | undefined
/**
 * ml-matrix, loaded on first use (its CommonJS build: the package's ESM entry only re-exports it),
 * and synchronously: the detectors call linalg from synchronous code. Loading it takes ~70 ms that
 * a run with the window detector (most small logs) never needs.
 */
function matrixLibrary(): typeof MlMatrix {
  mlMatrix ??= createRequire(import.meta.url)('ml-matrix') as typeof MlMatrix
  return mlMatrix
}

/** Eigen-decomposition of a symmetric p×p matrix: values descending, vectors[k] the k-th unit vector. */
export function symmetricEigen(S: Float64Array, p: number): {values: Float64Array; vectors: Float64Array[]} {
  const rows: number[][] = []
  for (let a = 0; a < p; a++) rows.push(Array.from(S.subarray(a * p, (a + 1) * p)))
  const {EigenvalueDecomposition, Matrix} = matrixLibrary()
  const evd = new EigenvalueDecomposition(new Matrix(rows), {assumeSymmetric: true})
  const vals = evd.realEigenvalues
  const V = evd.eigenvectorMatrix
  const order = vals.map((_, i) => i).sort((x, y) => vals[y] - vals[x] || x - y)
  const values = new Float64Array(p)
  const vectors: Float64Array[] = []
  for (let k = 0; k < p; k++) {
    values[k] = Math.max(0, vals[order[k]])
    const v = new Float64Array(p)
    for (let a = 0; a < p; a++) v[a] = V.get(a, order[k])
    // Fix the sign so results are reproducible across platforms: largest |component| positive.
    let m = 0
    for (let a = 1; a < p; a++) if (Math.abs(v[a]) > Math.abs(v[m])) m = a
    if (v[m] < 0) for (let a = 0; a < p; a++) v[a] = -v[a]
    vectors.push(v)
  }
  return {values, vectors}
}

/** In-place Cholesky of a symmetric positive-definite p×p matrix (lower triangle); false if not PD. */
export function cholesky(A: Float64Array, p: number): boolean {
  for (let j = 0; j < p; j++) {
    let s = A[j * p + j]
    for (let k = 0; k < j; k++) s -= A[j * p + k] * A[j * p + k]
    if (!(s > 0)) return false
    const d = Math.sqrt(s)
    A[j * p + j] = d
    for (let i = j + 1; i < p; i++) {
      let t = A[i * p + j]
      for (let k = 0; k < j; k++) t -= A[i * p + k] * A[j * p + k]
      A[i * p + j] = t / d
    }
    for (let k = j + 1; k < p; k++) A[j * p + k] = 0
  }
  return true
}

/** Squared Mahalanobis norm of d given the Cholesky factor L (solve L y = d, return |y|²). */
export function mahalanobisSq(L: Float64Array, p: number, d: Float64Array, y: Float64Array): number {
  let s = 0
  for (let i = 0; i < p; i++) {
    let t = d[i]
    for (let k = 0; k < i; k++) t -= L[i * p + k] * y[k]
    t /= L[i * p + i]
    y[i] = t
    s += t * t
  }
  return s
}
