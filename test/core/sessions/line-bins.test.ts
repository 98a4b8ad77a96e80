import {describe, expect, it} from 'vitest'
import {LineBins} from '../../../src/core/sessions/line-bins.js'

const MIN = 60_000

describe('LineBins', () => {
  it('counts a line once in overlapping spans, by stream and template', () => {
    const bins = new LineBins(10 * MIN, 2 * MIN)
    expect(bins.binMs).toBe(2 * MIN)
    for (let i = 0; i < 10; i++) bins.add('a', 1, i * MIN)
    bins.add('a', 2, 5 * MIN)
    bins.add('b', 1, 5 * MIN)
    expect(bins.count('a', [1], [[0, 10 * MIN]])).toBe(10)
    expect(bins.count('a', [1], [[0, 10 * MIN], [2 * MIN, 12 * MIN], [4 * MIN, 14 * MIN]])).toBe(10)
    expect(bins.count('a', [1], [[2 * MIN, 6 * MIN]])).toBe(4)
    expect(bins.count('a', undefined, [[4 * MIN, 6 * MIN]])).toBe(3)
    expect(bins.count('b', [1, 2], [[0, 60 * MIN]])).toBe(1)
    // a window not a multiple of the step: bins of their greatest common divisor
    expect(new LineBins(10 * MIN, 3 * MIN).binMs).toBe(MIN)
  })
})
