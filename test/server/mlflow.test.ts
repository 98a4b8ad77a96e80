import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startFaultyMlflowServer, type FaultyMlflowServer} from '../helpers/faulty-mlflow-server.js'
import {mlflowAvailable, reportMlflowMissing, uniqueName, useMlflowServer, type MlflowTestServer} from '../tracking/mlflow-context.js'
import {hdfsSample, postJson, startServer, tempDir, type RunningServer} from './helpers.js'

const log = hdfsSample.split('\n').slice(0, 2000).join('\n')

/** The server's environment: nothing from the developer's shell, MLflow as the test says. */
function envWith(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = {...process.env}
  for (const key of Object.keys(env)) if (/^(MLFLOW_|FLARE_MLFLOW|ANTHROPIC_|OPENAI_|FLARE_PROVIDER)/.test(key)) delete env[key]
  return {...env, ...vars}
}

describe('flare serve logs analyses to a real MLflow server', () => {
  reportMlflowMissing()
  if (!mlflowAvailable) return
  let mlflow: MlflowTestServer
  let server: RunningServer
  const db = tempDir()
  const experiment = uniqueName('serve')

  beforeAll(async () => {
    mlflow = await useMlflowServer()
    server = await startServer({dbPath: `${db.dir}/history.db`, experiment, trackWaitMs: 30_000, env: envWith({MLFLOW_TRACKING_URI: mlflow.uri})})
  })
  afterAll(async () => {
    await server?.close()
    await mlflow?.close()
    db.remove()
  })

  it('/detect: a run with the detector params, detection metrics and source=serve tags', async () => {
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: log})
    expect(status).toBe(200)
    expect(body.mlflow.status).toBe('logged')
    expect(body.mlflow.error).toBeNull()
    const run = await mlflow.client.getRun(body.mlflow.run_id)
    expect(body.mlflow.url).toBe(`${mlflow.uri}/#/experiments/${run.info.experiment_id}/runs/${run.info.run_id}?workflowType=machine_learning`)
    expect(run.info.status).toBe('FINISHED')
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]))
    expect(tags['flare.source']).toBe('serve')
    expect(tags['flare.endpoint']).toBe('/detect')
    expect(tags['flare.history_run']).toBe(String(body.run_id))
    expect(tags['flare.detector']).toBe(body.summary.detector)
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]))
    expect(params.detector).toBe(body.summary.detector)
    expect(params.total_sessions).toBe(String(body.summary.sessions))
    const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]))
    expect(metrics.lines).toBe(body.summary.lines)
    expect(metrics.incidents).toBe(body.summary.incidents)
  })

  it('/detect/upload: the uploaded file is a run too, named by its file', async () => {
    const form = new FormData()
    form.append('file', new Blob([log]), 'hdfs-part.log')
    const response = await fetch(`${server.url}/detect/upload`, {method: 'POST', body: form})
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.mlflow.status).toBe('logged')
    const tags = Object.fromEntries(((await mlflow.client.getRun(body.mlflow.run_id)).data.tags ?? []).map((t) => [t.key, t.value]))
    expect(tags['flare.endpoint']).toBe('/detect/upload')
    expect(tags.dataset).toBe('hdfs-part.log')
  })

  it('/analyze: the run also carries how the explanations went; /health says tracking is on', async () => {
    const {status, body} = await postJson(`${server.url}/analyze`, {log_text: log})
    expect(status).toBe(200)
    expect(body.mlflow.status).toBe('logged')
    const run = await mlflow.client.getRun(body.mlflow.run_id)
    const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]))
    expect(metrics.summaries_ok).toBe(body.summaries.totals.ok)
    expect(Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]))['flare.endpoint']).toBe('/analyze')
    const health = await (await fetch(`${server.url}/health`)).json()
    expect(health.mlflow).toMatchObject({configured: true, tracking: true, experiment})
  })
})

describe('a failing MLflow costs the run, never the analysis', () => {
  const servers: Array<{close: () => Promise<void>}> = []
  afterAll(async () => {
    for (const s of servers.reverse()) await s.close()
  })
  const start = async (uri: string, trackWaitMs: number) => {
    const server = await startServer({trackWaitMs, env: envWith({MLFLOW_TRACKING_URI: uri, FLARE_MLFLOW_RETRY_DELAY_MS: '20', FLARE_MLFLOW_TIMEOUT: '3'})})
    servers.push(server)
    return server
  }

  it('a server answering 500: the analysis answers, the run is reported failed, no credentials leak', async () => {
    const faulty: FaultyMlflowServer = await startFaultyMlflowServer('500')
    servers.push(faulty)
    const server = await start(faulty.url.replace('http://', 'http://alice:s3cretpass@'), 10_000)
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: log})
    expect(status).toBe(200)
    expect(body.summary.lines).toBe(2000)
    expect(body.mlflow.status).toBe('failed')
    expect(body.mlflow.error).toContain('stand-in 500')
    expect(JSON.stringify(body)).not.toContain('s3cretpass')
    expect(faulty.requests.length).toBeGreaterThan(0)
    expect(faulty.requests[0]!.authorization).toMatch(/^Basic /)
  })

  it('a server that never answers: the response leaves after the wait, the run still pending', async () => {
    const faulty = await startFaultyMlflowServer('hang')
    servers.push(faulty)
    const server = await start(faulty.url, 300)
    const started = Date.now()
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: log})
    expect(status).toBe(200)
    expect(body.mlflow).toEqual({status: 'pending', run_id: null, url: null, error: null})
    // detection of 2,000 lines takes a few seconds here; the hanging server adds at most the wait
    expect(Date.now() - started).toBeLessThan(20_000)
    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
  })

  it('nothing listening: reported failed at once', async () => {
    const faulty = await startFaultyMlflowServer('500')
    const url = faulty.url
    await faulty.close()
    const server = await start(url, 10_000)
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: log})
    expect(status).toBe(200)
    expect(body.mlflow.status).toBe('failed')
    expect(body.mlflow.error).toMatch(/MLflow at http:\/\/127\.0\.0\.1/)
  })

  it('without MLFLOW_TRACKING_URI nothing is tracked', async () => {
    const server = await startServer({})
    servers.push(server)
    const {body} = await postJson(`${server.url}/detect`, {log_text: log})
    expect(body.mlflow).toEqual({status: 'off', run_id: null, url: null, error: null})
  })
})
