import {describe, expect, it} from 'vitest'
import {expandRows, expandValues, RowSet, uniqueRows} from '../../../src/core/detect/dedupe.js'
import {buildFeatures, buildUniqueFeatures} from '../../../src/core/features/build.js'
import type {FeatureConfig} from '../../../src/core/features/config.js'
import {Vocabulary} from '../../../src/core/features/vocabulary.js'
import {Session} from '../../../src/core/sessions/store.js'
import {seededRand} from '../../helpers/hdfs-like.js'

const ids = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6']
const idOf = (i: number): string => ids[i]

/** 400 seeded sessions over 6 templates, most of them one of a few shapes (as HDFS blocks are). */
function sessions(seed: number): Session[] {
  const rand = seededRand(seed)
  const shapes = [[0, 1, 1, 2], [0, 1, 2], [0, 3, 3, 3, 2]]
  return Array.from({length: 400}, (_, i) => {
    const s = new Session(`s${i}`, i)
    const templates = rand(10) < 8 ? shapes[rand(shapes.length)] : Array.from({length: 1 + rand(8)}, () => rand(ids.length))
    templates.forEach((t, k) => s.add(t, 10 * i + k, t === 4 ? 'ERROR' : t === 5 ? 'WARN' : 'INFO', 1000 * (i + k * (1 + rand(3)))))
    return s
  })
}

const CONFIGS: Record<string, FeatureConfig> = {
  counts: {sets: ['counts', 'unseen'], transform: 'none', maxBigrams: 8},
  'every set, log1p': {sets: ['counts', 'tfidf', 'presence', 'extras', 'bigrams'], transform: 'log1p', maxBigrams: 8},
  'two members side by side': {sets: ['counts'], transform: 'none', maxBigrams: 8, members: [{detector: 'pca', sets: ['tfidf', 'extras'], transform: 'log1p', maxBigrams: 4}, {detector: 'invariants-mining', sets: ['counts', 'unseen'], transform: 'none', maxBigrams: 8}]},
}

describe('session features as distinct rows', () => {
  const train = sessions(7)
  // fitted on part of the sessions: the rest has templates the vocabulary lacks (unseen columns)
  const vocab = Vocabulary.fit(train.slice(0, 50), idOf, 8)

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: buildUniqueFeatures is uniqueRows(buildFeatures), and expands back to it bit for bit`, () => {
      const dense = buildFeatures(train, vocab, config, idOf)
      const built = buildUniqueFeatures(train, vocab, config, idOf)
      const reference = uniqueRows(dense)
      // (timings in the extras columns set most sessions apart; counts alone repeat)
      if (name === 'counts') expect(built.unique.rows).toBeLessThan(dense.rows / 4)
      expect(built.unique.cols).toBe(dense.cols)
      expect(built.unique.columns).toEqual(dense.columns)
      expect(built.unique.blocks).toEqual(dense.blocks)
      expect([...built.inverse]).toEqual([...reference.inverse])
      expect([...built.weights]).toEqual([...reference.weights])
      expect(Buffer.from(built.unique.data.buffer).equals(Buffer.from(reference.unique.data.buffer))).toBe(true)
      const back = expandRows(built)
      expect(back.blocks).toEqual(dense.blocks)
      expect(Buffer.from(back.data.buffer).equals(Buffer.from(dense.data.buffer))).toBe(true)
    })
  }

  it('RowSet keeps rows apart that differ in one value (0 and -0 too, as uniqueRows always did) and counts repeats', () => {
    const set = new RowSet(2)
    const rows = new Float64Array([1, 2, 1, 2, 1, 3, 0, 1, -0, 1, 1, 2])
    const got = [0, 1, 2, 3, 4, 5].map((i) => set.add(rows, 2 * i))
    expect(got).toEqual([0, 0, 1, 2, 3, 0])
    const {unique, weights} = set.result()
    expect([...weights]).toEqual([3, 1, 1, 1])
    expect([...unique.data]).toEqual([1, 2, 1, 3, 0, 1, -0, 1])
    expect([...expandValues(new Float64Array([5, 6, 7, 8]), Int32Array.from(got))]).toEqual([5, 5, 6, 7, 8, 5])
  })
})
