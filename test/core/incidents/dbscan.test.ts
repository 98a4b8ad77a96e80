import {describe, expect, it} from 'vitest'
import {mulberry32 as rng} from '../../../src/core/detect/random.js'
import {dbscan, dbscanBruteForce} from '../../../src/core/incidents/dbscan.js'

/** Same clusters up to renumbering. */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const ab = new Map<number, number>()
  const ba = new Map<number, number>()
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === -1) !== (b[i] === -1)) return false
    if (a[i] === -1) continue
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false
    ab.set(a[i], b[i])
    ba.set(b[i], a[i])
  }
  return true
}

describe('DBSCAN', () => {
  it('agrees with brute force on random blobs with duplicates', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed)
      const dims = 4
      const n = 300
      const data = new Float64Array(n * dims)
      for (let i = 0; i < n; i++) {
        const centre = Math.floor(r() * 4) * 5
        for (let k = 0; k < dims; k++) data[i * dims + k] = i % 7 === 0 ? Math.round(centre) : centre + (r() - 0.5) * 2.5
        if (i % 31 === 0) for (let k = 0; k < dims; k++) data[i * dims + k] = 100 + r() * 100 // noise
      }
      for (const options of [{eps: 1.2, minPts: 3}, {eps: 0.8, minPts: 2}, {eps: 2, minPts: 5}]) {
        const fast = dbscan(data, dims, n, options)
        const slow = dbscanBruteForce(data, dims, n, options)
        expect(samePartition(fast, slow), `seed ${seed} eps ${options.eps}`).toBe(true)
      }
    }
  })

  it('separates two far clusters and marks a lone point as noise', () => {
    const pts = [0, 0, 0.1, 0, 0, 0.1, 10, 10, 10.1, 10, 10, 10.1, 50, 50]
    const labels = dbscan(Float64Array.from(pts), 2, 7, {eps: 0.5, minPts: 2})
    expect([...labels]).toEqual([0, 0, 0, 1, 1, 1, -1])
  })

  it('counts duplicates towards the core-point threshold', () => {
    const labels = dbscan(Float64Array.from([1, 1, 1, 1, 1, 1, 9, 9]), 2, 4, {eps: 0.1, minPts: 3})
    expect([...labels]).toEqual([0, 0, 0, -1])
  })
})
