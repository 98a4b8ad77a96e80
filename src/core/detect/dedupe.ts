import {createMatrix, type FeatureMatrix} from '../features/matrix.js'

/**
 * Identical rows collapsed into one with a weight. Log sessions are very often exact duplicates
 * (HDFS: 11,501 blocks, 140 distinct count vectors), so kNN, SVM and MCD work on the distinct rows,
 * and the pipeline builds session features this way from the start (buildUniqueFeatures): a few
 * hundred distinct rows and an index per session instead of a dense row per session.
 */
export interface UniqueRows {
  unique: FeatureMatrix
  /** How many input rows each unique row stands for. */
  weights: Float64Array
  /** For each input row, the index of its unique row. */
  inverse: Int32Array
}

/**
 * Distinct rows met so far, in order of first appearance, with their counts: rows are equal when
 * every value is (===), hashed by their bits. add() row by row gives what uniqueRows() gives.
 */
export class RowSet {
  private readonly buckets = new Map<number, number[]>()
  private data: Float64Array
  private readonly counts: number[] = []
  /** The bits of the last array rows came from (most callers pass one array throughout). */
  private source?: Float64Array
  private sourceBits: Uint32Array = new Uint32Array(0)

  constructor(readonly cols: number) {
    this.data = new Float64Array(Math.max(1, cols) * 64)
  }

  get size(): number {
    return this.counts.length
  }

  /** The index of row[from, from + cols) among the distinct rows (added when new). */
  add(row: Float64Array, from = 0): number {
    const cols = this.cols
    if (row !== this.source) {
      this.source = row
      this.sourceBits = new Uint32Array(row.buffer, row.byteOffset, 2 * row.length)
    }
    const bits = this.sourceBits
    // FNV-1a over the row's bytes as 32-bit words; collisions are resolved by exact comparison.
    let h = 0x811c9dc5
    for (let k = 2 * from; k < 2 * (from + cols); k++) h = Math.imul(h ^ bits[k], 16777619)
    let list = this.buckets.get(h)
    if (list === undefined) {
      list = []
      this.buckets.set(h, list)
    }
    const data = this.data
    for (const u of list) {
      const r = u * cols
      let same = true
      for (let j = 0; j < cols; j++) {
        if (data[r + j] !== row[from + j]) {
          same = false
          break
        }
      }
      if (same) {
        this.counts[u]++
        return u
      }
    }
    const u = this.counts.length
    if ((u + 1) * cols > this.data.length) {
      const grown = new Float64Array(2 * this.data.length)
      grown.set(this.data)
      this.data = grown
    }
    this.data.set(row.subarray(from, from + cols), u * cols)
    this.counts.push(1)
    list.push(u)
    return u
  }

  /** The distinct rows (a matrix of their own) and their counts. */
  result(columns?: string[]): {unique: FeatureMatrix; weights: Float64Array} {
    const unique = createMatrix(this.size, this.cols, columns)
    unique.data.set(this.data.subarray(0, this.size * this.cols))
    return {unique, weights: Float64Array.from(this.counts)}
  }
}

export function uniqueRows(X: FeatureMatrix): UniqueRows {
  const {rows, cols, data} = X
  const set = new RowSet(cols)
  const inverse = new Int32Array(rows)
  for (let i = 0; i < rows; i++) inverse[i] = set.add(data, i * cols)
  return {...set.result(X.columns), inverse}
}

/** The dense matrix the unique rows stand for (row i is unique row inverse[i]). */
export function expandRows(u: UniqueRows): FeatureMatrix {
  const {unique, inverse} = u
  const cols = unique.cols
  const m = createMatrix(inverse.length, cols, unique.columns)
  if (unique.blocks) m.blocks = unique.blocks
  for (let i = 0; i < inverse.length; i++) m.data.set(unique.data.subarray(inverse[i] * cols, (inverse[i] + 1) * cols), i * cols)
  return m
}

/** Per-row values of the unique rows, spread back over every row they stand for. */
export function expandValues(values: Float64Array, inverse: Int32Array): Float64Array {
  const out = new Float64Array(inverse.length)
  for (let i = 0; i < inverse.length; i++) out[i] = values[inverse[i]]
  return out
}
