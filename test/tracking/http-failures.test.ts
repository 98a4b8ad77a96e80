import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {MlflowApiError} from '../../src/tracking/http.js'
import {MlflowClient} from '../../src/tracking/mlflow-client.js'
import {freePort} from '../helpers/mlflow-server.js'

type Handler = (req: IncomingMessage, res: ServerResponse, count: number, body: string) => void

interface FakeServer {
  uri: string
  requests: {method?: string; url?: string; headers: IncomingMessage['headers']; body: string}[]
  close(): Promise<void>
}

const open: FakeServer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

/** A stand-in server on 127.0.0.1 that answers each request as `handler` says and records them. */
async function fakeServer(handler: Handler): Promise<FakeServer> {
  const requests: FakeServer['requests'] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      requests.push({method: req.method, url: req.url, headers: req.headers, body})
      handler(req, res, requests.length, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const fake = {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  open.push(fake)
  return fake
}

const fastRetry = {attempts: 3, baseDelayMs: 10, maxDelayMs: 50}
const experiment = {experiment: {experiment_id: '7', name: 'flare', artifact_location: 'mlflow-artifacts:/7', lifecycle_stage: 'active'}}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {'content-type': 'application/json', ...headers})
  res.end(JSON.stringify(body))
}

describe('MLflow client failure handling', () => {
  it('gives up on a server that is not there after bounded retries, with a clear message', async () => {
    const port = await freePort()
    const client = new MlflowClient({trackingUri: `http://127.0.0.1:${port}`, retry: fastRetry, timeoutMs: 2000})
    const started = Date.now()
    const error = await client.getExperimentByName('flare').catch((e: unknown) => e)
    await client.close()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(error).toBeInstanceOf(FlareError)
    const apiError = error as MlflowApiError
    expect(apiError.message).toBe(
      `Cannot reach the MLflow server at http://127.0.0.1:${port} to find experiment "flare" (connection refused) after 3 tries.`,
    )
    expect(apiError.errorCode).toBe('ECONNREFUSED')
    expect(apiError.exitCode).toBe(4)
    expect(apiError.hint).toMatch(/MLFLOW_TRACKING_URI/)
  })

  it('retries an HTML 500 page, then reports it without the markup', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(500, {'content-type': 'text/html'})
      res.end('<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1><p>trace...</p></body></html>')
    })
    const client = new MlflowClient({trackingUri: fake.uri, retry: fastRetry})
    const error = (await client.getRun('abc').catch((e: unknown) => e)) as MlflowApiError
    await client.close()
    expect(fake.requests).toHaveLength(3)
    expect(error).toBeInstanceOf(MlflowApiError)
    expect(error.message).toBe('MLflow could not get run abc: 500 Internal Server Error (HTTP 500 after 3 tries)')
    expect(error.status).toBe(500)
    expect(error.errorCode).toBeUndefined()
    expect(error.hint).toContain(fake.uri)
  })

  it('retries 429 and succeeds, honouring Retry-After', async () => {
    const fake = await fakeServer((_req, res, count) => {
      if (count === 1) json(res, 429, {error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down'}, {'retry-after': '0.3'})
      else json(res, 200, experiment)
    })
    const client = new MlflowClient({trackingUri: fake.uri, retry: {attempts: 3, baseDelayMs: 10, maxDelayMs: 5000}})
    const started = Date.now()
    const found = await client.getExperimentByName('flare')
    await client.close()
    expect(found?.experiment_id).toBe('7')
    expect(fake.requests).toHaveLength(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(fake.requests[0]?.url).toBe('/api/2.0/mlflow/experiments/get-by-name?experiment_name=flare')
  })

  it('maps RESOURCE_ALREADY_EXISTS without retrying it', async () => {
    const fake = await fakeServer((_req, res) =>
      json(res, 400, {error_code: 'RESOURCE_ALREADY_EXISTS', message: "Experiment 'flare' already exists."}),
    )
    const client = new MlflowClient({trackingUri: fake.uri, retry: fastRetry})
    const error = (await client.createExperiment('flare').catch((e: unknown) => e)) as MlflowApiError
    await client.close()
    expect(fake.requests).toHaveLength(1)
    expect(JSON.parse(fake.requests[0]?.body ?? '')).toEqual({name: 'flare', tags: []})
    expect(error.errorCode).toBe('RESOURCE_ALREADY_EXISTS')
    expect(error.message).toBe(`MLflow could not create experiment "flare": Experiment 'flare' already exists. (HTTP 400)`)
    expect(error.hint).toBe('Choose another name, or reuse the existing one.')
  })

  it('retries a connection reset mid-request', async () => {
    const fake = await fakeServer((req, res, count) => {
      if (count === 1) req.socket.destroy()
      else json(res, 200, experiment)
    })
    const client = new MlflowClient({trackingUri: fake.uri, retry: fastRetry})
    expect((await client.getExperiment('7')).name).toBe('flare')
    await client.close()
    expect(fake.requests).toHaveLength(2)
  })

  it('times out a server that never answers', async () => {
    const fake = await fakeServer(() => {})
    const client = new MlflowClient({trackingUri: fake.uri, retry: {attempts: 2, baseDelayMs: 10}, timeoutMs: 300})
    const error = (await client.getExperiment('7').catch((e: unknown) => e)) as MlflowApiError
    await client.close()
    expect(error.message).toMatch(/no answer within 300 ms\) after 2 tries/)
    expect(fake.requests).toHaveLength(2)
  })

  it('sends basic auth and explains a 401', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(401, {'content-type': 'text/plain'})
      res.end('You are not authenticated.')
    })
    const client = MlflowClient.fromEnv(
      {MLFLOW_TRACKING_URI: fake.uri, MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: 's3cret'},
      {retry: fastRetry},
    )
    const error = (await client.getExperiment('7').catch((e: unknown) => e)) as MlflowApiError
    await client.close()
    expect(fake.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ada:s3cret').toString('base64')}`)
    expect(fake.requests).toHaveLength(1)
    expect(error.errorCode).toBe('UNAUTHENTICATED')
    expect(error.message).toContain('You are not authenticated.')
    expect(error.hint).toMatch(/MLFLOW_TRACKING_USERNAME/)
  })

  it('sends a bearer token', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, experiment))
    const client = MlflowClient.fromEnv({MLFLOW_TRACKING_URI: `${fake.uri}/`, MLFLOW_TRACKING_TOKEN: 'tok'})
    await client.getExperiment('7')
    await client.close()
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer tok')
    expect(fake.requests[0]?.url).toBe('/api/2.0/mlflow/experiments/get?experiment_id=7')
  })

  it('explains a 404 from something that is not an MLflow server', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(404, {'content-type': 'text/html'})
      res.end('<html><body><h1>Not Found</h1></body></html>')
    })
    const client = new MlflowClient({trackingUri: fake.uri, retry: fastRetry})
    const error = (await client.getRun('abc').catch((e: unknown) => e)) as MlflowApiError
    await client.close()
    expect(error.errorCode).toBe('ENDPOINT_NOT_FOUND')
    expect(error.message).toBe('MLflow could not get run abc: Not Found (HTTP 404)')
    expect(error.hint).toMatch(/MLflow 2.x\/3.x server/)
  })

  it('reports an answer of the wrong shape instead of returning garbage', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, {run: {info: {status: 'RUNNING'}}}))
    const client = new MlflowClient({trackingUri: fake.uri, retry: fastRetry})
    await expect(client.getRun('abc')).rejects.toThrow(/unexpected shape/)
    await client.close()
  })

  it('refuses a non-http tracking URI and a missing one', () => {
    expect(() => MlflowClient.fromEnv({})).toThrow(/No MLflow server configured/)
    expect(() => MlflowClient.fromEnv({MLFLOW_TRACKING_URI: 'file:///tmp/mlruns'})).toThrow(/must be an http\(s\) URL/)
    expect(() => MlflowClient.fromEnv({MLFLOW_TRACKING_URI: 'databricks'})).toThrow(FlareError)
  })
})
