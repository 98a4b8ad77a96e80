import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {datasetDigest} from '../../src/tracking/datasets.js'
import {MlflowApiError} from '../../src/tracking/http.js'
import type {MlflowClient} from '../../src/tracking/mlflow-client.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from './mlflow-context.js'

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() warns, naming the fix (or fails under FLARE_MLFLOW_TESTS=required).
describe.skipIf(!mlflowAvailable)('MLflow runs against a real server', () => {
  let server: MlflowTestServer
  let client: MlflowClient
  let experimentId: string

  beforeAll(async () => {
    server = await useMlflowServer()
    client = server.client
    experimentId = (await client.getOrCreateExperiment(uniqueName('flare-runs'))).experiment_id
  })
  afterAll(async () => {
    await server?.close()
  })

  it('reaches the server: health and version', async () => {
    await client.health()
    expect(await client.serverVersion()).toMatch(/^3\.\d+\.\d+/)
  })

  it('gets or creates an experiment by name, once', async () => {
    const name = uniqueName('flare-exp')
    expect(await client.getExperimentByName(name)).toBeUndefined()
    const created = await client.getOrCreateExperiment(name, {tags: {team: 'sre'}})
    const again = await client.getOrCreateExperiment(name)
    expect(again.experiment_id).toBe(created.experiment_id)
    expect(created.name).toBe(name)
    expect(created.tags).toContainEqual({key: 'team', value: 'sre'})
    expect(created.artifact_location).toMatch(/^mlflow-artifacts:/)
  })

  it('maps RESOURCE_ALREADY_EXISTS to a FlareError with a hint', async () => {
    const name = uniqueName('flare-dup')
    await client.createExperiment(name)
    const error = await client.createExperiment(name).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MlflowApiError)
    const apiError = error as MlflowApiError
    expect(apiError.errorCode).toBe('RESOURCE_ALREADY_EXISTS')
    expect(apiError.status).toBe(400)
    expect(apiError.exitCode).toBe(4)
    expect(apiError.message).toContain(`create experiment "${name}"`)
    expect(apiError.hint).toMatch(/another name/)
  })

  it('maps RESOURCE_DOES_NOT_EXIST for an unknown run', async () => {
    const error = (await client.getRun('0123456789abcdef0123456789abcdef').catch((e: unknown) => e)) as MlflowApiError
    expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST')
    expect(error.status).toBe(404)
    expect(error.message).toMatch(/get run 0123456789abcdef/)
  })

  it('creates a run with tags and start time, then finishes it', async () => {
    const startTime = Date.UTC(2024, 0, 2, 3, 4, 5)
    const run = await client.createRun({experimentId, runName: 'detect-hdfs', startTime, tags: {'flare.command': 'detect'}})
    expect(run.info.status).toBe('RUNNING')
    expect(run.info.start_time).toBe(startTime)
    expect(run.info.run_name).toBe('detect-hdfs')
    expect(run.data.tags).toContainEqual({key: 'flare.command', value: 'detect'})

    const info = await client.endRun(run.info.run_id, 'FINISHED', startTime + 60_000)
    expect(info.status).toBe('FINISHED')
    const fetched = await client.getRun(run.info.run_id)
    expect(fetched.info.status).toBe('FINISHED')
    expect(fetched.info.end_time).toBe(startTime + 60_000)
  })

  it('chunks a batch of 1500 metrics, 250 params and 120 tags and every value arrives', async () => {
    const run = await client.createRun({experimentId})
    const runId = run.info.run_id
    const metrics = Array.from({length: 1500}, (_, step) => ({key: 'loss', value: 1 / (step + 1), step, timestamp: 1_700_000_000_000 + step}))
    metrics.push({key: 'nan_metric', value: Number.NaN, step: 0, timestamp: 1_700_000_000_000})
    const params = Object.fromEntries(Array.from({length: 250}, (_, i) => [`p${i}`, `v${i}`]))
    const tags = Object.fromEntries(Array.from({length: 120}, (_, i) => [`t${i}`, `tag ${i}`]))

    const calls = await client.logBatch(runId, {metrics, params, tags})
    // 250 params need 3 calls at 100 per call; the 1501 metrics fit in the room left beside them.
    expect(calls).toBe(3)

    const fetched = await client.getRun(runId)
    expect(fetched.data.params).toHaveLength(250)
    expect(new Map(fetched.data.params.map((p) => [p.key, p.value])).get('p249')).toBe('v249')
    expect(fetched.data.tags.filter((t) => t.key.startsWith('t'))).toHaveLength(120)
    const history = await client.getMetricHistory(runId, 'loss')
    expect(history).toHaveLength(1500)
    expect(history.map((m) => m.step).sort((a, b) => a - b).at(-1)).toBe(1499)
    expect(history.find((m) => m.step === 3)?.value).toBeCloseTo(0.25)
    expect(Number.isNaN(fetched.data.metrics.find((m) => m.key === 'nan_metric')?.value)).toBe(true)
  })

  it('refuses to change a logged param with INVALID_PARAMETER_VALUE', async () => {
    const run = await client.createRun({experimentId})
    await client.logBatch(run.info.run_id, {params: {threshold: '0.5'}})
    const error = (await client.logBatch(run.info.run_id, {params: {threshold: '0.7'}}).catch((e: unknown) => e)) as MlflowApiError
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE')
    expect(error.hint).toMatch(/write-once/)
  })

  it('logs dataset lineage that shows on get-run with its digest', async () => {
    const run = await client.createRun({experimentId})
    const digest = datasetDigest(Buffer.from('081109 203615 148 INFO dfs.DataNode: Receiving block blk_1'))
    expect(digest.length).toBeLessThanOrEqual(36)
    await client.logInputs(run.info.run_id, [
      {
        context: 'training',
        dataset: {
          name: 'hdfs-sample',
          digest,
          source_type: 'local',
          source: JSON.stringify({uri: 'file:///data/hdfs.log'}),
          schema: JSON.stringify({mlflow_colspec: [{type: 'double', name: 'E1'}]}),
          profile: JSON.stringify({num_rows: 10, num_elements: 10}),
        },
      },
    ])
    const fetched = await client.getRun(run.info.run_id)
    const input = fetched.inputs.dataset_inputs[0]
    expect(input?.dataset.name).toBe('hdfs-sample')
    expect(input?.dataset.digest).toBe(digest)
    expect(input?.dataset.source_type).toBe('local')
    expect(JSON.parse(input?.dataset.profile ?? '{}')).toEqual({num_rows: 10, num_elements: 10})
    expect(input?.tags).toContainEqual({key: 'mlflow.data.context', value: 'training'})
  })

  it('rejects a digest longer than 36 characters before calling the server', async () => {
    const dataset = {name: 'x', digest: 'a'.repeat(37), source_type: 'local', source: '{}'}
    await expect(client.logInputs('no-such-run', [{dataset}])).rejects.toThrow(/36 characters/)
  })

  it('searches runs with a filter, order and paging', async () => {
    const exp = (await client.getOrCreateExperiment(uniqueName('flare-search'))).experiment_id
    for (let i = 0; i < 7; i++) {
      const run = await client.createRun({experimentId: exp, runName: `r${i}`, tags: {detector: i % 2 === 0 ? 'iforest' : 'pca'}})
      await client.logBatch(run.info.run_id, {metrics: [{key: 'f1', value: i / 10}]})
    }
    const filter = "tags.detector = 'iforest'"
    const first = await client.searchRuns({experimentIds: [exp], filter, orderBy: ['metrics.f1 DESC'], maxResults: 3})
    expect(first.items).toHaveLength(3)
    expect(first.nextPageToken).toBeTruthy()
    const second = await client.searchRuns({experimentIds: [exp], filter, orderBy: ['metrics.f1 DESC'], maxResults: 3, pageToken: first.nextPageToken})
    expect(second.items.map((r) => r.info.run_name)).toEqual(['r0'])
    expect(second.nextPageToken).toBeUndefined()
    expect(first.items.map((r) => r.info.run_name)).toEqual(['r6', 'r4', 'r2'])

    const all = await client.searchAllRuns({experimentIds: [exp], maxResults: 2})
    expect(all).toHaveLength(7)
    expect(new Set(all.map((r) => r.info.run_id)).size).toBe(7)
  })
})

reportMlflowMissing()
