import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {detectionMetrics, scoreStats} from '../../src/core/evaluate/run-metrics.js'
import {detectorFeatures} from '../../src/core/detect/registry.js'
import {detect, type Stage} from '../../src/core/pipeline.js'
import {DEFAULT_GRIDS, expandGrid, parseGrid, runSweep} from '../../src/core/sweep.js'
import {compareRuns} from '../../src/commands/model/compare.js'
import {detectMetrics, detectParams} from '../../src/tracking/detect-run.js'
import {MlflowApiError} from '../../src/tracking/http.js'
import {MlflowClient} from '../../src/tracking/mlflow-client.js'
import {parseModelsUri} from '../../src/tracking/registered-model.js'
import {fileDigest, gitCommit, inputDataset, paramString, serverIsDown, standardTags, Tracker} from '../../src/tracking/tracker.js'
import type {Run} from '../../src/tracking/types.js'
import {repoRoot} from '../helpers/cli.js'

const sample = path.join(repoRoot, 'data/hdfs_sample.log')
const labels = path.join(repoRoot, 'data/hdfs_sample_labels.csv')
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-tracker-'))
const client = new MlflowClient({trackingUri: 'http://127.0.0.1:9'})

describe('Tracker: failures are collected, never thrown', () => {
  it('returns step results, records a failure with its reason, and keeps going after a 4xx', async () => {
    const tracker = new Tracker(client)
    expect(await tracker.attempt('params', async () => 3)).toBe(3)
    const rejected = new MlflowApiError('MLflow could not log to run r: bad param (HTTP 400)', {status: 400, errorCode: 'INVALID_PARAMETER_VALUE'})
    expect(await tracker.attempt('metrics', async () => Promise.reject(rejected))).toBeUndefined()
    // a 4xx concerns one call: the next step still runs
    let ran = false
    await tracker.attempt('vocab.json', async () => void (ran = true))
    expect(ran).toBe(true)
    expect(tracker.complete).toBe(false)
    expect(tracker.failures).toEqual([{what: 'metrics', reason: rejected.message, hint: rejected.hint}])
  })

  it('after an outage skips the remaining steps and reports them once, grouped under one reason with the hint', async () => {
    const tracker = new Tracker(client)
    const down = new MlflowApiError('Cannot reach the MLflow server at http://127.0.0.1:9 to create run (connection refused) after 5 tries.', {errorCode: 'ECONNREFUSED', hint: 'Start it (mlflow server --host 127.0.0.1 --port 5000) or set MLFLOW_TRACKING_URI to a running server.'})
    expect(serverIsDown(down)).toBe(true)
    expect(serverIsDown(new MlflowApiError('x', {status: 503}))).toBe(true)
    expect(serverIsDown(new MlflowApiError('x', {status: 404}))).toBe(false)
    await tracker.attempt('the run', async () => Promise.reject(down))
    let ran = false
    await tracker.attempt('results.json', async () => void (ran = true))
    await tracker.attempt('model folder', async () => void (ran = true))
    expect(ran).toBe(false)
    const report = tracker.report()!
    expect(report.match(/not logged/g)).toHaveLength(1)
    expect(report).toContain('not logged: the run, results.json, model folder (Cannot reach the MLflow server at http://127.0.0.1:9')
    expect(report).toContain('mlflow server --host 127.0.0.1 --port 5000')
    expect(new Tracker(client).report()).toBeUndefined()
  })
})

describe('what a run logs', () => {
  it('score statistics and detection metrics', () => {
    const s = scoreStats([4, 1, 3, 2, Number.NaN, 0])
    expect(s).toMatchObject({mean: 2, min: 0, max: 4, p50: 2})
    expect(s.std).toBeCloseTo(Math.SQRT2, 12)
    expect(s.p95).toBeCloseTo(3.8, 12)
    const evaluation = {precision: 0.5, recall: 1, f1: 2 / 3, tp: 1, fp: 1, fn: 0, tn: 2, labelled_sessions: 4, unlabelled_sessions: 0, labels_without_session: 0}
    const m = detectionMetrics({scores: [0.1, 0.9, 0.8, 0.2], predicted: [0, 1, 1, 0], threshold: 0.5, evaluation})
    expect(m).toMatchObject({anomalies: 2, anomaly_rate: 0.5, threshold: 0.5, precision: 0.5, recall: 1, tp: 1, fp: 1, fn: 0, tn: 2})
    expect(detectionMetrics({scores: [1], predicted: [0], threshold: Number.POSITIVE_INFINITY})).not.toHaveProperty('threshold')
    expect(paramString(null)).toBe('None')
    expect(paramString(0.5)).toBe('0.5')
    expect(paramString('a,b')).toBe('a,b')
  })

  it('params, metrics, tags and the dataset of a detection on the HDFS sample', async () => {
    const output = await detect({input: sample, labelsPath: labels, detector: 'pca'})
    const params = detectParams(output)
    const pcaFeatures = detectorFeatures('pca')
    expect(params).toMatchObject({detector: 'pca', varianceRatio: '0.95', contamination: 'None', features: pcaFeatures.sets.join(','), transform: pcaFeatures.transform, format: 'hdfs', session_key: 'block', total_sessions: '360'})
    expect(Number(params.vocabulary_size)).toBeGreaterThan(5)
    const metrics = detectMetrics(output)
    for (const key of ['anomalies', 'anomaly_rate', 'score_mean', 'score_std', 'score_min', 'score_max', 'score_p50', 'score_p95', 'score_p99', 'precision', 'recall', 'f1', 'tp', 'fp', 'fn', 'tn', 'elapsed_ms', 'lines_per_second', 'read_ms', 'fit_ms', 'score_ms']) {
      expect(metrics, key).toHaveProperty(key)
      expect(Number.isFinite(metrics[key]), key).toBe(true)
    }
    expect(metrics.tp + metrics.fp + metrics.fn + metrics.tn).toBe(360)

    const dataset = await inputDataset({input: sample, columns: output.bundle.manifest.feature_columns, sessions: 360, fallbackContent: ''})
    expect(dataset.name).toBe('hdfs_sample.log')
    expect(dataset.digest.length).toBeLessThanOrEqual(36)
    expect(JSON.parse(dataset.source)).toEqual({uri: `file://${sample}`})
    expect(JSON.parse(dataset.profile!)).toMatchObject({rows: 360, columns: output.bundle.manifest.feature_columns.length})
    expect(JSON.parse(dataset.schema!).mlflow_colspec.map((c: {name: string}) => c.name)).toEqual(output.bundle.manifest.feature_columns)
  })

  it('digests a file by its head and size, within 36 characters', async () => {
    const a = path.join(tmp, 'a.log')
    writeFileSync(a, 'line one\nline two\n')
    const first = await fileDigest(a)
    expect(first).toMatch(/^[0-9a-f]{16}$/)
    expect(await fileDigest(a)).toBe(first)
    writeFileSync(a, 'line one\nline two!\n')
    expect(await fileDigest(a)).not.toBe(first)
  })

  it('tags the run with MLflow reserved names and the git commit of the repository', async () => {
    const tags = await standardTags({command: 'flare detect', runName: 'pca-x', input: sample, kind: 'detect'})
    expect(tags).toMatchObject({'mlflow.runName': 'pca-x', 'mlflow.source.name': 'flare detect', 'mlflow.source.type': 'LOCAL', dataset: 'hdfs_sample.log', 'node.version': process.version})
    expect(tags['mlflow.user']).toBeTruthy()
    expect(tags['flare.version']).toMatch(/^\d+\.\d+/)
    const commit = await gitCommit(repoRoot)
    if (commit) expect(tags['mlflow.source.git.commit']).toBe(commit)
    expect(await gitCommit(tmpdir())).toBeUndefined()
  })
})

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

describe('model references and run comparison', () => {
  it('parses models:/ URIs', () => {
    expect(parseModelsUri('models:/flare-detector@champion')).toEqual({name: 'flare-detector', alias: 'champion', version: undefined})
    expect(parseModelsUri('models:/flare-detector/3')).toEqual({name: 'flare-detector', alias: undefined, version: '3'})
    expect(() => parseModelsUri('models:/flare-detector')).toThrow(/not a registered model reference/)
    expect(() => parseModelsUri('models:/x/abc')).toThrow(/version must be a number/)
  })

  it('compares runs: only params that differ, the best by the metric', () => {
    const run = (id: string, params: Record<string, string>, metrics: Record<string, number>): Run => ({
      info: {run_id: id, experiment_id: '1', run_name: id},
      data: {params: Object.entries(params).map(([key, value]) => ({key, value})), metrics: Object.entries(metrics).map(([key, value]) => ({key, value, timestamp: 0, step: 0})), tags: []},
      inputs: {dataset_inputs: []},
    })
    const result = compareRuns('exp', [
      run('a', {detector: 'pca', format: 'hdfs', varianceRatio: '0.9'}, {f1: 0.5, anomalies: 3}),
      run('b', {detector: 'pca', format: 'hdfs', varianceRatio: '0.95'}, {f1: 0.8, anomalies: 7}),
      run('c', {detector: 'lof', format: 'hdfs', nNeighbors: '20'}, {anomalies: 2}),
    ], 'f1')
    expect(result.differing_params).toEqual(['detector', 'nNeighbors', 'varianceRatio'])
    expect(result.best_run_id).toBe('b')
    expect(result.metrics).toEqual(['f1', 'anomalies'])
    expect(result.runs.map((r) => r.best)).toEqual([false, true, false])
    expect(result.runs[2]!.params).toEqual({detector: 'lof', nNeighbors: '20'})
  })
})
