import {describe, expect, it} from 'vitest'
import {demoEvents, type DemoEvent} from '../../src/server/demo-events.js'

async function collect(signal: AbortSignal, options: Parameters<typeof demoEvents>[1]): Promise<DemoEvent[]> {
  const events: DemoEvent[] = []
  for await (const event of demoEvents(signal, options)) events.push(event)
  return events
}

describe('the live tab source', () => {
  it('replays the sample through the live engine: progress to the end, each opened incident in the batch shape, then done', async () => {
    const events = await collect(new AbortController().signal, {speed: 1e6, paceMs: 5})
    const progress = events.filter((e) => e.type === 'progress')
    const incidents = events.filter((e) => e.type === 'incident')
    const done = events.at(-1)
    expect(progress.at(-1)).toEqual({type: 'progress', lines: 6625, total: 6625})
    expect(incidents.length).toBeGreaterThan(0)
    expect(done).toEqual({type: 'done', lines: 6625, incidents: incidents.length})
    for (const e of incidents) {
      if (e.type !== 'incident') continue
      expect(e.incident.id).toMatch(/^LIVE-\d{3}$/)
      expect(e.incident.templates.length).toBeGreaterThan(0)
    }
    expect(new Set(incidents.map((e) => (e.type === 'incident' ? e.incident.id : ''))).size).toBe(incidents.length)
  })

  it('is paced by the log time and stops when the client goes away', async () => {
    const controller = new AbortController()
    const started = performance.now()
    setTimeout(() => controller.abort(), 300)
    // At 1× the sample's hour would take an hour: aborted, it ends at once, without `done`.
    const events = await collect(controller.signal, {speed: 1, paceMs: 60_000})
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(events.some((e) => e.type === 'done')).toBe(false)
  })
})
