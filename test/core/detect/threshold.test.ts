import {describe, expect, it} from 'vitest'
import {chooseThreshold, contaminationThreshold, distinctSplitThreshold, DEFAULT_ROBUST_CUTOFF, quantile, robustScale, robustThreshold, sortedCopy} from '../../../src/core/detect/threshold.js'

const scale = (xs: number[]) => robustScale(sortedCopy(xs))

describe('robust threshold and its fallbacks', () => {
  it('symmetric spread: sigma is 1.4826 × MAD', () => {
    // deviations from the median 5: 0,1,1,2,2,3,3,4,4 → MAD 2; q95 − median = 3.6 → 3.6/1.6449 < 2.9652
    const {median, sigma} = scale([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(median).toBe(5)
    expect(sigma).toBeCloseTo(1.4826 * 2, 12)
  })

  it('right-skewed scores: the upper-tail spread (q95 − median)/1.6449 wins over the MAD', () => {
    const xs = [...Array(90).fill(0).map((_, i) => i % 3), ...Array(10).fill(0).map((_, i) => 50 + i)]
    const s = sortedCopy(xs)
    const {median, sigma} = robustScale(s)
    expect(sigma).toBeCloseTo((quantile(s, 0.95) - median) / 1.6449, 12)
    expect(sigma).toBeGreaterThan(1.4826 * 1)
  })

  it('more than 95% identical scores: MAD and q95 spread are 0, the q99 spread is used', () => {
    const xs = [...Array(97).fill(1), 10, 20, 30]
    const s = sortedCopy(xs)
    const {median, sigma} = robustScale(s)
    expect(median).toBe(1)
    expect(sigma).toBeCloseTo((quantile(s, 0.99) - 1) / 2.3263, 12)
    expect(sigma).toBeGreaterThan(0)
  })

  it('all scores identical: a tiny fraction of their magnitude, so only rows strictly above are flagged', () => {
    const {threshold} = robustThreshold(Array(50).fill(3))
    expect(threshold).toBeGreaterThan(3)
    expect(threshold).toBeLessThan(3 + 1e-6)
    const zero = robustThreshold(Array(50).fill(0))
    expect(zero.threshold).toBeGreaterThan(0)
    expect(zero.threshold).toBeLessThan(1e-200)
  })

  it('threshold = median + cutoff × sigma, with the cutoff in the rule', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    expect(robustThreshold(xs)).toEqual({threshold: 5 + DEFAULT_ROBUST_CUTOFF * 1.4826 * 2, rule: `robust-z(median+${DEFAULT_ROBUST_CUTOFF}*sigma)`})
    expect(robustThreshold(xs, 2).threshold).toBeCloseTo(5 + 2 * 1.4826 * 2, 12)
  })
})

describe('contamination threshold', () => {
  it('is the (1 − c) quantile with linear interpolation, as numpy.percentile', () => {
    const xs = Array.from({length: 101}, (_, i) => 100 - i)
    expect(contaminationThreshold(xs, 0.1)).toEqual({threshold: 90, rule: 'contamination(0.1)'})
    expect(quantile(sortedCopy([0, 10]), 0.25)).toBe(2.5)
    expect(Number.isNaN(quantile(new Float64Array(0), 0.5))).toBe(true)
  })

  it('chooseThreshold uses contamination when given, the robust rule otherwise (null or absent)', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    expect(chooseThreshold(xs, {contamination: 0.5}).rule).toBe('contamination(0.5)')
    expect(chooseThreshold(xs, {contamination: null})).toEqual(robustThreshold(xs))
    expect(chooseThreshold(xs, {cutoff: 1})).toEqual(robustThreshold(xs, 1))
  })
})

describe('distinct-score split', () => {
  it('separates a minority of far patterns from repeated normal ones, each distinct score counted once', () => {
    // 900 rows of three repeated normal scores, 30 rows of two far ones: over all rows the mass at
    // 0.30 would pull the cut into the normal scores; over distinct values it falls between groups.
    const xs = [...Array(600).fill(0.3), ...Array(200).fill(0.35), ...Array(100).fill(0.4), ...Array(20).fill(0.7), ...Array(10).fill(0.75)]
    const t = distinctSplitThreshold(xs)
    expect(t?.threshold).toBe(0.4)
    expect(xs.filter((x) => x > (t?.threshold ?? 1)).length).toBe(30)
  })

  it('is refused when the upper group is not a minority (a smooth spread of scores)', () => {
    const xs = Array.from({length: 1000}, (_, i) => i / 1000)
    expect(distinctSplitThreshold(xs)).toBeNull()
  })

  it('is refused with fewer than three distinct scores', () => {
    expect(distinctSplitThreshold([1, 1, 1, 2])).toBeNull()
  })
})
