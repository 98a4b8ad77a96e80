import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {IncidentEvent} from '../../../src/core/stream/contracts.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {runLive} from '../../../src/core/stream/runner.js'
import {FileSource} from '../../../src/core/stream/sources/file-source.js'

const SAMPLE = 'data/hdfs_sample.log'
let dir: string
let model: ModelBundle

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-runner-enrich-'))
  await saveBundle(join(dir, 'model'), (await detect({input: SAMPLE})).bundle)
  model = await loadBundle(join(dir, 'model'))
})
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('the live runner with an explainer (enrich)', () => {
  it('goes on reading and scoring while an explanation waits; events stay in order per incident, none lost', async () => {
    const engine = new LiveEngine({model, idleMs: 30 * 60_000})
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const enriched: string[] = []
    const events: IncidentEvent[] = []
    const controller = new AbortController()
    const running = runLive({
      engine,
      sources: [new FileSource(SAMPLE, {fromStart: true, pollMs: 20, arrivalClock: () => Number.NaN})],
      sinks: [],
      tickMs: 3_600_000,
      signal: controller.signal,
      secrets: [],
      // The first explanation hangs until released (an LLM taking its time); the rest are quick.
      enrich: async (event) => {
        if (event.kind !== 'opened') return
        enriched.push(event.incident.id)
        if (enriched.length === 1) await released
      },
      onEvent: (e) => void events.push(e),
    })
    const deadline = Date.now() + 15_000
    while (engine.stats().lines < 6625 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    // Every line was read and scored with the first explanation still waiting.
    expect(engine.stats().lines).toBe(6625)
    expect(engine.stats().incidentsOpened).toBeGreaterThan(1)
    const first = enriched[0]
    expect(events.filter((e) => e.incident.id === first)).toEqual([])
    // Incidents other than the first were delivered meanwhile.
    expect(events.length).toBeGreaterThan(0)
    release()
    controller.abort()
    await running
    const opened = events.filter((e) => e.kind === 'opened').map((e) => e.incident.id)
    expect(new Set(opened).size).toBe(engine.stats().incidentsOpened)
    expect(opened).toContain(first)
    // per incident: opened first, then its other events
    for (const id of opened) expect(events.filter((e) => e.incident.id === id)[0].kind).toBe('opened')
    expect(events.filter((e) => e.kind === 'resolved')).toHaveLength(opened.length)
  })
})
