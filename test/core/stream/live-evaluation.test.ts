import {describe, expect, it} from 'vitest'
import type {ScoredSession} from '../../../src/core/stream/engine.js'
import {OnlineScore} from '../../../src/core/stream/live-evaluation.js'

const scored = (id: string, anomalous: boolean, firstSeen: number, closedAt: number): ScoredSession => ({id, score: anomalous ? 1 : 0, anomalous, firstSeen, closedAt, reason: 'idle', events: 1})

describe('OnlineScore', () => {
  const labels = new Map([
    ['a', true],
    ['b', false],
    ['c', true],
    ['d', false],
  ])

  it('flags a session id when any of its parts scored anomalous, and scores it against its label', () => {
    for (const given of [labels, undefined]) {
      const score = new OnlineScore(given)
      score.observe(scored('b', false, 0, 10))
      score.observe(scored('a', false, 100, 200))
      // The same id closes again (it went idle and came back): anomalous this time.
      score.observe(scored('a', true, 300, 400))
      score.observe(scored('d', true, 50, 60))
      score.observe(scored('x', true, 0, 5))
      expect(score.flaggedIds).toEqual(['a', 'd', 'x'])
      expect(new Set(score.sessionIds)).toEqual(new Set(['a', 'b', 'd', 'x']))
      expect(score.sessions).toBe(4)
      const e = score.evaluate(labels)
      expect({tp: e.tp, fp: e.fp, fn: e.fn, tn: e.tn}).toEqual({tp: 1, fp: 1, fn: 0, tn: 1})
      expect(e.unlabelled_sessions).toBe(1)
      // c was never scored: a label without a session.
      expect(e.labels_without_session).toBe(1)
      // Delay from the id's first event (the first part) to the detection.
      expect(e.delay_ms).toMatchObject({count: 1, p50: 300, max: 300})
    }
  })

  it('scores thousands of ids, labelled and not, past the size of its first arrays', () => {
    const many = new Map<string, boolean>()
    for (let i = 0; i < 5000; i++) many.set(`blk_${i}`, i % 10 === 0)
    const score = new OnlineScore(many)
    for (let i = 0; i < 6000; i++) score.observe(scored(`blk_${i}`, i % 10 === 0 || i % 7 === 0, i, i + 1))
    const e = score.evaluate(many)
    expect(e.labelled_sessions).toBe(5000)
    expect(e.unlabelled_sessions).toBe(1000)
    expect(e.tp).toBe(500)
    expect(e.fn).toBe(0)
    expect(e.fp).toBe([...Array(5000).keys()].filter((i) => i % 10 !== 0 && i % 7 === 0).length)
  })
})
