/**
 * Vantage-point tree over points in R^d for Euclidean range queries. Works in any dimension and
 * answers radius queries in roughly O(log n) for clustered data, which keeps DBSCAN far from the
 * O(n²) of comparing every pair.
 */
export class VPTree {
  private readonly order: Int32Array
  private readonly radius: Float64Array
  private readonly left: Int32Array
  private readonly right: Int32Array
  private root = -1

  constructor(private readonly data: Float64Array, private readonly dims: number, private readonly n: number) {
    this.order = new Int32Array(n)
    this.radius = new Float64Array(n)
    this.left = new Int32Array(n).fill(-1)
    this.right = new Int32Array(n).fill(-1)
    const idx = Int32Array.from({length: n}, (_, i) => i)
    this.root = this.build(idx, 0, n)
  }

  distance(a: number, b: number): number {
    const d = this.dims
    let s = 0
    for (let k = 0; k < d; k++) {
      const x = this.data[a * d + k] - this.data[b * d + k]
      s += x * x
    }
    return Math.sqrt(s)
  }

  /**
   * Nearest-first search from an outside point (`query` at offset `qOff`): `visit(index, distance)`
   * sees candidate points and returns the radius still of interest (Infinity to keep looking
   * everywhere); subtrees that cannot hold a point within that radius are skipped. This is how a
   * k-nearest-neighbour search runs in about O(log n) instead of comparing every point.
   */
  search(query: Float64Array, qOff: number, visit: (index: number, distance: number) => number): void {
    if (this.root < 0) return
    const d = this.dims
    const nodes: number[] = [this.root]
    const bounds: number[] = [0]
    let tau = Number.POSITIVE_INFINITY
    while (nodes.length > 0) {
      const node = nodes.pop()!
      if (bounds.pop()! > tau) continue
      const p = this.order[node]
      let s = 0
      for (let k = 0; k < d; k++) {
        const x = query[qOff + k] - this.data[p * d + k]
        s += x * x
      }
      const dist = Math.sqrt(s)
      tau = visit(p, dist)
      const r = this.radius[node]
      const left = this.left[node]
      const right = this.right[node]
      // push the far side first so the near side is explored (and tau shrinks) first
      const nearLeft = dist <= r
      const pushLeft = (): void => void (left >= 0 && dist - r <= tau && (nodes.push(left), bounds.push(Math.max(0, dist - r))))
      const pushRight = (): void => void (right >= 0 && r - dist <= tau && (nodes.push(right), bounds.push(Math.max(0, r - dist))))
      if (nearLeft) {
        pushRight()
        pushLeft()
      } else {
        pushLeft()
        pushRight()
      }
    }
  }

  /** Indices of all points within `eps` of point `q` (q included). */
  within(q: number, eps: number, out: number[] = []): number[] {
    out.length = 0
    const stack: number[] = []
    if (this.root >= 0) stack.push(this.root)
    while (stack.length > 0) {
      const node = stack.pop()!
      const p = this.order[node]
      const dist = this.distance(q, p)
      if (dist <= eps) out.push(p)
      const r = this.radius[node]
      if (this.left[node] >= 0 && dist - eps <= r) stack.push(this.left[node])
      if (this.right[node] >= 0 && dist + eps >= r) stack.push(this.right[node])
    }
    return out
  }

  // Node k is stored at position `start` of the subrange; children are built from the rest.
  private build(idx: Int32Array, start: number, end: number): number {
    if (start >= end) return -1
    const node = start
    const vp = idx[start]
    this.order[node] = vp
    if (end - start === 1) return node
    const rest = idx.subarray(start + 1, end)
    const dist = new Float64Array(rest.length)
    for (let i = 0; i < rest.length; i++) dist[i] = this.distance(vp, rest[i])
    // Sort the rest by distance to the vantage point, split at the median.
    const perm = Array.from({length: rest.length}, (_, i) => i).sort((a, b) => dist[a] - dist[b] || rest[a] - rest[b])
    const sorted = perm.map((i) => rest[i])
    const mid = Math.floor(sorted.length / 2)
    this.radius[node] = dist[perm[mid]]
    rest.set(sorted)
    // left: [start+1, start+1+mid) have distance <= radius; right: the remainder (>= radius)
    this.left[node] = this.build(idx, start + 1, start + 1 + mid)
    this.right[node] = this.build(idx, start + 1 + mid, end)
    return node
  }
}
