import {describe, expect, it} from 'vitest'
import {fromRows} from '../../../src/core/features/matrix.js'
import {applyColumnScale, fitColumnScale} from '../../../src/core/detect/scale.js'
import {createDetector} from '../../../src/core/detect/registry.js'

describe('column standardisation', () => {
  it('puts a constant column exactly at 0 (0.1 summed thrice is not 0.3) and keeps its units', () => {
    const X = fromRows([
      [0.1, 1],
      [0.1, 2],
      [0.1, 3],
    ])
    const s = fitColumnScale(X)
    expect(s.scale[0]).toBe(1)
    const Z = applyColumnScale(X, s)
    for (let i = 0; i < 3; i++) expect(Z.data[i * 2]).toBe(0)
    // a value the constant column never took moves the row by its plain difference
    expect(applyColumnScale(fromRows([[1.1, 2]]), s).data[0]).toBeCloseTo(1, 12)
  })

  it('one-class-svm fitted on identical rows keeps a sane kernel width: a new pattern scores finitely, an old one as the rest', () => {
    const rows = Array.from({length: 40}, () => [0.1, 0.7, 3])
    const svm = createDetector('one-class-svm')
    svm.fit(fromRows(rows))
    const [same, other] = svm.score(fromRows([[0.1, 0.7, 3], [0.1, 1.7, 3]]))
    expect(Number.isFinite(other)).toBe(true)
    expect(other).toBeGreaterThan(same)
    // gamma 1 on a unit difference: the RBF similarity e^-1, not e^-1e33 (a score near the maximum for any change)
    expect(other - same).toBeLessThan(10)
  })
})
