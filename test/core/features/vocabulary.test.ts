import {describe, expect, it} from 'vitest'
import {buildFeatures, featureColumns} from '../../../src/core/features/build.js'
import {compareTemplateIds, Vocabulary} from '../../../src/core/features/vocabulary.js'
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

/** Vocabulary.fit's numbers as the plain definition gives them: string-keyed Maps, one pass. */
function referenceFit(sessions: Session[], idOf: (i: number) => string, maxBigrams: number) {
  const df = new Map<string, number>()
  const total = new Map<string, number>()
  const bigramDf = new Map<number, number>()
  for (const s of sessions) {
    const t = s.templates
    for (let i = 0; i < t.length; i += 3) {
      df.set(idOf(t[i]), (df.get(idOf(t[i])) ?? 0) + 1)
      total.set(idOf(t[i]), (total.get(idOf(t[i])) ?? 0) + t[i + 1])
    }
    const tr = s.transitions
    for (let i = 0; i < tr.length; i += 2) bigramDf.set(tr[i], (bigramDf.get(tr[i]) ?? 0) + 1)
  }
  const top = [...bigramDf.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxBigrams)
  return {df, total, bigrams: top.map(([key]) => [idOf(Math.floor(key / 1_048_576)), idOf(key % 1_048_576)])}
}

describe('template id order', () => {
  it('is a total order over numbered ids and derived names: any input order sorts the same', () => {
    // derived names (N + hex) may be all decimal digits: then they count as numbered
    const ids = ['T1', 'T2', 'T10', 'T30', 'N2ab0c91f3e', 'N1234567890', 'N0000000007', 'Nffe1200aa0', 'E5', 'T2x', 'custom', '']
    for (const a of ids) {
      expect(compareTemplateIds(a, a)).toBe(0)
      for (const b of ids) {
        expect(Math.sign(compareTemplateIds(a, b)) + Math.sign(compareTemplateIds(b, a))).toBe(0)
        for (const c of ids) {
          if (compareTemplateIds(a, b) < 0 && compareTemplateIds(b, c) < 0) expect(compareTemplateIds(a, c)).toBeLessThan(0)
        }
      }
    }
    const sorted = [...ids].sort(compareTemplateIds)
    expect(sorted).toEqual(['T1', 'T2', 'E5', 'N0000000007', 'T10', 'T30', 'N1234567890', '', 'N2ab0c91f3e', 'Nffe1200aa0', 'T2x', 'custom'])
    let seed = 11
    for (let round = 0; round < 20; round++) {
      const shuffled = [...ids]
      for (let i = shuffled.length - 1; i > 0; i--) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
        const j = seed % (i + 1)
        ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]
      }
      expect(shuffled.sort(compareTemplateIds)).toEqual(sorted)
    }
  })
})

describe('Vocabulary.fit counts by template index', () => {
  // Seeded: template indices up to 3,000 (past the dense pair table's 1,024), and two indices
  // that share an id (their counts are summed under it).
  let seed = 7
  const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n)
  for (const maxIndex of [40, 3000]) {
    it(`gives the plain definition's columns, idf, means and bigrams (indices < ${maxIndex})`, () => {
      const idOfWide = (i: number): string => (i === 5 ? 'E6' : `E${i}`)
      const sessions = Array.from({length: 400}, (_, k) => {
        const s = new Session(`s${k}`, k)
        const n = 1 + rand(12)
        // (wide indices only in the second half: the pair table changes form mid-way)
        for (let j = 0; j < n; j++) s.add(k >= 200 && rand(4) === 0 ? rand(maxIndex) : rand(8), j, 'INFO', 1000 * j)
        return s
      })
      const fitted = Vocabulary.fit(sessions, idOfWide, 20)
      const ref = referenceFit(sessions, idOfWide, 20)
      expect(new Set(fitted.templateIds)).toEqual(new Set(ref.df.keys()))
      fitted.templateIds.forEach((id, j) => {
        expect(fitted.idf[j]).toBe(Math.log((1 + 400) / (1 + ref.df.get(id)!)) + 1)
        expect(fitted.meanCount[j]).toBe(ref.total.get(id)! / 400)
      })
      expect(new Set(fitted.bigrams.map((b) => b.join('>')))).toEqual(new Set(ref.bigrams.map((b) => b.join('>'))))
    })
  }
})
