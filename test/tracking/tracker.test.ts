import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {detectorFeatures} from '../../src/core/detect/registry.js'
import {detect} from '../../src/core/pipeline.js'
import {compareRuns} from '../../src/tracking/compare-runs.js'
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
  it('param strings as MLflow shows them', () => {
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
    expect(JSON.parse(dataset.profile!)).toEqual({num_rows: 360, num_features: output.bundle.manifest.feature_columns.length})
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
