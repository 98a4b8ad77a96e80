import {gzipSync} from 'node:zlib'
import {readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {hdfsSample, postJson, startServer, tempDir, type RunningServer} from './helpers.js'

describe('flare serve API', () => {
  let server: RunningServer
  let tmp: ReturnType<typeof tempDir>

  beforeAll(async () => {
    tmp = tempDir()
    server = await startServer({dbPath: path.join(tmp.dir, 'history.db'), maxBodyBytes: 2 * 1024 * 1024})
  })
  afterAll(async () => {
    await server?.close()
    tmp?.remove()
  })

  it('GET /health reports version, offline LLM, MLflow not configured, no model, queue', async () => {
    const response = await fetch(`${server.url}/health`)
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(body.llm).toMatchObject({provider: 'offline', remote: false, reachable: true})
    expect(body.mlflow).toEqual({configured: false, reachable: null, tracking: false, experiment: null})
    expect(body.model.loaded).toBe(false)
    expect(body.history.enabled).toBe(true)
  })

  it('POST /detect takes the original body (log_text, contamination) and finds the sample incidents', async () => {
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: hdfsSample, contamination: 0.05, use_registry: false})
    expect(status).toBe(200)
    expect(body.summary.lines).toBe(hdfsSample.trimEnd().split('\n').length)
    expect(body.summary.format).toBe('hdfs')
    expect(body.summary.input).toBe('<request>')
    expect(body.incidents.length).toBeGreaterThan(0)
    expect(body.run_id).toBeGreaterThan(0)
    expect(body.incident_keys[body.incidents[0].id]).toBe(`${body.run_id}.${body.incidents[0].id}`)
  })

  it('use_registry without a server model is a warning, not a failure', async () => {
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: hdfsSample, use_registry: true})
    expect(status).toBe(200)
    expect(body.warnings.join(' ')).toMatch(/no model/)
  })

  it('bad input is a 400 with the CLI message, never a 500', async () => {
    const empty = await postJson(`${server.url}/detect`, {log_text: ''})
    expect(empty.status).toBe(400)
    expect(empty.body.error).toMatch(/log_text/)
    const badContamination = await postJson(`${server.url}/detect`, {log_text: 'a\n', contamination: 0.9})
    expect(badContamination.status).toBe(400)
    expect(badContamination.body.error).toMatch(/contamination/)
    const notJson = await postJson(`${server.url}/detect`, '{"log_text": ')
    expect(notJson.status).toBe(400)
    expect(JSON.stringify(notJson.body)).not.toMatch(/at .*\.js:\d+/)
    const blank = await postJson(`${server.url}/detect`, {log_text: '\n\n\n'})
    expect(blank.status).toBe(400)
    expect(blank.body.error).toMatch(/no log records/)
    expect(blank.body.hint).toMatch(/empty/)
    const unknownFormat = await postJson(`${server.url}/detect`, {log_text: hdfsSample, format: 'nonsense'})
    expect(unknownFormat.status).toBe(400)
  })

  it('a body over --max-body is a 413', async () => {
    const {status, body} = await postJson(`${server.url}/detect`, {log_text: 'x'.repeat(3 * 1024 * 1024)})
    expect(status).toBe(413)
    expect(body.error).toMatch(/large|limit/i)
  })

  it('POST /detect/upload takes a gzip file, streams it to a temp file and removes it', async () => {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('flare-serve-') && !n.startsWith('flare-serve-test-')).length
    const form = new FormData()
    form.append('file', new Blob([gzipSync(hdfsSample)]), 'hdfs.log.gz')
    const response = await fetch(`${server.url}/detect/upload?contamination=0.05`, {method: 'POST', body: form})
    const body = await response.json()
    expect(response.status).toBe(200)
    expect(body.summary.input).toBe('hdfs.log.gz')
    expect(body.summary.lines).toBe(hdfsSample.trimEnd().split('\n').length)
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith('flare-serve-') && !n.startsWith('flare-serve-test-')).length
    expect(after).toBeLessThanOrEqual(before)
  })

  it('POST /detect/upload?summarize=true explains the incidents and stores the summaries with the run', async () => {
    const form = new FormData()
    form.append('file', new Blob([hdfsSample]), 'explained.log')
    const response = await fetch(`${server.url}/detect/upload?summarize=true`, {method: 'POST', body: form})
    const body = await response.json()
    expect(response.status).toBe(200)
    expect(body.summaries.incidents.map((r: {incident_id: string}) => r.incident_id)).toEqual(body.incidents.map((i: {id: string}) => i.id))
    const run = await (await fetch(`${server.url}/runs/${body.run_id}`)).json()
    expect(run.input).toBe('explained.log')
    expect(run.summaries).toEqual(body.summaries)
    const plain = new FormData()
    plain.append('file', new Blob([hdfsSample]), 'plain.log')
    expect((await (await fetch(`${server.url}/detect/upload`, {method: 'POST', body: plain})).json()).summaries).toBeUndefined()
  })

  it('upload errors: not multipart → 400, file over the limit → 413', async () => {
    const notMultipart = await postJson(`${server.url}/detect/upload`, {log_text: 'x'})
    expect(notMultipart.status).toBe(400)
    // found by schemathesis: multipart without a boundary was a 500
    const noBoundary = await fetch(`${server.url}/detect/upload`, {method: 'POST', headers: {'content-type': 'multipart/form-data'}, body: 'x'})
    expect(noBoundary.status).toBe(400)
    const form = new FormData()
    form.append('file', new Blob(['y'.repeat(3 * 1024 * 1024)]), 'big.log')
    const big = await fetch(`${server.url}/detect/upload`, {method: 'POST', body: form})
    expect(big.status).toBe(413)
  })

  it('POST /summarize explains a results document offline; /analyze does both with eval', async () => {
    const detected = await postJson(`${server.url}/detect`, {log_text: hdfsSample})
    const {run_id, incident_keys, similar, warnings, ...results} = detected.body
    const summarized = await postJson(`${server.url}/summarize`, {results})
    expect(summarized.status).toBe(200)
    expect(summarized.body.offline).toBe(true)
    expect(summarized.body.incidents.map((r: {incident_id: string}) => r.incident_id)).toEqual(results.incidents.map((i: {id: string}) => i.id))
    expect(summarized.body.incidents[0].summary.root_cause.length).toBeGreaterThan(0)
    const bare = await postJson(`${server.url}/summarize`, {incidents: results.incidents.slice(0, 1), format: 'hdfs'})
    expect(bare.body.incidents).toHaveLength(1)
    const nothing = await postJson(`${server.url}/summarize`, {})
    expect(nothing.status).toBe(400)
    const unknownId = await postJson(`${server.url}/summarize`, {results, incident_ids: ['INC-999']})
    expect(unknownId.status).toBe(400)
    expect(unknownId.body.error).toMatch(/Unknown incident id/)

    const analyzed = await postJson(`${server.url}/analyze`, {log_text: hdfsSample, run_eval: true})
    expect(analyzed.status).toBe(200)
    expect(analyzed.body.summaries.incidents).toHaveLength(analyzed.body.incidents.length)
    expect(analyzed.body.summaries.judge).toBeDefined()
    expect(analyzed.body.summaries.incidents[0].judge.checks).toBeDefined()
  })

  it('GET /runs, /runs/:id and /incidents/:key/similar read the incident memory', async () => {
    const first = await postJson(`${server.url}/detect`, {log_text: hdfsSample})
    const second = await postJson(`${server.url}/detect`, {log_text: hdfsSample})
    const runs = await (await fetch(`${server.url}/runs?limit=2`)).json()
    expect(runs.runs.map((r: {id: number}) => r.id)).toEqual([second.body.run_id, first.body.run_id])
    const run = await (await fetch(`${server.url}/runs/${first.body.run_id}`)).json()
    expect(run.results.incidents).toHaveLength(first.body.incidents.length)
    // The same log again: each incident's best match is itself in the earlier run, at full overlap.
    const id = second.body.incidents[0].id
    expect(second.body.similar[id][0]).toMatchObject({incident_id: id, overlap: 1})
    const key = second.body.incident_keys[id]
    const similar = await (await fetch(`${server.url}/incidents/${key}/similar`)).json()
    expect(similar.similar[0].overlap).toBe(1)
    expect(similar.similar.map((s: {key: string}) => s.key)).not.toContain(key)
    const overlaps = similar.similar.map((s: {overlap: number}) => s.overlap)
    expect([...overlaps].sort((a: number, b: number) => b - a)).toEqual(overlaps)
    expect((await fetch(`${server.url}/runs/999999`)).status).toBe(404)
    expect((await fetch(`${server.url}/runs/abc`)).status).toBe(400)
    expect((await fetch(`${server.url}/incidents/999.INC-001/similar`)).status).toBe(404)
  })

  it('GET /metrics is Prometheus text with request, line, incident and LLM series', async () => {
    const response = await fetch(`${server.url}/metrics`)
    const text = await response.text()
    expect(response.headers.get('content-type')).toMatch(/text\/plain/)
    expect(text).toMatch(/flare_http_requests_total\{method="POST",route="\/detect",status="200"\} \d+/)
    expect(text).toMatch(/flare_http_request_duration_seconds_bucket/)
    expect(Number(/flare_lines_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(6000)
    expect(text).toMatch(/flare_incidents_total\{severity="\w+"\} [1-9]/)
    expect(text).toMatch(/flare_llm_tokens_total/)
  })

  it('serves OpenAPI 3 and the docs, the dashboard with a strict CSP, / redirects, unknown routes 404', async () => {
    const spec = await (await fetch(`${server.url}/openapi.json`)).json()
    expect(spec.openapi).toMatch(/^3\./)
    for (const p of ['/detect', '/detect/upload', '/summarize', '/analyze', '/health', '/metrics', '/runs', '/runs/{id}', '/incidents/{key}/similar']) expect(spec.paths[p], p).toBeDefined()
    expect(spec.paths['/detect'].post.requestBody.content['application/json'].schema.properties.log_text).toBeDefined()
    expect((await fetch(`${server.url}/docs/`)).status).toBe(200)
    const page = await fetch(`${server.url}/dashboard/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/)
    expect(await page.text()).not.toMatch(/<script>(?!<)|https?:\/\/cdn/)
    const root = await fetch(`${server.url}/`, {redirect: 'manual'})
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/dashboard/')
    const missing = await fetch(`${server.url}/nope`)
    expect(missing.status).toBe(404)
    // CORS is off by default
    expect((await fetch(`${server.url}/health`, {headers: {origin: 'https://evil.example'}})).headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('flare serve: token, CORS, queue', () => {
  it('requires the bearer token on the API, not on /health or the dashboard', async () => {
    const server = await startServer({token: 'correct-horse-battery', cors: 'https://ops.example.com'})
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      expect((await fetch(`${server.url}/dashboard/`)).status).toBe(200)
      const none = await postJson(`${server.url}/detect`, {log_text: hdfsSample})
      expect(none.status).toBe(401)
      expect(none.headers.get('www-authenticate')).toBe('Bearer')
      expect((await postJson(`${server.url}/detect`, {log_text: hdfsSample}, {authorization: 'Bearer wrong-horse-battery'})).status).toBe(401)
      expect((await postJson(`${server.url}/detect`, {log_text: hdfsSample}, {authorization: 'Bearer correct-horse-battery'})).status).toBe(200)
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
      const preflight = await fetch(`${server.url}/detect`, {method: 'OPTIONS', headers: {origin: 'https://ops.example.com', 'access-control-request-method': 'POST'}})
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example.com')
    } finally {
      await server.close()
    }
  })

  it('a full queue answers 503 with Retry-After while /health stays fast', async () => {
    const server = await startServer({workers: 1, queue: 1})
    try {
      // One worker, one waiting slot: of five requests sent at once, at most two are accepted.
      const big = hdfsSample.repeat(3)
      let detectsDone = 0
      const requests = Array.from({length: 5}, () => postJson(`${server.url}/detect`, {log_text: big}).finally(() => detectsDone++))
      await new Promise((r) => setTimeout(r, 150))
      // "fast" without a clock (this machine's load varies): /health answers while the accepted
      // detections are still running, not after them
      const health = await fetch(`${server.url}/health`)
      expect(health.status).toBe(200)
      const acceptedBeforeHealth = 5 - detectsDone
      const statuses = (await Promise.all(requests)).map((r) => r)
      const refused = statuses.filter((r) => r.status === 503)
      expect(refused.length).toBeGreaterThan(0)
      expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(refused[0]!.body.error).toMatch(/busy/)
      expect(statuses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2)
      // at least one accepted detection was still running when /health answered
      expect(acceptedBeforeHealth).toBeGreaterThanOrEqual(1)
      const metrics = await (await fetch(`${server.url}/metrics`)).text()
      expect(Number(/flare_queue_rejected_total (\d+)/.exec(metrics)?.[1])).toBe(refused.length)
    } finally {
      await server.close()
    }
  }, 180_000)
})
