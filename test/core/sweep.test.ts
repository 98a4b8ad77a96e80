import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {detect, type Stage} from '../../src/core/pipeline.js'
import {DEFAULT_GRIDS, expandGrid, parseGrid, runSweep} from '../../src/core/sweep.js'
import {repoRoot} from '../helpers/cli.js'

const sample = path.join(repoRoot, 'data/hdfs_sample.log')
const labels = path.join(repoRoot, 'data/hdfs_sample_labels.csv')

describe('sweep grids', () => {
  it('validates a grid file and names the bad key', () => {
    expect(parseGrid({pca: {varianceRatio: [0.9, 0.95]}, lof: {nNeighbors: 10}})).toEqual({pca: {varianceRatio: [0.9, 0.95]}, lof: {nNeighbors: [10]}})
    const fail = (json: unknown): FlareError => {
      try {
        parseGrid(json, 'grid file g.json')
      } catch (error) {
        return error as FlareError
      }
      throw new Error('expected a failure')
    }
    expect(fail({iforest: {nEstimators: [1]}}).message).toBe('grid file g.json: unknown detector "iforest"')
    expect(fail({'isolation-forest': {nEstimator: [50]}}).message).toBe('grid file g.json: detector "isolation-forest" has no parameter "nEstimator" (at "isolation-forest.nEstimator")')
    expect(fail({pca: {varianceRatio: []}}).message).toMatch(/at "pca.varianceRatio"/)
    expect(fail({pca: {varianceRatio: {a: 1}}}).message).toMatch(/invalid grid at "pca.varianceRatio"/)
    expect(fail({pca: {contamination: [0.9]}}).message).toMatch(/bad value 0.9 at "pca.contamination"/)
    expect(fail([1]).exitCode).toBe(2)
  })

  it('expands detector × parameter combinations; every default grid is valid', () => {
    expect(expandGrid(['isolation-forest', 'lof'], {'isolation-forest': {nEstimators: [50, 100], contamination: [null, 0.05]}})).toEqual([
      {detector: 'isolation-forest', overrides: {nEstimators: 50, contamination: null}},
      {detector: 'isolation-forest', overrides: {nEstimators: 50, contamination: 0.05}},
      {detector: 'isolation-forest', overrides: {nEstimators: 100, contamination: null}},
      {detector: 'isolation-forest', overrides: {nEstimators: 100, contamination: 0.05}},
      {detector: 'lof', overrides: {}},
    ])
    expect(parseGrid(DEFAULT_GRIDS)).toEqual(DEFAULT_GRIDS)
    expect(() => expandGrid(['nope'], {})).toThrow(/unknown detector "nope"/)
  })

  it('parses the input once for every child and ranks them by the metric', async () => {
    const stages: Stage[] = []
    const seen: number[] = []
    const candidates = expandGrid(['pca', 'invariants-mining'], {pca: {varianceRatio: [0.9, 0.95]}, 'invariants-mining': {minSupport: [0.95]}})
    const result = await runSweep({input: sample, labelsPath: labels, candidates, onStage: (s) => stages.push(s), onChild: (child, total, shared) => {
      expect(total).toBe(3)
      expect(shared).toMatchObject({format: 'hdfs', sessionKey: 'block', sessions: 360})
      expect(child.bundle?.manifest.detector).toBe(child.detector)
      seen.push(child.index)
    }})
    expect(stages).toEqual(['read'])
    expect(seen).toEqual([1, 2, 3])
    expect(result.ranked.map((c) => c.metrics.f1)).toEqual([...result.ranked.map((c) => c.metrics.f1)].sort((a, b) => b - a))
    expect(result.best).toBe(result.ranked[0])
    // pca (varianceRatio 0.9) and invariants-mining both reach the top F1 here; ties keep grid order
    expect(result.ranked.filter((c) => c.metrics.f1 === result.best.metrics.f1).map((c) => c.detector)).toContain('invariants-mining')
    expect(result.best.bundle).toBeDefined()
    expect(result.ranked.filter((c) => c.bundle)).toHaveLength(1)
    // the same fit through detect() gives the same F1: the shared stages change nothing
    const single = await detect({input: sample, labelsPath: labels, detector: 'pca', detectorParams: {varianceRatio: 0.9}})
    expect(result.ranked.find((c) => c.detector === 'pca' && c.overrides.varianceRatio === 0.9)!.metrics.f1).toBe(single.results.evaluation!.f1)
  })
})
