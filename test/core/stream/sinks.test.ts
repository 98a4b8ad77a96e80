import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {mulberry32} from '../../../src/core/detect/random.js'
import type {FlareError} from '../../../src/core/errors.js'
import type {EventSink, IncidentEvent, LiveIncident} from '../../../src/core/stream/contracts.js'
import {openSinks, parseSinkSpec, sendToSinks} from '../../../src/core/stream/sinks/index.js'
import {backoffDelay, WebhookSink} from '../../../src/core/stream/sinks/webhook-sink.js'

const incident = (id: string, severity: LiveIncident['severity'] = 'high'): LiveIncident => ({
  id,
  severity,
  title: 'Exception in receiveBlock for block <*>',
  signature: ['E7', 'E11'],
  firstSeen: '2026-12-01T10:00:00.000Z',
  lastSeen: '2026-12-01T10:00:05.000Z',
  detectedAt: '2026-12-01T10:00:07.000Z',
  delayMs: 7000,
  sessions: 3,
  score: 0.91,
  hosts: ['dn-1', 'dn-2'],
  sampleLines: ['081109 203615 148 INFO dfs.DataNode$PacketResponder: Exception in receiveBlock'],
})
const event = (id: string, kind: IncidentEvent['kind'] = 'opened', severity?: LiveIncident['severity']): IncidentEvent => ({
  kind,
  at: '2026-12-01T10:00:07.000Z',
  incident: incident(id, severity),
})

let dir: string | undefined
const servers: Server[] = []
afterEach(async () => {
  if (dir !== undefined) rmSync(dir, {recursive: true, force: true})
  dir = undefined
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A local webhook receiver; `answer` decides each response from the request number (1-based) and the request. */
async function receiver(answer: (n: number, res: ServerResponse, req: IncomingMessage) => void) {
  const bodies: unknown[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString()))
      answer(bodies.length, res, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return {bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`}
}

const ok = (res: ServerResponse) => res.writeHead(200).end('ok')

describe('JSON-lines sink', () => {
  it('appends one event per line, in order, across reopenings', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flare-sink-'))
    const path = join(dir, 'incidents.jsonl')
    // A typo in the folder is refused, not created.
    await expect(openSinks([`jsonl:${join(dir, 'nested', 'incidents.jsonl')}`])).rejects.toThrow(/Cannot open the incident log/)
    const [first] = await openSinks([`jsonl:${path}`])
    await first.send(event('I1'))
    await first.send(event('I1', 'updated'))
    await first.close()
    const [second] = await openSinks([`jsonl:${path}`])
    await second.send(event('I1', 'resolved'))
    await second.close()
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as IncidentEvent)
    expect(lines.map((l) => `${l.incident.id}:${l.kind}`)).toEqual(['I1:opened', 'I1:updated', 'I1:resolved'])
    expect(lines[0]).toEqual(event('I1'))
    expect(first.stats()).toEqual({delivered: 2, failed: 0, suppressed: 0})
  })
})

describe('webhook sink', () => {
  it('retries a server that fails twice, then delivers once', async () => {
    const {bodies, url} = await receiver((n, res) => (n <= 2 ? res.writeHead(503).end() : ok(res)))
    const notes: string[] = []
    const sink = new WebhookSink(url, {baseDelayMs: 20, seed: 7, onNote: (n) => notes.push(n)})
    await sink.send(event('I1'))
    await sink.close()
    expect(bodies).toHaveLength(3)
    expect(bodies[2]).toMatchObject({kind: 'opened', incident: {id: 'I1'}, text: expect.stringContaining('I1 opened')})
    expect(sink.stats()).toEqual({delivered: 1, failed: 0, suppressed: 0})
    expect(sink.name).not.toContain('secret-token')
  })

  it('does not retry a 4xx other than 408/429, and never throws', async () => {
    const {bodies, url} = await receiver((_, res) => res.writeHead(400).end())
    const notes: string[] = []
    const sink = new WebhookSink(url, {baseDelayMs: 10, onNote: (n) => notes.push(n)})
    await sink.send(event('I1'))
    await sink.close()
    expect(bodies).toHaveLength(1)
    expect(sink.stats()).toEqual({delivered: 0, failed: 1, suppressed: 0})
    expect(notes.join()).toMatch(/HTTP 400/)
  })

  it('sends the same incident and kind once; an escalating update is sent', async () => {
    const {bodies, url} = await receiver((_, res) => ok(res))
    const sink = new WebhookSink(url)
    await sink.send(event('I1'))
    await sink.send(event('I1'))
    await sink.send(event('I1', 'updated', 'high'))
    await sink.send(event('I1', 'updated', 'high'))
    await sink.send(event('I1', 'updated', 'critical'))
    await sink.close()
    expect(bodies).toHaveLength(3)
    expect(sink.stats()).toEqual({delivered: 3, failed: 0, suppressed: 2})
  })

  it('rate-limits: past the bucket, events are held back, counted, and named in one digest at close', async () => {
    const {bodies, url} = await receiver((_, res) => ok(res))
    const sink = new WebhookSink(url, {perMinute: 2})
    for (const id of ['I1', 'I2', 'I3', 'I4']) await sink.send(event(id))
    expect(bodies).toHaveLength(2)
    await sink.close()
    expect(sink.stats()).toEqual({delivered: 2, failed: 0, suppressed: 2})
    expect(bodies).toHaveLength(3)
    const digest = bodies[2] as {kind: string; count: number; events: string[]; text: string}
    expect(digest.kind).toBe('digest')
    expect(digest.count).toBe(2)
    expect(digest.events.map((l) => l.split(' ')[1])).toEqual(['I3', 'I4'])
    expect(digest.text).toMatch(/^2 incident events were not sent over the rate limit of 2\/min/)
  })

  it('rate-limits: the digest goes out first when the bucket has room again', async () => {
    const {bodies, url} = await receiver((_, res) => ok(res))
    // one a second; the bucket emptied by hand, then given room for two
    const sink = new WebhookSink(url, {perMinute: 60})
    const bucket = sink as unknown as {tokens: number; lastRefill: number}
    bucket.tokens = 0
    bucket.lastRefill = Date.now()
    await sink.send(event('I1'))
    expect(bodies).toHaveLength(0)
    bucket.tokens = 2
    await sink.send(event('I2'))
    await sink.close()
    expect(bodies.map((b) => (b as {kind: string}).kind)).toEqual(['digest', 'opened'])
    expect((bodies[0] as {events: string[]}).events[0]).toContain('I1')
  })

  it('a hanging server is bounded by the request timeout', async () => {
    const {bodies, url} = await receiver(() => {})
    const sink = new WebhookSink(url, {timeoutMs: 150, maxAttempts: 2, baseDelayMs: 10})
    const started = Date.now()
    await sink.send(event('I1'))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(bodies).toHaveLength(2)
    await sink.close()
    expect(sink.stats()).toEqual({delivered: 0, failed: 1, suppressed: 0})
  })

  it('a webhook that never answers does not hold up the durable sinks (the runner does not wait for it)', async () => {
    const {url} = await receiver(() => {})
    const webhook = new WebhookSink(url, {timeoutMs: 30_000, closeTimeoutMs: 200})
    const delivered: string[] = []
    const durable: EventSink = {name: 'mem', send: async (e) => void delivered.push(e.incident.id), close: async () => {}, stats: () => ({delivered: delivered.length, failed: 0, suppressed: 0})}
    const started = Date.now()
    await sendToSinks([webhook, durable], event('I1'))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(delivered).toEqual(['I1'])
    await webhook.close()
    expect(webhook.stats().failed).toBe(1)
  })

  it('close() is bounded while a delivery hangs', async () => {
    const {url} = await receiver(() => {})
    const sink = new WebhookSink(url, {timeoutMs: 30_000, closeTimeoutMs: 200})
    const sending = sink.send(event('I1'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = Date.now()
    await sink.close()
    await sending
    expect(Date.now() - started).toBeLessThan(2000)
    expect(sink.stats().failed).toBe(1)
  })

  it('a login in the URL is sent as HTTP Basic auth (percent-decoded) and never shown', async () => {
    const expected = `Basic ${Buffer.from('al@rt:Pa55w0rdX:#').toString('base64')}`
    const {bodies, url} = await receiver((_, res, req) => (req.headers.authorization === expected ? ok(res) : res.writeHead(401).end()))
    const notes: string[] = []
    const [right, wrong] = await openSinks([`webhook:${url.replace('http://', 'http://al%40rt:Pa55w0rdX%3A%23@')}`, `webhook:${url.replace('http://', 'http://al%40rt:Wr0ngPa55@')}`], {
      onNote: (note) => notes.push(note),
      webhook: {maxAttempts: 1},
    })
    await right.send(event('I1'))
    await wrong.send(event('I2'))
    await Promise.all([right.close(), wrong.close()])
    expect(bodies).toHaveLength(2)
    expect(right.stats()).toEqual({delivered: 1, failed: 0, suppressed: 0})
    expect(wrong.stats()).toEqual({delivered: 0, failed: 1, suppressed: 0})
    expect(notes.join('\n')).toContain('not delivered: HTTP 401')
    expect(right.name).toBe(`webhook:${url.replace(/\/hook.*/, '/…')}`)
    expect([right.name, wrong.name, ...notes].join('\n')).not.toMatch(/Pa55|al%40rt|al@rt|secret-token/)
  })

  it('close() retries the deliveries in flight (the input\'s end, a stop) instead of giving each one try', async () => {
    // 503 to each body's first POST, 200 to its second
    const tries = new Map<string, number>()
    const {bodies, url} = await receiver((n, res) => {
      const body = bodies[n - 1] as IncidentEvent
      const key = `${body.incident.id}:${body.kind}`
      tries.set(key, (tries.get(key) ?? 0) + 1)
      if (tries.get(key) === 1) res.writeHead(503).end()
      else ok(res)
    })
    const sink = new WebhookSink(url, {baseDelayMs: 50, seed: 3})
    const sending = ['I1', 'I2', 'I3'].map((id) => sink.send(event(id)))
    await sink.close()
    await Promise.all(sending)
    expect([...tries.values()]).toEqual([2, 2, 2])
    expect(bodies).toHaveLength(6)
    expect(sink.stats()).toEqual({delivered: 3, failed: 0, suppressed: 0})
  })

  it('close() retries within its bound, then counts what is still undelivered as failed', async () => {
    const {bodies, url} = await receiver((_, res) => res.writeHead(503).end())
    const sink = new WebhookSink(url, {baseDelayMs: 40, maxDelayMs: 80, maxAttempts: 1000, closeTimeoutMs: 400})
    const sending = ['I1', 'I2'].map((id) => sink.send(event(id)))
    const started = Date.now()
    await sink.close()
    await Promise.all(sending)
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(bodies.length).toBeGreaterThan(4)
    expect(sink.stats()).toEqual({delivered: 0, failed: 2, suppressed: 0})
    // after close: refused, counted
    await sink.send(event('I3'))
    expect(sink.stats().failed).toBe(3)
  })

  it('slack format: text and blocks', async () => {
    const {bodies, url} = await receiver((_, res) => ok(res))
    const [sink] = await openSinks([`slack:${url}`])
    await sink.send({...event('I9'), incident: {...incident('I9'), summary: {rootCause: 'disk <full>', remediation: ['free space'], provider: 'offline'}}})
    await sink.close()
    const body = bodies[0] as {text: string; blocks: {text?: {text: string}}[]}
    // mrkdwn: a template's <*> (or a title's <!channel>) is escaped in the notification text too
    expect(body.text).toBe('[HIGH] Incident I9 opened: Exception in receiveBlock for block &lt;*&gt; (3 sessions, dn-1, dn-2)')
    expect(body.blocks.map((b) => b.text?.text ?? '').join('\n')).toContain('disk &lt;full&gt;')
  })

  it('a resolution by a stop does not read as the problem gone; the input\'s end and a quiet gap say so too', async () => {
    const {bodies, url} = await receiver((_, res) => ok(res))
    const [slack, generic] = await openSinks([`slack:${url}`, `webhook:${url}`])
    for (const reason of ['stopped', 'end of input', 'quiet'] as const) await slack.send({...event(`S-${reason}`, 'resolved'), reason})
    await generic.send({...event('G1', 'resolved'), reason: 'stopped'})
    await Promise.all([slack.close(), generic.close()])
    const texts = (bodies as Array<{text: string}>).map((b) => b.text.replace(/:.*/, ''))
    expect(texts).toEqual(['[HIGH] Incident S-stopped closed (Flare stopped watching; not seen to resolve)', '[HIGH] Incident S-end of input resolved (end of input)', '[HIGH] Incident S-quiet resolved', '[HIGH] Incident G1 closed (Flare stopped watching; not seen to resolve)'])
    // the generic body is the event itself: its reason travels as a field
    expect((bodies[3] as IncidentEvent).reason).toBe('stopped')
  })

  it('seeded jitter: the same seed gives the same delays, growing and capped', () => {
    const r1 = mulberry32(42)
    const r2 = mulberry32(42)
    const d1 = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1000, r1))
    const d2 = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1000, r2))
    expect(d1).toEqual(d2)
    d1.forEach((d, i) => {
      const step = Math.min(1000, 100 * 2 ** i)
      expect(d).toBeGreaterThanOrEqual(step / 2)
      expect(d).toBeLessThanOrEqual(step)
    })
    expect(new Set(d1.map((d, i) => d / Math.min(1000, 100 * 2 ** i))).size).toBeGreaterThan(1)
  })

  it('bad specs are usage errors that do not echo the URL', () => {
    expect(() => parseSinkSpec('webhook:ftp://x/secret')).toThrow(/Bad sink "webhook:ftp:\/\/x\/…"/)
    expect(() => parseSinkSpec('email:me@example.com')).toThrow(/unknown sink kind/)
    expect(parseSinkSpec('jsonl:out/incidents.jsonl')).toEqual({kind: 'jsonl', path: 'out/incidents.jsonl'})
  })

  it('a bare webhook URL (no kind) is refused with its login, path and query masked, and the hint names slack: and webhook:', () => {
    const refusal = (spec: string) => {
      try {
        parseSinkSpec(spec)
      } catch (error) {
        return error as FlareError
      }
      throw new Error(`${spec} was accepted`)
    }
    const slack = refusal('https://hooks.slack.com/services/T0001/B0001/Xq9SECRETTOKENabc')
    expect(slack.exitCode).toBe(2)
    expect(slack.message).toBe('Bad sink "https://hooks.slack.com/…": unknown sink kind.')
    expect(slack.hint).toBe('Prefix the URL with its kind: slack:https://hooks.slack.com/… for a Slack incoming webhook, webhook:https://hooks.slack.com/… for a generic JSON POST.')
    const login = refusal(' http://alert:Pa55w0rdX@127.0.0.1:19209/hook?token=T0KEN123')
    expect(login.message).toBe('Bad sink "http://127.0.0.1:19209/…": unknown sink kind.')
    for (const error of [slack, login]) expect(`${error.message} ${error.hint}`).not.toMatch(/SECRET|services|Pa55w0rdX|alert|T0KEN/)
    // Another kind's spec is masked the same way.
    expect(refusal('hook:https://u:Pa55w0rdX@example.com/x/SECRET').message).toBe('Bad sink "hook:https://example.com/…": unknown sink kind.')
  })
})
