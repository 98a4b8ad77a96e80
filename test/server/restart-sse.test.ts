import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {hdfsSample, postJson, startServer, tempDir} from './helpers.js'

/** Reads an SSE stream until `until` says stop; returns the events seen and the raw comments. */
async function readEvents(url: string, until: (events: Array<{event: string; data: any}>) => boolean, timeoutMs = 60_000) {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const response = await fetch(url, {signal: controller.signal})
  const events: Array<{event: string; data: any}> = []
  let comments = 0
  let buffer = ''
  const decoder = new TextDecoder()
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, {stream: true})
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (block.startsWith(':')) comments++
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event && data) events.push({event, data: JSON.parse(data)})
      }
      if (until(events)) break
    }
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  return {status: response.status, type: response.headers.get('content-type'), events, comments}
}

describe('flare serve: persistence and the live stream', () => {
  const tmp = tempDir()
  afterAll(() => tmp.remove())

  it('runs and incidents survive a restart; the new server finds them as similar', async () => {
    const db = path.join(tmp.dir, 'history.db')
    const first = await startServer({dbPath: db})
    const before = await postJson(`${first.url}/detect`, {log_text: hdfsSample})
    await first.close()
    const second = await startServer({dbPath: db})
    try {
      const runs = await (await fetch(`${second.url}/runs`)).json()
      expect(runs.runs.map((r: {id: number}) => r.id)).toContain(before.body.run_id)
      const after = await postJson(`${second.url}/detect`, {log_text: hdfsSample})
      const id = after.body.incidents[0].id
      expect(after.body.similar[id][0].key).toBe(`${before.body.run_id}.${id}`)
    } finally {
      await second.close()
    }
  })

  describe('GET /demo/stream', () => {
    let server: Awaited<ReturnType<typeof startServer>>
    beforeAll(async () => {
      server = await startServer({heartbeatMs: 200})
    })
    afterAll(async () => server?.close())

    it('streams progress and incidents with heartbeats, stops when the client leaves, never blocks other requests', async () => {
      const streaming = readEvents(`${server.url}/demo/stream`, (events) => events.some((e) => e.event === 'incident'))
      await new Promise((r) => setTimeout(r, 300))
      const t0 = performance.now()
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      expect(performance.now() - t0).toBeLessThan(1000)
      const {status, type, events, comments} = await streaming
      expect(status).toBe(200)
      expect(type).toMatch(/text\/event-stream/)
      expect(events[0]!.event).toBe('progress')
      const incident = events.find((e) => e.event === 'incident')!.data.incident
      expect(incident.id).toMatch(/^LIVE-\d{3}$/)
      expect(incident.sample_lines.length).toBeGreaterThan(0)
      expect(comments).toBeGreaterThan(0)
      // The client left: the server's stream count falls back to zero.
      let open = 1
      for (let i = 0; i < 50 && open > 0; i++) {
        await new Promise((r) => setTimeout(r, 100))
        open = (await (await fetch(`${server.url}/demo/streams`)).json()).open
      }
      expect(open).toBe(0)
    })
  })
})
