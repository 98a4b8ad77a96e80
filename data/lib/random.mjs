// The seeded random stream of the generators (xoshiro128**, the same on every platform) and the
// draws they all make from it.

/** xoshiro128**: a seeded stream, the same on every platform; with uniform, integer, pick, hex, chance, Poisson and weighted draws. */
export function rng(seed) {
  let a = 0x9e3779b9 ^ seed
  let b = 0x243f6a88 + seed * 7
  let c = 0xb7e15162 ^ (seed << 5)
  let d = 0x3c6ef372 + seed
  const next = () => {
    const r = Math.imul(Math.imul(b, 5) << 7 | Math.imul(b, 5) >>> 25, 9) >>> 0
    const t = b << 9
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t
    d = d << 11 | d >>> 21
    return r / 4294967296
  }
  for (let i = 0; i < 20; i++) next()
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(next() * xs.length)]
  const hex = (n) => Array.from({length: n}, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('')
  const chance = (p) => next() < p
  const poisson = (l) => {
    if (l <= 0) return 0
    if (l > 40) return Math.max(0, Math.round(l + Math.sqrt(l) * Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next())))
    let k = 0
    for (let p = next(), lim = Math.exp(-l); p > lim; p *= next()) k++
    return k
  }
  const weighted = (xs, w) => {
    let x = next() * xs.reduce((s, v) => s + w(v), 0)
    for (const v of xs) if ((x -= w(v)) < 0) return v
    return xs[xs.length - 1]
  }
  return {next, int, pick, hex, chance, poisson, weighted}
}

/**
 * The span a generator covers: `start` (YYYY-MM-DD, UTC midnight) or a day of 2026 drawn from the
 * seed, for `hours` hours.
 */
export function logSpan({seed, hours, start}, HOUR = 3_600_000) {
  if (!(hours > 0)) throw new Error('--hours must be positive')
  const R0 = rng(seed * 31 + 7)
  const T0 = start ? Date.parse(`${start}T00:00:00Z`) : Date.UTC(2026, R0.int(0, 10), R0.int(1, 28))
  if (Number.isNaN(T0)) throw new Error(`--start ${start}: expected YYYY-MM-DD`)
  return {T0, T1: T0 + hours * HOUR}
}

/** `count` incident kinds, each of `kinds` in turn, shuffled by `R` (so kinds repeat only after all were drawn). */
export function shuffledKinds(count, kinds, R) {
  const bag = Array.from({length: count}, (_, i) => kinds[i % kinds.length])
  for (let i = bag.length - 1; i > 0; i--) {
    const j = R.int(0, i)
    ;[bag[i], bag[j]] = [bag[j], bag[i]]
  }
  return bag
}
