/** Poisson tails in log space, for count surprisal (−log10 of a tail probability). */

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x)
  x -= 1
  let a = 0.99999999999980993
  const t = x + 7.5
  for (let i = 0; i < 8; i++) a += LANCZOS[i] / (x + i + 1)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

function lnPmf(k: number, lambda: number): number {
  return k * Math.log(lambda) - lambda - lnGamma(k + 1)
}

/** −log10 P(X ≥ k) for X ~ Poisson(λ); 0 when k ≤ λ (no excess to speak of). */
export function upperSurprisal(k: number, lambda: number): number {
  k = Math.round(k)
  if (k <= 0 || k <= lambda) return 0
  if (lambda <= 0) return Number.POSITIVE_INFINITY
  // terms fall geometrically past λ: sum until they stop mattering
  const first = lnPmf(k, lambda)
  let sum = 1
  let term = 1
  for (let i = k + 1; i < k + 10_000; i++) {
    term *= lambda / i
    sum += term
    if (term < 1e-12 * sum) break
  }
  return -(first + Math.log(sum)) / Math.LN10
}

/** −log10 P(X ≤ k) for X ~ Poisson(λ); 0 when k ≥ λ (no shortfall). */
export function lowerSurprisal(k: number, lambda: number): number {
  k = Math.max(0, Math.round(k))
  if (k >= lambda) return 0
  let ln = Number.NEGATIVE_INFINITY
  for (let i = 0; i <= k; i++) {
    const v = lnPmf(i, lambda)
    ln = Math.max(ln, v) + Math.log1p(Math.exp(-Math.abs(ln - v)))
  }
  return -ln / Math.LN10
}
