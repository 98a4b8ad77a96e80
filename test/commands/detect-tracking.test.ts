import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {createServer, request, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {detect} from '../../src/core/pipeline.js'
import {Results} from '../../src/core/results.js'
import {detectMetrics} from '../../src/tracking/detect-run.js'
import {detectTrackingClient} from '../../src/tracking/env-client.js'
import {MlflowClient} from '../../src/tracking/mlflow-client.js'
import type {Run} from '../../src/tracking/types.js'
import {trackDetection} from '../../src/ui/detect-tracking.js'
import {TRACKING_OFF_LINE} from '../../src/ui/mlflow-flags.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {freePort, mlflowBinary} from '../helpers/mlflow-server.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from '../tracking/mlflow-context.js'
import {pngInfo} from '../tracking/png.js'
import {detectorFeatures} from '../../src/core/detect/registry.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-detect-tracking-'))
const detectArgs = ['detect', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv']

const param = (run: Run, key: string) => run.data.params.find((p) => p.key === key)?.value
const metric = (run: Run, key: string) => run.data.metrics.find((m) => m.key === key)?.value
const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value

const servers: Server[] = []
async function listen(handler: Parameters<typeof createServer>[0]): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

/** Results on disk, exit 0, and exactly one warning, at the end, saying what was not logged. */
function expectWorkKept(r: {code: number; stdout: string; stderr: string}, out: string): string {
  expect(r.code, r.stderr).toBe(0)
  const results = Results.parse(JSON.parse(readFileSync(out, 'utf8')))
  expect(results.summary.sessions).toBe(360)
  expect(results.evaluation!.f1).toBeGreaterThan(0.9)
  const warnings = r.stderr.split('\n').filter((l) => /warning/i.test(l))
  expect(warnings, r.stderr).toHaveLength(1)
  expect(r.stderr.trimEnd().endsWith(warnings[0]!)).toBe(true)
  expect(r.stderr).not.toMatch(/\n\s+at /)
  return warnings[0]!
}

/** `flare detect --labels` on the HDFS sample, computed once, in-process. */
let labelledOutput: Promise<Awaited<ReturnType<typeof detect>>> | undefined
const labelledDetection = () => (labelledOutput ??= detect({input: path.join(repoRoot, 'data/hdfs_sample.log'), labelsPath: path.join(repoRoot, 'data/hdfs_sample_labels.csv')}))

/** trackDetection as `flare detect` calls it, against `uri`, with 1 ms retry delays: the lines it prints. */
async function track(uri: string, flags: {experiment?: string} = {}): Promise<{logged: string[]; warned: string[]}> {
  const logged: string[] = []
  const warned: string[] = []
  const client = MlflowClient.fromEnv({MLFLOW_TRACKING_URI: uri, FLARE_MLFLOW_RETRY_DELAY_MS: '1'})
  await trackDetection(client, {track: true, input: 'data/hdfs_sample.log', ...flags}, await labelledDetection(), {log: (l) => logged.push(l), warn: (l) => warned.push(l), json: false})
  return {logged, warned}
}

describe('flare detect without an MLflow server', () => {
  it('says once, dimly, that tracking is off and how to turn it on (built CLI)', async () => {
    const r = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--json'], {env: {FORCE_COLOR: '1'}})
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stderr.split('\n').filter((l) => /MLflow/.test(l))
    expect(lines).toEqual(['\u001B[2mMLflow tracking is off: set MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:5000) to log this run, or pass --no-track to hide this line.\u001B[22m'])
  })

  it('--no-track silences the line; --register without a server or with --no-track is a usage error', async () => {
    const output = await detect({input: path.join(repoRoot, 'data/hdfs_sample.log')})
    const warned: string[] = []
    const io = {log: () => {}, warn: (line: string) => warned.push(line), json: true}
    expect(await trackDetection(undefined, {track: false, input: 'x'}, output, io)).toBeUndefined()
    expect(warned).toEqual([])
    await trackDetection(detectTrackingClient({track: true}, {}), {track: true, input: 'x'}, output, io)
    expect(warned.map((w) => w.replace(/\u001B\[\d+m/g, ''))).toEqual([TRACKING_OFF_LINE])
    expect(() => detectTrackingClient({track: true, register: 'x'}, {})).toThrow(/--register x needs an MLflow server/)
    expect(() => detectTrackingClient({track: false, register: 'x'}, {})).toThrow(FlareError)
  })

  it('keeps its results when the tracking URI points at a closed port: exit 0, one warning naming what was not logged', async () => {
    const uri = `http://127.0.0.1:${await freePort()}`
    const out = path.join(tmp, 'closed.json')
    const r = await runCli([...detectArgs, '-o', out], {env: {MLFLOW_TRACKING_URI: uri}})
    const warning = expectWorkKept(r, out)
    expect(warning).toContain(`MLflow at ${uri}: not logged: the whole run (params, metrics, tags, dataset, artifacts, model)`)
    expect(warning).toContain('connection refused')
    expect(warning).toContain('mlflow server --host 127.0.0.1 --port 5000')
  })

  it('keeps its results when the server answers 500 to everything', async () => {
    let calls = 0
    const uri = await listen((_req, res) => {
      calls++
      res.writeHead(500, {'content-type': 'application/json'})
      res.end(JSON.stringify({error_code: 'INTERNAL_ERROR', message: 'database is locked'}))
    })
    const {logged, warned} = await track(uri)
    expect(logged).toEqual([])
    expect(warned).toHaveLength(1)
    const warning = warned[0]!
    expect(warning).toContain('not logged: the whole run')
    expect(warning).toContain('database is locked (HTTP 500 after 5 tries)')
    // retried with backoff, then nothing more was tried against a failing server
    expect(calls).toBe(5)
  })
})

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() registers a placeholder naming the fix.
describe.skipIf(!mlflowAvailable)('flare detect with MLflow tracking (real server)', () => {
  let server: MlflowTestServer
  let client: MlflowClient
  const experiment = uniqueName('flare-detection')
  const model = uniqueName('flare-detect-model')

  beforeAll(async () => {
    server = await useMlflowServer()
    client = server.client
  })
  afterAll(async () => {
    await server?.close()
  })

  it('logs one run with params, metrics, tags, the dataset, artifacts and the model folder; --register adds a version', async () => {
    const output = await detect({input: path.join(repoRoot, 'data/hdfs_sample.log'), labelsPath: path.join(repoRoot, 'data/hdfs_sample_labels.csv'), detector: 'pca'})
    const results = output.results
    const logged: string[] = []
    const warned: string[] = []
    const fresh = MlflowClient.fromEnv({MLFLOW_TRACKING_URI: server.uri})
    await trackDetection(fresh, {track: true, input: 'data/hdfs_sample.log', experiment, register: model}, output, {log: (l) => logged.push(l), warn: (l) => warned.push(l), json: false})
    expect(warned).toEqual([])
    expect(logged.join('\n')).toMatch(/logged to MLflow: http:\/\/127\.0\.0\.1:\d+\/#\/experiments\/\d+\/runs\/[0-9a-f]{32}/)
    expect(logged.join('\n')).toContain(`registered ${model} version 1`)

    const exp = (await client.getExperimentByName(experiment))!
    const runs = await client.searchAllRuns({experimentIds: [exp.experiment_id]})
    expect(runs).toHaveLength(1)
    const run = runs[0]!
    expect(run.info.status).toBe('FINISHED')
    expect(param(run, 'detector')).toBe('pca')
    expect(param(run, 'varianceRatio')).toBe('0.95')
    expect(param(run, 'features')).toBe(detectorFeatures('pca').sets.join(','))
    expect(param(run, 'transform')).toBe(detectorFeatures('pca').transform)
    expect(param(run, 'format')).toBe('hdfs')
    expect(param(run, 'session_key')).toBe('block')
    expect(param(run, 'total_sessions')).toBe('360')
    expect(Number(param(run, 'vocabulary_size'))).toBe(results.summary.templates)
    expect(metric(run, 'anomalies')).toBe(results.summary.anomalies)
    expect(metric(run, 'f1')).toBeCloseTo(results.evaluation!.f1, 12)
    expect(metric(run, 'tp')).toBe(results.evaluation!.tp)
    expect(metric(run, 'elapsed_ms')).toBe(results.summary.elapsed_ms)
    const expected = detectMetrics(output)
    for (const key of ['anomaly_rate', 'score_mean', 'score_std', 'score_min', 'score_max', 'score_p50', 'score_p95', 'score_p99', 'precision', 'recall', 'fp', 'fn', 'tn', 'lines_per_second', 'read_ms', 'features_ms', 'fit_ms', 'score_ms']) {
      expect(metric(run, key), key).toBeCloseTo(expected[key]!, 9)
    }
    expect(tag(run, 'mlflow.source.name')).toBe('flare detect')
    expect(tag(run, 'mlflow.source.type')).toBe('LOCAL')
    expect(tag(run, 'mlflow.runName')).toBe('pca-hdfs_sample.log')
    expect(tag(run, 'dataset')).toBe('hdfs_sample.log')
    expect(tag(run, 'flare.version')).toMatch(/^\d+\.\d+\.\d+/)
    expect(tag(run, 'node.version')).toBe(process.version)
    if (existsSync(path.join(process.cwd(), '.git'))) expect(tag(run, 'mlflow.source.git.commit')).toMatch(/^[0-9a-f]{40}$/)
    const input = run.inputs.dataset_inputs[0]!
    expect(input.dataset).toMatchObject({name: 'hdfs_sample.log', source_type: 'local'})
    expect(input.dataset.digest.length).toBeLessThanOrEqual(36)
    expect(JSON.parse(input.dataset.source).uri).toMatch(/^file:\/\/.*\/data\/hdfs_sample\.log$/)
    expect(JSON.parse(input.dataset.profile!)).toMatchObject({num_rows: 360})

    const files = (await client.listArtifactsRecursive(run.info.run_id)).map((f) => f.path)
    expect(files).toEqual(expect.arrayContaining(['results.json', 'vocab.json', 'confusion_matrix.png', 'score_histogram.png', 'model/MLmodel', 'model/bundle/bundle.json']))
    expect(Results.parse(JSON.parse((await client.downloadArtifact(run.info.run_id, 'results.json')).toString())).anomalies).toEqual(results.anomalies)
    expect(pngInfo(await client.downloadArtifact(run.info.run_id, 'confusion_matrix.png')).width).toBeGreaterThan(100)
    expect(pngInfo(await client.downloadArtifact(run.info.run_id, 'score_histogram.png')).width).toBeGreaterThan(100)
    expect((await client.downloadArtifact(run.info.run_id, 'model/MLmodel')).toString()).toMatch(/^ {2}flare:\n(?: {4}.*\n)* {4}detector: pca$/m)

    const version = await client.getModelVersion(model, 1)
    expect(version.run_id).toBe(run.info.run_id)
  })

  it('is a proper MLflow 3 model: a LoggedModel linked to its run and version, an ML experiment, a user on the run', async () => {
    const mlExperiment = uniqueName('flare-ml-kind')
    const registered = uniqueName('flare-logged-model')
    const r = await runCli([...detectArgs, '--experiment', mlExperiment, '--register', registered, '--json'], {env: {MLFLOW_TRACKING_URI: server.uri}})
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    // --json carries the run, the LoggedModel and the new version
    expect(doc.mlflow).toMatchObject({run_id: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'FINISHED', model_id: expect.stringMatching(/^m-/), registered: {name: registered, version: '1'}})

    const exp = (await client.getExperimentByName(mlExperiment))!
    expect(exp.tags?.find((t) => t.key === 'mlflow.experimentKind')?.value).toBe('custom_model_development')
    const run = await client.getRun(doc.mlflow.run_id)
    expect(run.info.user_id).toBeTruthy()
    expect(run.info.user_id).toBe(tag(run, 'mlflow.user'))

    const models = await client.searchLoggedModels({experimentIds: [exp.experiment_id]})
    expect(models.map((m) => m.info.model_id)).toEqual([doc.mlflow.model_id])
    const logged = models[0]!
    expect(logged.info).toMatchObject({source_run_id: run.info.run_id, status: 'LOGGED_MODEL_READY', name: 'flare-invariants-mining'})
    expect(logged.info.artifact_uri).toMatch(new RegExp(`/models/${doc.mlflow.model_id}/artifacts$`))
    // its artifacts are a loadable model folder
    const mlmodel = (await client.downloadArtifact({artifactUri: logged.info.artifact_uri!}, 'MLmodel')).toString()
    expect(mlmodel).toContain(`model_id: ${doc.mlflow.model_id}`)
    expect(mlmodel).toMatch(new RegExp(`^run_id: '?${run.info.run_id}'?$`, 'm'))

    // the version is registered from the LoggedModel, and the LoggedModel lists the version (MLflow
    // 3.17's REST answer leaves ModelVersion.model_id out; source models:/m-… is how its UI links them)
    const version = await client.getModelVersion(registered, 1)
    expect(version.source).toBe(`models:/${doc.mlflow.model_id}`)
    expect(version.run_id).toBe(run.info.run_id)
    const linked = await client.getLoggedModel(doc.mlflow.model_id)
    expect(JSON.parse(linked.info.tags.find((t) => t.key === 'mlflow.modelVersions')!.value).map((v: {name: string; version: unknown}) => ({name: v.name, version: String(v.version)}))).toEqual([{name: registered, version: '1'}])
    // MLflow's own Python client, as a user of the UI or the SDK would look
    const python = path.join(path.dirname(mlflowBinary()!), 'python')
    const script = [
      'import json, sys, mlflow',
      'from mlflow import MlflowClient',
      'mlflow.set_tracking_uri(sys.argv[1])',
      'c = MlflowClient()',
      'exp = c.get_experiment_by_name(sys.argv[2])',
      'models = mlflow.search_logged_models(experiment_ids=[exp.experiment_id], output_format="list")',
      'run = c.get_run(sys.argv[3])',
      'print(json.dumps({"models": [m.model_id for m in models], "source_run": [m.source_run_id for m in models], "user": run.info.user_id, "kind": exp.tags.get("mlflow.experimentKind"), "run_outputs": [o.model_id for o in (run.outputs.model_outputs if run.outputs else [])]}))',
    ].join('\n')
    const judged = spawnSync(python, ['-c', script, server.uri, mlExperiment, doc.mlflow.run_id], {encoding: 'utf8', timeout: 120_000})
    expect(judged.status, judged.stderr).toBe(0)
    expect(JSON.parse(judged.stdout.trim().split('\n').pop()!)).toEqual({models: [doc.mlflow.model_id], source_run: [doc.mlflow.run_id], user: run.info.user_id, kind: 'custom_model_development', run_outputs: [doc.mlflow.model_id]})

    // and scoring with the registered version still works from the LoggedModel's folder
    const scored = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '--model', `models:/${registered}/1`, '--no-track', '--json'], {env: {MLFLOW_TRACKING_URI: server.uri}})
    expect(scored.code, scored.stderr).toBe(0)
    expect(JSON.parse(scored.stdout).evaluation.f1).toBe(doc.evaluation.f1)
  })

  it('logs what it can when only artifact uploads fail, and names the rest once', async () => {
    // A proxy in front of the real server that fails every artifact upload with a 500.
    const target = new URL(server.uri)
    const uri = await listen((req, res) => {
      if (req.method === 'PUT' && req.url?.includes('/mlflow-artifacts/')) {
        req.resume()
        res.writeHead(500, {'content-type': 'text/html'})
        res.end('<html><title>502 Bad Gateway</title></html>')
        return
      }
      const upstream = request({host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers}, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      req.pipe(upstream)
    })
    const {warned} = await track(uri, {experiment})
    expect(warned).toHaveLength(1)
    const warning = warned[0]!
    expect(warning).toMatch(/run http:\/\/127\.0\.0\.1:\d+\/#\/experiments\/\d+\/runs\/\w+\S* logged in part and marked FAILED/)
    expect(warning).toContain('not logged: results.json')
    expect(warning).toContain('model folder')
    expect(warning).toContain('502 Bad Gateway')
    expect(warning).not.toContain('params, metrics and tags')

    const exp = (await client.getExperimentByName(experiment))!
    const runs = await client.searchAllRuns({experimentIds: [exp.experiment_id], orderBy: ['attributes.start_time DESC']})
    const run = runs[0]!
    expect(param(run, 'detector')).toBe('invariants-mining')
    expect(metric(run, 'f1')).toBe(1)
    expect(run.info.status).toBe('FAILED')
    expect(await client.listArtifacts(run.info.run_id)).toEqual([])
  })
})

reportMlflowMissing()
