import {describe, expect, it} from 'vitest'
import {fromRows} from '../../../src/core/features/matrix.js'
import {createDetector, detectorFromJSON, detectorNames} from '../../../src/core/detect/registry.js'
import {uniqueRows} from '../../../src/core/detect/dedupe.js'
import type {BaseDetector} from '../../../src/core/detect/detector.js'
import {mulberry32} from '../../../src/core/detect/random.js'
import {blobWithOutliers, gaussian, topIndices} from './helpers.js'

// Detectors that rank points by geometry (not by template counts / integer relations).
const GEOMETRIC = ['isolation-forest', 'lof', 'one-class-svm', 'elliptic-envelope', 'pca']
const N = 400
const OUT = 6

describe('geometric detectors on a Gaussian blob with far outliers', () => {
  const X = blobWithOutliers(N, 3, OUT)
  // PCA needs a low-dimensional normal subspace: stretch the blob along one axis.
  for (const name of GEOMETRIC) {
    it(`${name}: the planted outliers are the top-scored rows and are flagged`, () => {
      const data = name === 'pca' ? planeBlob() : X
      const d = createDetector(name)
      d.fit(data)
      const s = d.score(data)
      expect(topIndices(s, OUT)).toEqual(Array.from({length: OUT}, (_, i) => N + i))
      // Isolation-forest scores are bounded in (0, 1], so its robust default is conservative; with
      // the right contamination it must flag exactly the planted rows.
      const flaggedBy = name === 'isolation-forest' ? createDetector(name, {contamination: OUT / (N + OUT)}) : d
      if (flaggedBy !== d) flaggedBy.fit(data)
      const flagged = flaggedBy.predict(data)
      for (let i = N; i < N + OUT; i++) expect(flagged[i]).toBe(1)
    })
  }
})

/** 400 points near the plane z = 0 (x, y spread 5, z noise 0.05) + 6 points at z = ±3. */
function planeBlob() {
  const rand = mulberry32(7)
  const rows: number[][] = []
  for (let i = 0; i < N; i++) rows.push([5 * gaussian(rand), 5 * gaussian(rand), 0.05 * gaussian(rand)])
  for (let i = 0; i < OUT; i++) rows.push([gaussian(rand), gaussian(rand), i % 2 ? 3 : -3])
  return fromRows(rows)
}

describe('thresholds', () => {
  it('the default (data-driven) rule flags nothing on clean Gaussian data', () => {
    const clean = blobWithOutliers(1000, 4, 0, 3)
    for (const name of ['isolation-forest', 'lof', 'elliptic-envelope']) {
      const d = createDetector(name)
      d.fit(clean)
      const flagged = d.predict(clean).reduce((a, b) => a + b, 0)
      expect(flagged, name).toBe(0)
    }
  })

  it('one-class-svm flags at most 0.5% of clean Gaussian data (boundary rows squeeze its robust scale)', () => {
    const clean = blobWithOutliers(1000, 4, 0, 3)
    const d = createDetector('one-class-svm')
    d.fit(clean)
    expect(d.predict(clean).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5)
  })

  it('contamination flags the expected share of training rows', () => {
    const X = blobWithOutliers(500, 3, 0, 5)
    for (const name of ['isolation-forest', 'lof', 'elliptic-envelope', 'one-class-svm', 'pca']) {
      const d = createDetector(name, {contamination: 0.1})
      d.fit(X)
      const flagged = d.predict(X).reduce((a, b) => a + b, 0)
      expect(flagged, name).toBeGreaterThanOrEqual(45)
      expect(flagged, name).toBeLessThanOrEqual(50)
      expect(d.toJSON().thresholdRule).toBe('contamination(0.1)')
    }
  })

  it('isolation-forest: with no contamination, repeated normal rows and a few far patterns are split without a guessed share', () => {
    // Count-like sessions: 3 normal patterns repeated 300 times each, 12 rows of 2 rare patterns.
    const rows: number[][] = []
    for (let i = 0; i < 900; i++) rows.push(i % 3 === 0 ? [3, 3, 0, 0] : i % 3 === 1 ? [2, 2, 1, 0] : [4, 4, 0, 0])
    for (let i = 0; i < 12; i++) rows.push(i % 2 ? [1, 0, 0, 5] : [0, 1, 3, 2])
    const X = fromRows(rows)
    const d = createDetector('isolation-forest')
    d.fit(X)
    const flagged = d.predict(X)
    expect(Array.from(flagged.slice(900))).toEqual(Array(12).fill(1))
    expect(flagged.slice(0, 900).reduce((a, b) => a + b, 0)).toBe(0)
    expect(d.toJSON().thresholdRule).toMatch(/^distinct-split/)
  })

  it('rejects a contamination outside (0, 0.5]', () => {
    expect(() => createDetector('isolation-forest', {contamination: 0.9})).toThrow(/contamination/)
  })
})

describe('determinism and persistence', () => {
  const X = blobWithOutliers(300, 4, 4, 11)

  it('same seed gives identical scores; a different seed changes isolation forest scores', () => {
    const a = createDetector('isolation-forest', {seed: 1})
    const b = createDetector('isolation-forest', {seed: 1})
    const c = createDetector('isolation-forest', {seed: 2})
    for (const d of [a, b, c]) d.fit(X)
    expect(Array.from(b.score(X))).toEqual(Array.from(a.score(X)))
    expect(Array.from(c.score(X))).not.toEqual(Array.from(a.score(X)))
  })

  // window-rate scores (stream × window) rows with the layout the pipeline passes at scoring time,
  // which a bare matrix lacks: its round trip is tested through detect --model in window-rate-model.test.ts.
  for (const name of detectorNames().filter((n) => n !== 'window-rate')) {
    it(`${name}: JSON round trip gives identical scores, threshold and params`, () => {
      const counts = name === 'invariants-mining' || name === 'rare-template' || name === 'ensemble'
      const data = counts ? countMatrix(11) : X
      const d = createDetector(name)
      d.fit(data)
      const restored = detectorFromJSON(JSON.stringify(d.toJSON()))
      expect(restored.name).toBe(name)
      expect(restored.threshold).toBe(d.threshold)
      expect(restored.params()).toEqual(d.params())
      expect(Array.from(restored.score(data))).toEqual(Array.from(d.score(data)))
    })
  }

  it('rejects unknown detector names and parameters, and scoring before fit', () => {
    expect(() => createDetector('nope')).toThrow(/unknown detector/)
    expect(() => createDetector('lof', {k: 3})).toThrow(/no parameter "k"/)
    expect(() => createDetector('pca').score(X)).toThrow(/fit\(\)/)
  })
})

/**
 * Session-like counts: col0 == col1 (open/close), col2 free (0..4), col3 == 2 * col4; rows from
 * `violators` on break col0 == col1, and one row contains a never-seen template (col5).
 */
function countMatrix(seed: number, n = 500, violators = 0) {
  const rand = mulberry32(seed)
  const rows: number[][] = []
  for (let i = 0; i < n; i++) {
    const a = 1 + Math.floor(rand() * 5)
    const c = Math.floor(rand() * 3)
    rows.push([a, a, Math.floor(rand() * 5), 2 * c, c, 0])
  }
  for (let i = 0; i < violators; i++) rows.push([3, 1, 2, 2, 1, 0])
  if (violators > 0) rows.push([2, 2, 1, 0, 0, 1])
  return fromRows(rows)
}

describe('invariants mining', () => {
  it('finds the planted invariants and flags exactly the violating sessions', () => {
    const X = countMatrix(3, 500, 5)
    const d = createDetector('invariants-mining')
    d.fit(X)
    const inv = (d.toJSON().state as {invariants: {columns: number[]; coefficients: number[]}[]}).invariants
    expect(inv).toContainEqual({columns: [0, 1], coefficients: [1, -1]})
    expect(inv).toContainEqual({columns: [3, 4], coefficients: [1, -2]})
    expect(inv).toContainEqual({columns: [5], coefficients: [1]})
    // col2 is free: no invariant may involve it.
    expect(inv.some((v) => v.columns.includes(2))).toBe(false)
    const flagged = Array.from(d.predict(X).keys()).filter((i) => d.predict(X)[i] === 1)
    expect(flagged).toEqual([500, 501, 502, 503, 504, 505])
  })

  it('flags nothing on data where every invariant holds', () => {
    const X = countMatrix(4, 300, 0)
    const d = createDetector('invariants-mining')
    d.fit(X)
    expect(d.predict(X).reduce((a, b) => a + b, 0)).toBe(0)
  })
})

describe('fitting and scoring on distinct rows (fitUnique, scoreUnique)', () => {
  // window-rate needs the pipeline's stream × window layout (see the round trip above)
  for (const name of detectorNames().filter((n) => n !== 'window-rate')) {
    it(`${name}: the model, threshold and scores fit() and score() give on the dense rows, bit for bit`, () => {
      const counts = name === 'invariants-mining' || name === 'rare-template' || name === 'ensemble'
      // repeated rows, as sessions are: each row three times over
      const base = counts ? countMatrix(5, 200, 4) : blobWithOutliers(150, 4, 4, 5)
      const X = fromRows(Array.from({length: 3 * base.rows}, (_, i) => base.data.subarray((i % base.rows) * base.cols, (i % base.rows + 1) * base.cols)))
      const dense = createDetector(name) as BaseDetector
      dense.fit(X)
      const distinct = createDetector(name) as BaseDetector
      const u = uniqueRows(X)
      distinct.fitUnique(u)
      expect(distinct.toJSON()).toEqual(dense.toJSON())
      expect(Array.from(distinct.scoreUnique(u))).toEqual(Array.from(dense.score(X)))
      if (name === 'invariants-mining') expect(distinct.fitsDistinctRows).toBe(true)
    })
  }
})

describe('rare-template and ensemble', () => {
  it('rare-template flags sessions with a never-seen or rare template only', () => {
    const train = countMatrix(5, 300, 0)
    const d = createDetector('rare-template')
    d.fit(train)
    const test = fromRows([
      [1, 1, 0, 0, 0, 0],
      [1, 1, 0, 0, 0, 2],
    ])
    expect(Array.from(d.predict(test))).toEqual([0, 1])
  })

  it('ensemble flags what any member flags (combine=max)', () => {
    const X = countMatrix(6, 400, 3)
    const e = createDetector('ensemble', {members: 'invariants-mining,rare-template'})
    e.fit(X)
    const im = createDetector('invariants-mining')
    im.fit(X)
    expect(Array.from(e.predict(X))).toEqual(Array.from(im.predict(X)))
  })
})

describe('dedupe and LOF duplicate handling', () => {
  it('uniqueRows collapses identical rows with weights', () => {
    const X = fromRows([[1, 2], [3, 4], [1, 2], [1, 2]])
    const u = uniqueRows(X)
    expect(u.unique.rows).toBe(2)
    expect(Array.from(u.weights)).toEqual([3, 1])
    expect(Array.from(u.inverse)).toEqual([0, 1, 0, 0])
  })

  it('LOF on heavily duplicated data: duplicates score 1, an isolated point scores high', () => {
    const rows: number[][] = []
    for (let i = 0; i < 50; i++) rows.push([0, 0])
    for (let i = 0; i < 50; i++) rows.push([1, 0])
    for (let i = 0; i < 30; i++) rows.push([0.5 * (i % 3), 1 + 0.1 * (i % 5)])
    const X = fromRows(rows)
    const d = createDetector('lof', {nNeighbors: 5})
    d.fit(X)
    const s = d.score(fromRows([[0, 0], [1, 0], [10, 10]]))
    // 49 other copies and 5 distinct neighbours: the copies pull a repeated row's LOF to ~1.
    expect(s[0]).toBeGreaterThan(0.9)
    expect(s[0]).toBeLessThan(1.2)
    expect(s[1]).toBeLessThan(1.2)
    expect(s[2]).toBeGreaterThan(5)
  })

  /**
   * Count-like sessions: three patterns repeated 300 times each (more than k), 26 near variants
   * (one count off) 5 times each, and 6 far patterns. With the plain k-distance (scikit-learn's,
   * Flare's before issue 14) a pattern repeated more than k times has k-distance 0: most variants
   * scored 7.5e9, the threshold landed at 2.7e10 and nothing was flagged, the far rows included.
   * With the k-distinct-distance the variants score ≤ 1.3 and the far rows 3.9–7.
   */
  function countLike(): {X: ReturnType<typeof fromRows>; outliers: number} {
    const bases = [[3, 3, 0], [2, 2, 0], [4, 4, 1]]
    const rows: number[][] = []
    for (const b of bases) for (let i = 0; i < 300; i++) rows.push(b)
    const variants = new Set<string>()
    for (const b of bases) {
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1]]) {
        for (const dz of [0, 1]) variants.add([b[0] + dx, b[1] + dy, b[2] + dz].join())
      }
    }
    for (const b of bases) variants.delete(b.join())
    for (const v of variants) for (let i = 0; i < 5; i++) rows.push(v.split(',').map(Number))
    const far = [[0, 20, 0], [20, 0, 0], [16, 2, 1], [2, 16, 1], [18, 18, 6], [0, 0, 8]]
    for (const v of far) rows.push(v)
    return {X: fromRows(rows), outliers: far.length}
  }

  it('LOF with patterns repeated more than k times: the planted rows are flagged, the near variants are not', () => {
    const {X, outliers} = countLike()
    const d = createDetector('lof')
    d.fit(X)
    const s = d.score(X)
    const flagged = d.predict(X)
    const n = X.rows - outliers
    expect(Array.from(flagged.slice(n))).toEqual(Array(outliers).fill(1))
    expect(flagged.slice(0, n).reduce((a, b) => a + b, 0)).toBe(0)
    for (let i = 0; i < n; i++) expect(s[i]).toBeLessThan(1.5)
    expect(topIndices(s, outliers)).toEqual(Array.from({length: outliers}, (_, i) => n + i))
  })

  it('LOF scores a training row as at fit (leave-one-out), and is deterministic', () => {
    const {X} = countLike()
    const a = createDetector('lof')
    const b = createDetector('lof')
    a.fit(X)
    b.fit(X)
    expect(Array.from(b.score(X))).toEqual(Array.from(a.score(X)))
    // A singleton far row, fitted leave-one-out, scores the same when scored as a query of its own.
    const last = fromRows([Array.from(X.data.subarray((X.rows - 1) * X.cols))])
    expect(a.score(last)[0]).toBe(a.score(X)[X.rows - 1])
  })

  it('LOF and one-class-svm do not depend on a column\'s units (columns are standardised)', () => {
    const X = blobWithOutliers(300, 3, 4, 5)
    const stretched = fromRows(Array.from({length: X.rows}, (_, i) => [1000 * X.data[i * 3], X.data[i * 3 + 1], X.data[i * 3 + 2] + 50]))
    for (const name of ['lof', 'one-class-svm']) {
      const a = createDetector(name)
      const b = createDetector(name)
      a.fit(X)
      b.fit(stretched)
      expect(Array.from(b.predict(stretched)), name).toEqual(Array.from(a.predict(X)))
      expect(topIndices(b.score(stretched), 4), name).toEqual(topIndices(a.score(X), 4))
    }
  })
})
