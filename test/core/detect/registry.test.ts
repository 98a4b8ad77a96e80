import {describe, expect, it} from 'vitest'
import type {Detector} from '../../../src/core/detect/detector.js'
import {registryFor} from '../../../src/core/detect/catalog.js'
import {createDetector, detectorFeatures, detectorFromJSON, detectorGrids, detectorHelp, detectorNames} from '../../../src/core/detect/registry.js'
import {quantile, sortedCopy} from '../../../src/core/detect/threshold.js'
import {FeatureConfig, resolveFeatures} from '../../../src/core/features/config.js'
import {columnSlice, fromRows, type FeatureMatrix} from '../../../src/core/features/matrix.js'
import {mulberry32} from '../../../src/core/detect/random.js'
import {parseGrid} from '../../../src/core/sweep.js'
import {blobWithOutliers, gaussian} from './helpers.js'

describe('detector registry entries', () => {
  it('each entry builds a detector of its own name, with features, a valid grid and a one-line description', () => {
    const help = detectorHelp().split('\n')
    expect(help).toHaveLength(detectorNames().length)
    for (const [k, name] of detectorNames().entries()) {
      expect(createDetector(name).name).toBe(name)
      expect(FeatureConfig.safeParse(detectorFeatures(name)).success).toBe(true)
      expect(help[k].startsWith(name)).toBe(true)
      expect(help[k].length).toBeLessThanOrEqual(72)
    }
    const grids = detectorGrids()
    expect(Object.keys(grids)).toEqual(detectorNames())
    expect(parseGrid(grids)).toEqual(grids)
  })

  it("catalog.ts's registry for one detector makes it as registry.ts does: same parameters, features and unknown-parameter error", async () => {
    for (const name of detectorNames()) {
      const one = await registryFor(name)
      expect(one.create(name, {}).params()).toEqual(createDetector(name).params())
      expect(one.features(name, {})).toEqual(detectorFeatures(name))
      expect(() => one.create(name, {nosuch: 1})).toThrow(`detector "${name}" has no parameter "nosuch"`)
    }
    expect(() => createDetector('window-rate', {nosuch: 1})).toThrow('detector "window-rate" has no parameter "nosuch"')
    // a name it does not know gets the whole registry, which refuses it with the known names
    expect(() => createDetector('nosuch')).toThrow('unknown detector "nosuch"')
    await expect(registryFor('nosuch').then((r) => r.create('nosuch'))).rejects.toThrow('unknown detector "nosuch"')
  })

  it('invariants-mining and rare-template read raw counts and unseen events, elliptic-envelope presence, pca presence and counts, the other geometric detectors damped counts plus extras', () => {
    expect(detectorFeatures('invariants-mining')).toMatchObject({sets: ['counts', 'unseen'], transform: 'none'})
    expect(detectorFeatures('rare-template')).toMatchObject({sets: ['counts', 'unseen'], transform: 'none'})
    expect(detectorFeatures('elliptic-envelope')).toMatchObject({sets: ['presence'], transform: 'none'})
    expect(detectorFeatures('pca')).toMatchObject({sets: ['presence', 'counts'], transform: 'none'})
    expect(detectorFeatures('isolation-forest')).toMatchObject({sets: ['counts'], transform: 'log1p'})
    for (const name of ['lof', 'one-class-svm']) {
      expect(detectorFeatures(name)).toMatchObject({sets: ['counts', 'extras'], transform: 'log1p'})
    }
  })

  it("an ensemble's features are its members' own: one block each when they differ, the shared one when not", () => {
    const mixed = detectorFeatures('ensemble', {members: 'invariants-mining,pca'})
    expect(mixed.transform).toBe('per-member')
    expect(mixed.members).toEqual([
      {detector: 'invariants-mining', ...detectorFeatures('invariants-mining')},
      {detector: 'pca', ...detectorFeatures('pca')},
    ])
    expect(detectorFeatures('ensemble', {members: 'one-class-svm,lof'})).toEqual(detectorFeatures('lof'))
    expect(() => detectorFeatures('ensemble', {members: 'pca,nope'})).toThrow(/unknown detector "nope"/)
    expect(() => createDetector('ensemble', {members: 'pca,ensemble'})).toThrow(/ensemble as a member/)
  })

  it('--features or --transform given over a per-member recommendation apply to every member', () => {
    const rec = detectorFeatures('ensemble', {members: 'invariants-mining,pca'})
    expect(resolveFeatures(rec)).toEqual(rec)
    expect(resolveFeatures({...rec, transform: 'none'})).toEqual({sets: rec.sets, transform: 'none', maxBigrams: rec.maxBigrams})
    expect(resolveFeatures({...rec, sets: ['tfidf']})).toEqual({sets: ['tfidf'], transform: 'log1p', maxBigrams: rec.maxBigrams})
  })
})

/** Raw counts where column 0 = column 1 always (an invariant), plus a noisy third column. */
function countBlock(seed: number, n: number): number[][] {
  const rand = mulberry32(seed)
  return Array.from({length: n}, () => {
    const a = 1 + Math.floor(rand() * 5)
    return [a, a, Math.floor(rand() * 4)]
  })
}

/** Member blocks side by side, as buildFeatures lays out a per-member config. */
function sideBySide(...blocks: number[][][]): FeatureMatrix {
  const m = fromRows(blocks[0].map((_, i) => blocks.flatMap((b) => b[i])))
  m.blocks = blocks.map((b) => b[0].length)
  return m
}

describe('ensemble', () => {
  const counts = countBlock(3, 300)
  const blob = blobWithOutliers(296, 2, 4, 9)
  const geometric = Array.from({length: blob.rows}, (_, i) => [blob.data[2 * i], blob.data[2 * i + 1]])
  const X = sideBySide(counts, geometric)

  it('fits each member on its own block, and scores the same after a JSON round trip', () => {
    const e = createDetector('ensemble', {members: 'invariants-mining,elliptic-envelope'}) as Detector & {detectors: Detector[]}
    e.fit(X)
    const im = createDetector('invariants-mining')
    im.fit(fromRows(counts))
    const ee = createDetector('elliptic-envelope')
    ee.fit(fromRows(geometric))
    expect(Array.from(e.detectors[0].score(fromRows(counts)))).toEqual(Array.from(im.score(fromRows(counts))))
    expect(Array.from(e.detectors[1].score(fromRows(geometric)))).toEqual(Array.from(ee.score(fromRows(geometric))))
    const restored = detectorFromJSON(JSON.stringify(e.toJSON()))
    expect(Array.from(restored.score(X))).toEqual(Array.from(e.score(X)))
    expect(() => restored.score(fromRows(counts))).toThrow(/fitted on 5 features but got 3/)
  })

  it('a bundle saved before members had their own features still loads: every member reads every column', () => {
    const plain = fromRows(counts)
    const e = createDetector('ensemble', {members: 'invariants-mining,rare-template'})
    e.fit(plain)
    const json = e.toJSON() as {state: {slices?: unknown}}
    delete json.state.slices
    const restored = detectorFromJSON(JSON.stringify(json))
    expect(Array.from(restored.score(plain))).toEqual(Array.from(e.score(plain)))
  })

  it("combine 'mean' scores the mean of the members' threshold-scaled scores; 'max' their largest", () => {
    const rand = mulberry32(5)
    const rows = Array.from({length: 300}, () => [gaussian(rand), gaussian(rand)])
    // one row far out on one axis only, one far out on both
    rows.push([6, 0], [6, 6])
    const M = fromRows(rows)
    const mean = createDetector('ensemble', {members: 'elliptic-envelope,pca', combine: 'mean'}) as Detector & {detectors: Detector[]}
    const max = createDetector('ensemble', {members: 'elliptic-envelope,pca', combine: 'max'})
    mean.fit(M)
    max.fit(M)
    const z = mean.detectors.map((d) => {
      const s = d.score(M)
      const med = quantile(sortedCopy(s), 0.5)
      return Array.from(s, (v) => (v - med) / (d.threshold - med))
    })
    const got = mean.score(M)
    const top = max.score(M)
    for (let i = 0; i < M.rows; i++) {
      expect(got[i]).toBeCloseTo((z[0][i] + z[1][i]) / 2, 9)
      expect(top[i]).toBeCloseTo(Math.max(z[0][i], z[1][i]), 9)
    }
    expect(mean.threshold).toBe(1)
    // the mean never flags more than the max does
    const flaggedMean = mean.predict(M).reduce((a, b) => a + b, 0)
    expect(flaggedMean).toBeLessThanOrEqual(max.predict(M).reduce((a, b) => a + b, 0))
    expect(() => createDetector('ensemble', {combine: 'median'})).toThrow(/max or mean/)
  })

  it('columnSlice copies a block of columns with their names', () => {
    const m = fromRows([[1, 2, 3], [4, 5, 6]], ['a', 'b', 'c'])
    const s = columnSlice(m, 1, 2)
    expect(Array.from(s.data)).toEqual([2, 3, 5, 6])
    expect(s.columns).toEqual(['b', 'c'])
    expect(columnSlice(m, 0, 3)).toBe(m)
  })
})
