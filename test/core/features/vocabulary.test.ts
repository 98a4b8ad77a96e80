import {describe, expect, it} from 'vitest'
import {buildFeatures, featureColumns} from '../../../src/core/features/build.js'
import {Vocabulary} from '../../../src/core/features/vocabulary.js'
import {Session} from '../../../src/core/sessions/store.js'

const ids = ['T1', 'T2', 'T3', 'T10']
const idOf = (i: number): string => ids[i]
function session(id: string, templates: number[]): Session {
  const s = new Session(id, 0)
  templates.forEach((t, k) => s.add(t, k + 1, t === 2 ? 'ERROR' : 'INFO', 1000 * k))
  return s
}

describe('Vocabulary and features', () => {
  const train = [session('a', [0, 1, 1]), session('b', [0, 1]), session('c', [0, 2])]
  const vocab = Vocabulary.fit(train, idOf, 8)

  it('orders columns by template number and computes idf and normal means', () => {
    expect(vocab.templateIds).toEqual(['T1', 'T2', 'T3'])
    expect(vocab.idf[0]).toBeCloseTo(Math.log(4 / 4) + 1, 12)
    expect(vocab.idf[2]).toBeCloseTo(Math.log(4 / 2) + 1, 12)
    expect(vocab.meanCount[1]).toBeCloseTo(1, 12)
    expect(vocab.sessionShare[2]).toBeCloseTo(1 / 3, 12)
  })

  it('round-trips through JSON', () => {
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab.toJSON())))
    expect(back.templateIds).toEqual(vocab.templateIds)
    expect([...back.idf]).toEqual([...vocab.idf])
    expect(back.bigrams).toEqual(vocab.bigrams)
    expect(() => Vocabulary.fromJSON({version: 2})).toThrow(/vocabulary/)
  })

  it('counts templates never seen in training in the extra columns, with stable columns', () => {
    const config = {sets: ['counts', 'extras'] as const, transform: 'none' as const, maxBigrams: 8}
    const X = buildFeatures([session('new', [0, 3, 3, 2])], vocab, {...config, sets: [...config.sets]}, idOf)
    const cols = featureColumns(vocab, {...config, sets: [...config.sets]})
    const get = (name: string): number => X.data[cols.indexOf(name)]
    expect(get('count:T1')).toBe(1)
    expect(get('count:T3')).toBe(1)
    expect(get('unseen_events')).toBe(2)
    expect(get('unseen_templates')).toBe(1)
    expect(get('error_events')).toBe(1)
    expect(get('events')).toBe(4)
  })

  it('applies log1p, tf-idf, presence and bigrams by name', () => {
    const X = buildFeatures([session('x', [0, 1, 1])], vocab, {sets: ['tfidf', 'presence', 'bigrams'], transform: 'log1p', maxBigrams: 8}, idOf)
    const cols = X.columns!
    expect(X.data[cols.indexOf('tfidf:T2')]).toBeCloseTo(Math.log1p(2) * vocab.idf[1], 12)
    expect(X.data[cols.indexOf('has:T3')]).toBe(0)
    expect(X.data[cols.indexOf('next:T1>T2')]).toBeCloseTo(Math.log1p(1), 12)
    expect(X.data[cols.indexOf('next:T2>T2')]).toBeCloseTo(Math.log1p(1), 12)
  })
})
