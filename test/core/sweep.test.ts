import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {detect, type Stage} from '../../src/core/pipeline.js'
import {DEFAULT_GRIDS, expandGrid, parseGrid, rankOrder, runSweep, type SweepChild} from '../../src/core/sweep.js'
import {repoRoot} from '../helpers/cli.js'
import {fleetLogWithLabels} from '../helpers/fleet-labels.js'

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
    expect(stages).toEqual(['read', 'labels'])
    expect(seen).toEqual([1, 2, 3])
    expect(result.ranked.map((c) => c.metrics.f1)).toEqual([...result.ranked.map((c) => c.metrics.f1)].sort((a, b) => b - a))
    expect(result.best).toBe(result.ranked[0])
    // pca (varianceRatio 0.9) and invariants-mining both reach the top F1 here: the tie goes to
    // the higher precision, then to the default detector for block sessions, not to grid order
    const tied = result.ranked.filter((c) => c.metrics.f1 === result.best.metrics.f1)
    expect(tied.map((c) => c.detector)).toContain('invariants-mining')
    expect(tied.every((c) => c.metrics.precision! <= result.best.metrics.precision!)).toBe(true)
    if (tied.every((c) => c.metrics.precision === result.best.metrics.precision)) expect(result.best.detector).toBe('invariants-mining')
    expect(result.best.bundle).toBeDefined()
    expect(result.ranked.filter((c) => c.bundle)).toHaveLength(1)
    // the same fit through detect() gives the same F1: the shared stages change nothing
    const single = await detect({input: sample, labelsPath: labels, detector: 'pca', detectorParams: {varianceRatio: 0.9}})
    expect(result.ranked.find((c) => c.detector === 'pca' && c.overrides.varianceRatio === 0.9)!.metrics.f1).toBe(single.results.evaluation!.f1)
  })
})

describe('sweep dimensions beyond detector parameters', () => {
  it('feature sets and transforms multiply the candidates, from the command line or per detector in a grid', () => {
    const cli = expandGrid(['pca', 'ensemble'], {pca: {varianceRatio: [0.9, 0.95]}}, {features: ['counts', 'counts+extras'], transform: ['none', 'log1p']})
    expect(cli.filter((c) => c.detector === 'pca')).toHaveLength(8)
    expect(cli.filter((c) => c.detector === 'pca').map((c) => `${c.featureVariant!.sets!.join('+')}/${c.featureVariant!.transform}`)).toContain('counts+extras/log1p')
    // ensemble's members bring their own features: it runs once
    expect(cli.filter((c) => c.detector === 'ensemble')).toEqual([{detector: 'ensemble', overrides: {}}])
    const grid = parseGrid({lof: {features: ['tfidf', 'counts+presence'], transform: 'none'}})
    const fromFile = expandGrid(['lof'], grid, {features: ['counts']})
    expect(fromFile.map((c) => c.featureVariant)).toEqual([{sets: ['tfidf'], transform: 'none'}, {sets: ['counts', 'presence'], transform: 'none'}])
    expect(() => parseGrid({lof: {features: ['counts+nope']}})).toThrow(/unknown feature set "nope"/)
    expect(() => parseGrid({lof: {transform: ['sqrt']}})).toThrow(/transform must be one of none, log1p/)
    expect(() => expandGrid(['lof'], {}, {transform: ['foo']})).toThrow(/--transform: transform must be one of none, log1p, got "foo"/)
  })

  it('window-rate is not varied by feature sets or transforms: it reads raw template counts per window, as flare detect fits it', () => {
    const cli = expandGrid(['window-rate', 'pca'], {'window-rate': {minScore: [4, 6]}, pca: {varianceRatio: [0.9]}}, {features: ['counts', 'counts+extras'], transform: ['none', 'log1p']})
    expect(cli.filter((c) => c.detector === 'window-rate')).toEqual([
      {detector: 'window-rate', overrides: {minScore: 4}},
      {detector: 'window-rate', overrides: {minScore: 6}},
    ])
    expect(cli.filter((c) => c.detector === 'pca')).toHaveLength(4)
    // a grid file that sets them for it is refused, naming the key
    expect(() => parseGrid({'window-rate': {features: ['counts+extras']}}, 'grid file g.json')).toThrow('grid file g.json: window-rate reads raw template counts per window: "features" is not one of its dimensions (at "window-rate.features")')
    expect(() => parseGrid({'window-rate': {transform: 'log1p'}})).toThrow(/"transform" is not one of its dimensions/)
  })

  it('refuses parameter values outside the ranges a saved model must keep (not fitted into a meaningless result)', () => {
    expect(() => parseGrid({lof: {nNeighbors: [-1]}}, 'grid file g.json')).toThrow(/grid file g\.json: bad value -1 at "lof\.nNeighbors": detector "lof": nNeighbors -1: Too small/)
    expect(() => parseGrid({'isolation-forest': {nEstimators: [0]}})).toThrow(/nEstimators 0/)
    expect(() => parseGrid({'one-class-svm': {nu: [1.5]}})).toThrow(/detector "one-class-svm": nu 1\.5/)
    expect(parseGrid({lof: {nNeighbors: [5]}})).toEqual({lof: {nNeighbors: [5]}})
  })

  it('ranks ties by precision, then the preferred detector, then cost, then sweep order', () => {
    const child = (index: number, detector: string, f1: number, precision: number, fit = 10): SweepChild => ({index, detector, metrics: {f1, precision, recall: 1, fit_ms: fit, score_ms: 0}}) as unknown as SweepChild
    const order = (children: SweepChild[]) => [...children].sort((a, b) => rankOrder(a, b, 'f1', 'invariants-mining')).map((c) => c.index)
    expect(order([child(1, 'pca', 1, 1), child(2, 'lof', 1, 1), child(3, 'invariants-mining', 1, 1)])).toEqual([3, 1, 2])
    expect(order([child(1, 'pca', 1, 0.9), child(2, 'lof', 1, 1)])).toEqual([2, 1])
    expect(order([child(1, 'pca', 1, 1, 50), child(2, 'lof', 1, 1, 5)])).toEqual([2, 1])
    expect(order([child(1, 'pca', 0.5, 1), child(2, 'lof', 0.9, 0.1)])).toEqual([2, 1])
  })
})

describe('sweep on id sessions', () => {
  const candidates = () => expandGrid(['pca', 'window-rate'], {pca: {varianceRatio: [0.9]}})

  it('refuses a named time-window detector once auto resolves to blocks, naming those that fit', async () => {
    const error = await runSweep({input: sample, labelsPath: labels, candidates: candidates()}).then(() => undefined, (e: unknown) => e as FlareError)
    expect(error).toBeInstanceOf(FlareError)
    expect(error!.exitCode).toBe(2)
    expect(error!.message).toBe('--detector window-rate scores time windows, but the sessions here are by block id: it would flag nothing')
    expect(error!.hint).toContain('invariants-mining')
    expect(error!.hint).not.toMatch(/one of [^(]*window-rate/)
  })

  it('refuses it before the read when the key is given', async () => {
    const missing = path.join(repoRoot, 'no-such-log.log')
    // (a read would fail on the missing file with exit 3: the refusal comes first)
    await expect(runSweep({input: missing, labelsPath: labels, sessionKey: 'block', candidates: candidates()})).rejects.toMatchObject({exitCode: 2})
  })

  it('leaves it out of a default list of every detector, and says so before the first child', async () => {
    const events: string[] = []
    const result = await runSweep({
      input: sample,
      labelsPath: labels,
      candidates: expandGrid(['pca', 'window-rate'], {pca: {varianceRatio: [0.9]}, 'window-rate': {minScore: [4, 6]}}),
      unfit: 'drop',
      onLeftOut: (leftOut) => events.push(`left out ${leftOut.runs} of ${leftOut.of}: ${leftOut.detectors.join(',')}`),
      onChild: (child, total) => void events.push(`child ${child.index}/${total}`),
    })
    expect(result.ranked.map((c) => c.detector)).toEqual(['pca'])
    // the count the sweep goes by is what it runs; what it left out, and why, is said once
    expect(events).toEqual(['left out 2 of 3: window-rate', 'child 1/1'])
    expect(result.leftOut).toMatchObject({detectors: ['window-rate'], runs: 2, of: 3})
    expect(result.leftOut!.reason).toBe('window-rate scores time windows, but the sessions here are by block id')
  })

  it('leaves nothing out when every candidate fits', async () => {
    let called = false
    const result = await runSweep({input: sample, labelsPath: labels, candidates: expandGrid(['pca'], {pca: {varianceRatio: [0.9]}}), unfit: 'drop', onLeftOut: () => void (called = true)})
    expect(result.leftOut).toBeUndefined()
    expect(called).toBe(false)
  })
})

describe('sweep on time windows (a multi-host syslog, no session ids)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-sweep-windows-'))
  let log = ''
  let windowLabels = ''
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  beforeAll(async () => {
    const made = await fleetLogWithLabels(dir)
    log = made.log
    windowLabels = made.labels
    expect(made.sessionKey).toMatch(/^window \(auto: \w+ per host, 4 streams\)$/)
  })

  it('runs every window-rate candidate, scored as flare detect -d window-rate scores the same file (same scores, same F1)', async () => {
    const candidates = expandGrid(['window-rate', 'rare-template'], {'window-rate': {minScore: [4, 6]}, 'rare-template': {maxRareShare: [0.05]}})
    let left = false
    const result = await runSweep({input: log, labelsPath: windowLabels, candidates, unfit: 'drop', onLeftOut: () => void (left = true)})
    expect(left).toBe(false)
    expect(result.leftOut).toBeUndefined()
    expect(result.ranked.map((c) => c.detector).sort()).toEqual(['rare-template', 'window-rate', 'window-rate'])
    for (const minScore of [4, 6]) {
      const child = result.ranked.find((c) => c.detector === 'window-rate' && c.overrides.minScore === minScore)!
      const single = await detect({input: log, labelsPath: windowLabels, detector: 'window-rate', detectorParams: {minScore}})
      expect(Array.from(child.scores), `minScore ${minScore}: scores`).toEqual(Array.from(single.scores))
      expect(child.evaluation, `minScore ${minScore}: evaluation`).toEqual(single.results.evaluation)
      expect(child.metrics.f1).toBe(single.results.evaluation!.f1)
      expect(child.metrics.anomalies).toBe(single.results.summary.anomalies)
    }
    // and the other kind of candidate is unchanged by it: rare-template as detect fits it
    const rare = await detect({input: log, labelsPath: windowLabels, detector: 'rare-template', detectorParams: {maxRareShare: 0.05}})
    expect(result.ranked.find((c) => c.detector === 'rare-template')!.metrics.f1).toBe(rare.results.evaluation!.f1)
  })
})
