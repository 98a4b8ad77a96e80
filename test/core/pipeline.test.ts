import {describe, expect, it} from 'vitest'
import {detectionMetrics, scoreStats} from '../../src/core/evaluate/run-metrics.js'

describe('what a detection measures', () => {
  it('score statistics and detection metrics', () => {
    const s = scoreStats([4, 1, 3, 2, Number.NaN, 0])
    expect(s).toMatchObject({mean: 2, min: 0, max: 4, p50: 2})
    expect(s.std).toBeCloseTo(Math.SQRT2, 12)
    expect(s.p95).toBeCloseTo(3.8, 12)
    const evaluation = {precision: 0.5, recall: 1, f1: 2 / 3, tp: 1, fp: 1, fn: 0, tn: 2, labelled_sessions: 4, unlabelled_sessions: 0, labels_without_session: 0}
    const m = detectionMetrics({scores: [0.1, 0.9, 0.8, 0.2], predicted: [0, 1, 1, 0], threshold: 0.5, evaluation})
    expect(m).toMatchObject({anomalies: 2, anomaly_rate: 0.5, threshold: 0.5, precision: 0.5, recall: 1, tp: 1, fp: 1, fn: 0, tn: 2})
    expect(detectionMetrics({scores: [1], predicted: [0], threshold: Number.POSITIVE_INFINITY})).not.toHaveProperty('threshold')
  })
})
