/** Poisson(λ) by inversion, drawing from a seeded `rand` in [0, 1). */
export function poisson(rand: () => number, lambda: number): number {
  let k = 0
  let p = Math.exp(-lambda)
  let cdf = p
  const u = rand()
  while (u > cdf && k < 1000) {
    k++
    p *= lambda / k
    cdf += p
  }
  return k
}
