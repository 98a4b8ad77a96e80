import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderConfusionMatrix} from '../../src/tracking/charts.js'
import type {MlflowApiError} from '../../src/tracking/http.js'
import type {MlflowClient} from '../../src/tracking/mlflow-client.js'
import {logModelFolder} from '../../src/tracking/model-folder.js'
import {mlflowBinary} from '../helpers/mlflow-server.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from './mlflow-context.js'
import {pngInfo} from './png.js'

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() warns, naming the fix (or fails under FLARE_MLFLOW_TESTS=required).
describe.skipIf(!mlflowAvailable)('MLflow artifacts and registry against a real server', () => {
  let server: MlflowTestServer
  let client: MlflowClient
  let experimentId: string
  let bundleDir: string

  beforeAll(async () => {
    server = await useMlflowServer()
    client = server.client
    experimentId = (await client.getOrCreateExperiment(uniqueName('flare-artifacts'))).experiment_id
    bundleDir = mkdtempSync(path.join(tmpdir(), 'flare-bundle-'))
    writeFileSync(path.join(bundleDir, 'bundle.json'), JSON.stringify({kind: 'flare-model', detector: 'iforest'}))
    writeFileSync(path.join(bundleDir, 'detector.json'), JSON.stringify({trees: [1, 2, 3]}))
  })
  afterAll(async () => {
    await server?.close()
    if (bundleDir) rmSync(bundleDir, {recursive: true, force: true})
  })

  it('uploads a chart PNG, lists it and downloads the same bytes', async () => {
    const run = await client.createRun({experimentId})
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${run.info.run_id}/artifacts`)
    const png = renderConfusionMatrix({tp: 40, fp: 3, fn: 5, tn: 900}, {width: 500, height: 400})
    await client.uploadArtifact(run.info.run_id, 'charts/confusion matrix.png', png)
    await client.uploadArtifact({artifactUri: run.info.artifact_uri!}, 'summary.json', '{"f1": 0.9}')

    const top = await client.listArtifacts(run.info.run_id)
    expect(top.map((f) => [f.path, f.is_dir])).toEqual([
      ['charts', true],
      ['summary.json', false],
    ])
    const charts = await client.listArtifacts(run.info.run_id, 'charts')
    expect(charts).toEqual([{path: 'charts/confusion matrix.png', is_dir: false, file_size: png.length}])

    const back = await client.downloadArtifact(run.info.run_id, 'charts/confusion matrix.png')
    expect(back.equals(png)).toBe(true)
    expect(pngInfo(back)).toMatchObject({width: 500, height: 400})
    expect((await client.downloadArtifact(run.info.run_id, 'summary.json')).toString()).toBe('{"f1": 0.9}')
  })

  it('reports a missing artifact as RESOURCE_DOES_NOT_EXIST or 404', async () => {
    const run = await client.createRun({experimentId})
    const error = (await client.downloadArtifact(run.info.run_id, 'nope.txt').catch((e: unknown) => e)) as MlflowApiError
    expect(error.status).toBe(404)
    expect(error.message).toMatch(/download artifact nope.txt/)
  })

  it('logs a model folder, registers a version from the run and points an alias at it', async () => {
    const run = await client.createRun({experimentId})
    const runId = run.info.run_id
    const logged = await logModelFolder(client, runId, {
      bundleDir,
      detector: 'iforest',
      flareVersion: '0.1.0',
      featureColumns: ['E1', 'E2', 'E3'],
      flavorExtras: {threshold: 0.42},
    })
    // MLflow 3: a LoggedModel of the run holds the folder; the run keeps a copy under model/
    expect(logged.modelId).toMatch(/^m-/)
    expect(logged.source).toBe(`${run.info.artifact_uri.replace(/\/[0-9a-f]{32}\/artifacts$/, '')}/models/${logged.modelId}/artifacts`)
    expect(logged.files).toEqual(['model/MLmodel', 'model/bundle/bundle.json', 'model/bundle/detector.json'])
    const files = await client.listArtifactsRecursive(runId)
    expect(files.map((f) => f.path).sort()).toEqual(['model/MLmodel', 'model/bundle/bundle.json', 'model/bundle/detector.json'])
    const mlmodel = (await client.downloadArtifact(runId, 'model/MLmodel')).toString()
    expect(mlmodel).toMatch(new RegExp(`^run_id: '?${runId}'?$`, 'm'))
    expect(mlmodel).toMatch(/^mlflow_version: '3\.\d+/m)

    const name = uniqueName('flare-model')
    const registered = await client.createRegisteredModel(name, {description: 'HDFS detector', tags: {team: 'sre'}})
    expect(registered.name).toBe(name)
    const v1 = await client.createModelVersion(name, logged.source, runId, {tags: {f1: '0.91'}, modelId: logged.modelId})
    expect(v1.version).toBe('1')
    expect(v1.run_id).toBe(runId)
    expect(v1.source).toBe(logged.source)
    const v2 = await client.createModelVersion(name, `runs:/${runId}/model`, runId)
    expect(v2.version).toBe('2')

    await client.setAlias(name, 'champion', v1.version)
    expect((await client.getModelVersionByAlias(name, 'champion')).version).toBe('1')
    await client.setAlias(name, 'champion', 2)
    expect((await client.getModelVersionByAlias(name, 'champion')).version).toBe('2')
    expect((await client.getRegisteredModel(name)).aliases).toEqual([{alias: 'champion', version: '2'}])
    expect((await client.getModelVersion(name, 2)).aliases).toEqual(['champion'])

    await client.deleteAlias(name, 'champion')
    const gone = (await client.getModelVersionByAlias(name, 'champion').catch((e: unknown) => e)) as MlflowApiError
    expect(gone.errorCode).toBe('INVALID_PARAMETER_VALUE')
    expect(gone.message).toMatch(/alias champion not found/)
    expect(await client.findModelVersionByAlias(name, 'champion')).toBeUndefined()
    const noModel = (await client.findModelVersionByAlias(uniqueName('no-such-model'), 'champion').catch((e: unknown) => e)) as MlflowApiError
    expect(noModel.errorCode).toBe('RESOURCE_DOES_NOT_EXIST')

    const staged = await client.transitionStage(name, 1, 'Staging')
    expect(staged.current_stage).toBe('Staging')

    const versions = await client.searchAllModelVersions({filter: `name = '${name}'`})
    expect(versions.map((v) => v.version).sort()).toEqual(['1', '2'])
    const models = await client.searchRegisteredModels({filter: `name = '${name}'`})
    expect(models.items.map((m) => m.name)).toEqual([name])
    const again = await client.getOrCreateRegisteredModel(name)
    expect(again.tags).toContainEqual({key: 'team', value: 'sre'})
  })

  it('refuses a version whose source lies outside the given run', async () => {
    const a = await client.createRun({experimentId})
    const b = await client.createRun({experimentId})
    const name = uniqueName('flare-model')
    await client.createRegisteredModel(name)
    const error = (await client.createModelVersion(name, `${a.info.artifact_uri}/model`, b.info.run_id).catch((e: unknown) => e)) as MlflowApiError
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toMatch(/source/i)
  })

  const python = path.resolve(path.dirname(mlflowBinary() ?? '/nonexistent'), 'python')
  // Reason: loading the model back needs the python of the mlflow venv; skipped when mlflow came without one.
  it.skipIf(!existsSync(python))('writes an MLmodel that MLflow itself loads, signature included', async () => {
    const run = await client.createRun({experimentId})
    await logModelFolder(client, run.info.run_id, {bundleDir, detector: 'iforest', flareVersion: '0.1.0', featureColumns: ['E1', "it's E2"]})
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-mlmodel-'))
    mkdirSync(dir, {recursive: true})
    writeFileSync(path.join(dir, 'MLmodel'), await client.downloadArtifact(run.info.run_id, 'model/MLmodel'))
    const script = [
      'import json, sys',
      'from mlflow.models import Model',
      'm = Model.load(sys.argv[1])',
      'print(json.dumps({"inputs": m.signature.inputs.input_names(), "outputs": m.signature.outputs.input_names(),',
      '  "types": [t.name for t in m.signature.inputs.input_types()], "flavor": m.flavors["flare"], "run_id": m.run_id}))',
    ].join('\n')
    const out = JSON.parse(execFileSync(python, ['-c', script, path.join(dir, 'MLmodel')], {encoding: 'utf8'}))
    rmSync(dir, {recursive: true, force: true})
    expect(out.inputs).toEqual(['E1', "it's E2"])
    expect(out.outputs).toEqual(['score', 'anomaly'])
    expect(out.types).toEqual(['double', 'double'])
    expect(out.flavor).toEqual({bundle: 'bundle', detector: 'iforest', version: '0.1.0'})
    expect(out.run_id).toBe(run.info.run_id)
  })
})

reportMlflowMissing()
