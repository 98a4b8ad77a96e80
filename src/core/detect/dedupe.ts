import {createMatrix, type FeatureMatrix} from '../features/matrix.js'

/**
 * Identical rows collapsed into one with a weight. Log sessions are very often exact duplicates
 * (HDFS: 11,501 blocks, 140 distinct count vectors), so kNN, SVM and MCD work on the distinct rows.
 */
export interface UniqueRows {
  unique: FeatureMatrix
  /** How many input rows each unique row stands for. */
  weights: Float64Array
  /** For each input row, the index of its unique row. */
  inverse: Int32Array
}

export function uniqueRows(X: FeatureMatrix): UniqueRows {
  const {rows, cols, data} = X
  const buckets = new Map<number, number[]>()
  const firstRow: number[] = []
  const counts: number[] = []
  const inverse = new Int32Array(rows)
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length * 2)
  for (let i = 0; i < rows; i++) {
    // FNV-1a over the row's bytes as 32-bit words; collisions are resolved by exact comparison.
    let h = 0x811c9dc5
    const b0 = i * cols * 2
    for (let k = 0; k < cols * 2; k++) h = Math.imul(h ^ bits[b0 + k], 16777619)
    let list = buckets.get(h)
    if (list === undefined) {
      list = []
      buckets.set(h, list)
    }
    let found = -1
    for (const u of list) {
      const r = firstRow[u] * cols
      let same = true
      for (let j = 0; j < cols; j++) {
        if (data[r + j] !== data[i * cols + j]) {
          same = false
          break
        }
      }
      if (same) {
        found = u
        break
      }
    }
    if (found < 0) {
      found = firstRow.length
      firstRow.push(i)
      counts.push(0)
      list.push(found)
    }
    counts[found]++
    inverse[i] = found
  }
  const unique = createMatrix(firstRow.length, cols, X.columns)
  for (let u = 0; u < firstRow.length; u++) unique.data.set(data.subarray(firstRow[u] * cols, (firstRow[u] + 1) * cols), u * cols)
  return {unique, weights: Float64Array.from(counts), inverse}
}
