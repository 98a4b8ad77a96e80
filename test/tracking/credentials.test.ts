import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {redactUrl, resolveTrackingConfig} from '../../src/tracking/config.js'
import {MlflowClient} from '../../src/tracking/mlflow-client.js'

describe('credentials in MLFLOW_TRACKING_URI', () => {
  let server: http.Server
  let port = 0
  const seen: Array<string | undefined> = []
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(200, {'content-type': 'text/plain'}).end('OK')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('are sent as basic auth and cut out of the URI that Flare prints', async () => {
    const client = MlflowClient.fromEnv({MLFLOW_TRACKING_URI: `http://alice:S%40CRET@127.0.0.1:${port}/`})
    try {
      await client.health()
    } finally {
      await client.close()
    }
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from('alice:S@CRET').toString('base64')}`)
    expect(client.trackingUri).toBe(`http://127.0.0.1:${port}`)
    expect(JSON.stringify(client.config.trackingUri)).not.toContain('CRET')
  })

  it('give way to MLFLOW_TRACKING_USERNAME / PASSWORD when those are set', () => {
    const config = resolveTrackingConfig({trackingUri: 'https://bob:url-pass@mlflow.example.com', username: 'env-user', password: 'env-pass'})
    expect(config).toMatchObject({username: 'env-user', password: 'env-pass', trackingUri: 'https://mlflow.example.com'})
  })

  it('never reach an error message about a bad URI', () => {
    expect(() => resolveTrackingConfig({trackingUri: 'file://alice:TOPSECRET@/tmp/mlruns'})).toThrow(/file:\/\/\*\*\*@/)
    expect(() => resolveTrackingConfig({trackingUri: 'file://alice:TOPSECRET@/tmp/mlruns'})).not.toThrow(/TOPSECRET/)
    expect(redactUrl('postgres://u:p@h/db')).toBe('postgres://***@h/db')
  })
})
