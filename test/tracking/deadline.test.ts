import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {MlflowClient} from '../../src/tracking/mlflow-client.js'

describe('an MLflow server that accepts connections and never answers', () => {
  let server: http.Server
  let uri = ''
  let requests = 0
  beforeAll(async () => {
    server = http.createServer(() => void requests++) // never responds
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('costs one FLARE_MLFLOW_TIMEOUT for the run, and the hint does not say to start it', async () => {
    const client = MlflowClient.fromEnv({MLFLOW_TRACKING_URI: uri, FLARE_MLFLOW_TIMEOUT: '0.6', FLARE_MLFLOW_RETRY_DELAY_MS: '1'})
    const started = Date.now()
    const first = await client.health().then(() => undefined, (e: unknown) => e as Error & {hint?: string})
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(first?.message).toMatch(/no answer within 600 ms/)
    expect(first?.hint).toMatch(/accepted the connection but did not answer.*FLARE_MLFLOW_TIMEOUT/)
    expect(first?.hint).not.toMatch(/Start it/)
    // Later calls of the same run fail at once instead of waiting again.
    const before = requests
    const t = Date.now()
    await expect(client.getExperimentByName('x')).rejects.toThrow(/did not answer earlier/)
    expect(Date.now() - t).toBeLessThan(200)
    expect(requests).toBe(before)
    await client.close()
  })

  it('refuses a nonsense FLARE_MLFLOW_TIMEOUT as a usage error', () => {
    expect(() => MlflowClient.fromEnv({MLFLOW_TRACKING_URI: uri, FLARE_MLFLOW_TIMEOUT: 'forever'})).toThrow(/FLARE_MLFLOW_TIMEOUT must be a number of seconds/)
  })
})
