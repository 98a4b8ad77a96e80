import {VPTree} from './vptree.js'

export interface DbscanOptions {
  eps: number
  /** Minimum total weight in a neighbourhood (the point included) for a core point. */
  minPts: number
}

/**
 * DBSCAN (Ester et al. 1996) over weighted points: identical vectors are collapsed first and carry
 * their multiplicity as weight, which is common for log sessions and cuts the work a lot.
 * Returns a cluster label per input point, -1 for noise. Labels are numbered in order of the
 * first point of each cluster, so results are deterministic.
 */
export function dbscan(data: Float64Array, dims: number, n: number, options: DbscanOptions): Int32Array {
  // Collapse duplicates.
  const keyOf = new Map<string, number>()
  const uniqueOf = new Int32Array(n)
  const reps: number[] = []
  const weights: number[] = []
  for (let i = 0; i < n; i++) {
    const key = data.subarray(i * dims, (i + 1) * dims).join(',')
    let u = keyOf.get(key)
    if (u === undefined) {
      u = reps.length
      keyOf.set(key, u)
      reps.push(i)
      weights.push(0)
    }
    weights[u]++
    uniqueOf[i] = u
  }
  const m = reps.length
  const points = new Float64Array(m * dims)
  reps.forEach((r, u) => points.set(data.subarray(r * dims, (r + 1) * dims), u * dims))
  const tree = new VPTree(points, dims, m)

  const label = new Int32Array(m).fill(-2) // -2 unvisited, -1 noise
  const neighbours: number[] = []
  const weightOf = (list: number[]): number => list.reduce((s, j) => s + weights[j], 0)
  let cluster = 0
  for (let u = 0; u < m; u++) {
    if (label[u] !== -2) continue
    tree.within(u, options.eps, neighbours)
    if (weightOf(neighbours) < options.minPts) {
      label[u] = -1
      continue
    }
    const id = cluster++
    label[u] = id
    const queue = neighbours.filter((j) => j !== u)
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q]
      if (label[v] === -1) label[v] = id // border point
      if (label[v] !== -2) continue
      label[v] = id
      const nb = tree.within(v, options.eps, [])
      if (weightOf(nb) >= options.minPts) for (const w of nb) if (label[w] === -2 || label[w] === -1) queue.push(w)
    }
  }
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = label[uniqueOf[i]]
  return out
}

/** O(n²) reference implementation, for tests. */
export function dbscanBruteForce(data: Float64Array, dims: number, n: number, options: DbscanOptions): Int32Array {
  const dist = (a: number, b: number): number => {
    let s = 0
    for (let k = 0; k < dims; k++) s += (data[a * dims + k] - data[b * dims + k]) ** 2
    return Math.sqrt(s)
  }
  const region = (p: number): number[] => Array.from({length: n}, (_, j) => j).filter((j) => dist(p, j) <= options.eps)
  const label = new Int32Array(n).fill(-2)
  let cluster = 0
  for (let p = 0; p < n; p++) {
    if (label[p] !== -2) continue
    const nb = region(p)
    if (nb.length < options.minPts) {
      label[p] = -1
      continue
    }
    const id = cluster++
    label[p] = id
    const queue = nb.filter((j) => j !== p)
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q]
      if (label[v] === -1) label[v] = id
      if (label[v] !== -2) continue
      label[v] = id
      const nb2 = region(v)
      if (nb2.length >= options.minPts) queue.push(...nb2)
    }
  }
  return label
}
