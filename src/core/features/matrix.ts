/**
 * Dense row-major matrix of session feature vectors. Detectors take and return these rather than
 * arrays of arrays so hot loops stay on one Float64Array.
 */
export interface FeatureMatrix {
  rows: number
  cols: number
  /** rows * cols values, row-major: value (i, j) is data[i * cols + j]. */
  data: Float64Array
  /** Optional column names, for explanations and the MLflow signature. */
  columns?: string[]
  /**
   * Widths of side-by-side column blocks, when the matrix holds one block per ensemble member
   * (see FeatureConfig.members); they sum to cols.
   */
  blocks?: number[]
}

export function createMatrix(rows: number, cols: number, columns?: string[]): FeatureMatrix {
  return {rows, cols, data: new Float64Array(rows * cols), columns}
}

export function fromRows(rowsIn: ArrayLike<number>[], columns?: string[]): FeatureMatrix {
  const rows = rowsIn.length
  const cols = rows === 0 ? (columns?.length ?? 0) : rowsIn[0].length
  const m = createMatrix(rows, cols, columns)
  for (let i = 0; i < rows; i++) {
    const r = rowsIn[i]
    if (r.length !== cols) throw new RangeError(`row ${i} has ${r.length} values, expected ${cols}`)
    for (let j = 0; j < cols; j++) m.data[i * cols + j] = r[j]
  }
  return m
}

export function row(m: FeatureMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols)
}

/** A new matrix holding the given rows, in that order. */
export function selectRows(m: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const out = createMatrix(indices.length, m.cols, m.columns)
  for (let k = 0; k < indices.length; k++) out.data.set(row(m, indices[k]), k * m.cols)
  return out
}

/** Columns [start, start + width) as a new matrix (the matrix itself when that is all of it). */
export function columnSlice(m: FeatureMatrix, start: number, width: number): FeatureMatrix {
  if (start === 0 && width === m.cols) return m
  const out = createMatrix(m.rows, width, m.columns?.slice(start, start + width))
  for (let i = 0; i < m.rows; i++) out.data.set(m.data.subarray(i * m.cols + start, i * m.cols + start + width), i * width)
  return out
}
