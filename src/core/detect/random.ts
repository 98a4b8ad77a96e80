/** mulberry32: tiny, fast, good enough for sampling; deterministic for a given 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const DEFAULT_SEED = 42

/** k distinct indices from [0, n) (partial Fisher–Yates); all of them, shuffled, when k >= n. */
export function sampleWithoutReplacement(n: number, k: number, rand: () => number, scratch?: Int32Array): Int32Array {
  const idx = scratch && scratch.length >= n ? scratch : new Int32Array(n)
  for (let i = 0; i < n; i++) idx[i] = i
  const m = Math.min(k, n)
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (n - i))
    const t = idx[i]
    idx[i] = idx[j]
    idx[j] = t
  }
  return idx.slice(0, m)
}
