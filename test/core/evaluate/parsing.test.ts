import {describe, expect, it} from 'vitest'
import {normalizeTemplate, parsingMetrics} from '../../../src/core/evaluate/parsing.js'

describe('parsingMetrics (Loghub-2.0 GA, PA, FGA, FTA)', () => {
  // Seven messages; the truth has four templates, the parser found four groups:
  //   group 1 = {0,1}   = truth A exactly, but with the text "open file" (truth: "open <*>")
  //   group 2 = {2}     ⊂ truth B: split
  //   group 3 = {3,4}   = B's 3 + C's 4: merged
  //   group 4 = {5,6}   = truth D exactly, right text
  const truth = ['A', 'A', 'B', 'B', 'C', 'D', 'D']
  const predicted = ['1', '1', '2', '3', '3', '4', '4']
  const truthTemplates = {A: 'open <*>', B: 'close <*>', C: 'exit', D: 'read <*> bytes'}
  const predTemplates = new Map([['1', 'open file'], ['2', 'close <*>'], ['3', 'close <*>'], ['4', 'read  <*> <*> bytes']])

  it('gives the numbers worked out by hand', () => {
    const m = parsingMetrics(predicted, truth, predTemplates, truthTemplates)
    // GA: groups 1 and 4 are exact → 4 of 7 messages.
    expect(m.ga).toBeCloseTo(4 / 7, 12)
    // PA: messages 2, 3 (close <*>) and 5, 6 (read <*> bytes, after normalisation) → 4 of 7.
    expect(m.pa).toBeCloseTo(4 / 7, 12)
    // FGA: 2 exact groups of 4 found and 4 true → P = R = 1/2.
    expect(m.fga).toBeCloseTo(0.5, 12)
    // FTA: only group 4 is exact with the right text → P = R = 1/4.
    expect(m.fta).toBeCloseTo(0.25, 12)
    expect([m.correctGroups, m.correctTemplates, m.predictedTemplates, m.truthTemplates]).toEqual([2, 1, 4, 4])
  })

  it('weighs precision and recall apart when the counts differ', () => {
    // One parser group for everything: no exact group (A and B are merged).
    const m = parsingMetrics(['x', 'x', 'x'], ['A', 'A', 'B'])
    expect(m.ga).toBe(0)
    expect(m.fga).toBe(0)
    // Every message alone: B is exact (1 of 3 found, 1 of 2 true) → F1 = 2·(1/3·1/2)/(1/3+1/2) = 0.4.
    const split = parsingMetrics(['p', 'q', 'r'], ['A', 'A', 'B'])
    expect(split.ga).toBeCloseTo(1 / 3, 12)
    expect(split.fga).toBeCloseTo(0.4, 12)
    expect(Number.isNaN(split.pa)).toBe(true)
  })

  it('normalises whitespace and runs of wildcards only', () => {
    expect(normalizeTemplate(' a  <*> <*>  b ')).toBe('a <*> b')
    expect(normalizeTemplate('a <*>:<*> b')).toBe('a <*>:<*> b')
  })

  it('refuses lists of different lengths', () => {
    expect(() => parsingMetrics(['a'], ['a', 'b'])).toThrow(RangeError)
  })
})
