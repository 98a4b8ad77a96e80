import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {IncidentEvent} from '../../../src/core/stream/contracts.js'
import {LiveEngine, type EngineOptions, type ScoredSession} from '../../../src/core/stream/engine.js'
import {loadLiveState, saveLiveState} from '../../../src/core/stream/state.js'

// A stop and a restart with --state must not change what is detected: the sessions open at the stop
// go on after it (the state keeps them), so each is scored once, whole, as one uninterrupted run does.

const HDFS = 'data/hdfs_sample.log'
/** Request-id sessions (service_sample: request ids), and windows (syslog_sample: 5-minute windows scored by window-rate). */
const OTHERS = {request: 'data/service_sample.jsonl', window: 'data/syslog_sample.log'}
let dir: string
let lines: string[]
let modelDir: string
const logs: Record<string, {lines: string[]; model: string}> = {}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-state-sessions-'))
  modelDir = join(dir, 'model')
  await saveBundle(modelDir, (await detect({input: HDFS})).bundle)
  lines = (await readFile(HDFS, 'utf8')).split('\n').filter((l) => l !== '')
  for (const [key, path] of Object.entries(OTHERS)) {
    const fitted = await detect({input: path})
    expect(fitted.bundle.manifest.session_key).toBe(key)
    await saveBundle(join(dir, key), fitted.bundle)
    logs[key] = {lines: (await readFile(path, 'utf8')).split('\n').filter((l) => l !== ''), model: join(dir, key)}
  }
})
afterAll(() => rm(dir, {recursive: true, force: true}))

interface Outcome {
  scored: Array<Omit<ScoredSession, 'closedAt'>>
  events: string[]
}

/** Feeds lines[from, to) in chunks of `chunk`: as LiveLines, or (`bytes`) as regions the byte path takes once it can. */
function feed(engine: LiveEngine, from: number, to: number, chunk: number, bytes: boolean, events: IncidentEvent[]): void {
  for (let i = from; i < to; i += chunk) {
    const part = lines.slice(i, Math.min(to, i + chunk))
    if (bytes) {
      const buf = Buffer.from(part.join('\n') + '\n')
      const taken = engine.ingestBytes(buf, 0, buf.length - 1)
      if (taken) {
        events.push(...taken.events)
        continue
      }
    }
    events.push(...engine.ingest(part.map((text) => ({text, source: 'f', arrivedAt: Number.NaN}))))
  }
}

const eventOf = (e: IncidentEvent): string => `${e.kind} ${e.incident.id} ${e.reason ?? ''} sessions=${e.incident.sessions} score=${e.incident.score} ${e.incident.firstSeen}..${e.incident.lastSeen} [${e.incident.signature.join(',')}] ${e.incident.title}`

/** One run over every line, stopped (finish 'kept', state saved and loaded) before each of `stops`. */
async function run(stops: number[], options: Partial<EngineOptions>, bytes = false, chunk = 97, log?: string): Promise<Outcome> {
  const all = lines
  if (log) lines = logs[log].lines
  try {
    return await runOn(stops, options, bytes, chunk, log ? logs[log].model : modelDir)
  } finally {
    lines = all
  }
}

async function runOn(stops: number[], options: Partial<EngineOptions>, bytes: boolean, chunk: number, modelPath: string): Promise<Outcome> {
  const scored: Outcome['scored'] = []
  const events: IncidentEvent[] = []
  const onScored = ({closedAt: _, ...s}: ScoredSession): void => void scored.push(s)
  const model: ModelBundle = await loadBundle(modelPath)
  const path = join(dir, `state-${stops.join('-')}-${bytes}.json`)
  await rm(path, {force: true})
  let from = 0
  for (const stop of [...stops, lines.length]) {
    const state = await loadLiveState(path)
    const engine = new LiveEngine({...options, model, miner: state?.miner, minerModel: state?.model, nextIncident: state?.nextIncident, openIncidents: state?.openIncidents, openSessions: state?.sessions, onScored})
    feed(engine, from, stop, chunk, bytes, events)
    from = stop
    if (stop === lines.length) {
      events.push(...engine.finish('end of input'))
      break
    }
    events.push(...engine.finish('kept'))
    await saveLiveState(path, {miner: engine.parser.miner!, nextIncident: engine.nextIncident, model: engine.modelFingerprint, openIncidents: engine.openIncidentStates, sessions: engine.keptSessions()})
  }
  return {scored, events: events.map(eventOf)}
}

const byId = (o: Outcome): Outcome['scored'] => [...o.scored].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.firstSeen - b.firstSeen))

describe('collect --state: a stop and a restart detect what one run does', () => {
  // Default idle: every block is open until the end; 4 minutes: blocks close all along the log, some while others are cut by the stop.
  for (const idleMs of [undefined, 4 * 60_000]) {
    it(`the same sessions, scores and incidents, stopped mid-session at several points${idleMs ? ' (sessions closing between the stops)' : ''}`, async () => {
      const options = idleMs ? {idleMs} : {}
      const whole = await run([], options)
      expect(whole.scored.length).toBeGreaterThan(300)
      expect(whole.scored.some((s) => s.anomalous)).toBe(true)
      expect(whole.events.some((e) => e.startsWith('opened'))).toBe(true)
      if (idleMs) expect(whole.scored.filter((s) => s.reason === 'idle').length).toBeGreaterThan(100)
      const each = Array.from({length: Math.floor(lines.length / 250)}, (_, k) => [(k + 1) * 250])
      // ([3300, 3300]: a restart stopped again before its first line keeps what it restored)
      for (const stops of [[1], [150], [3300], [3300, 3300], [5000, 5001], [777, 2500, 4100, 6000], [lines.length - 1], ...each]) {
        const restarted = await run(stops, options)
        // In the order they were scored, and as a whole.
        expect(restarted.scored.map((s) => s.id), `stopped at ${stops}`).toEqual(whole.scored.map((s) => s.id))
        expect(byId(restarted), `stopped at ${stops}`).toEqual(byId(whole))
        expect(restarted.events, `stopped at ${stops}`).toEqual(whole.events)
      }
    })
  }

  it('the same through the byte path (how a followed file or stdin is read)', async () => {
    for (const idleMs of [undefined, 5 * 60_000]) {
      const options = idleMs ? {idleMs} : {}
      const whole = await run([], options, true, 500)
      expect(whole.scored.length).toBeGreaterThan(300)
      for (const stops of [[1500], [2000, 4500], [3300]]) {
        const restarted = await run(stops, options, true, 500)
        expect(byId(restarted), `stopped at ${stops}`).toEqual(byId(whole))
        expect(restarted.events, `stopped at ${stops}`).toEqual(whole.events)
      }
    }
  })

  for (const key of Object.keys(OTHERS)) {
    it(`the same with ${key} sessions`, async () => {
      const whole = await run([], {}, false, 97, key)
      expect(whole.scored.length).toBeGreaterThan(10)
      const n = logs[key].lines.length
      for (const stops of [[1], [Math.floor(n / 3)], [Math.floor(n / 2), Math.floor(n / 2) + 1], [100, 600, 1200], ...Array.from({length: Math.floor(n / 200)}, (_, k) => [(k + 1) * 200])]) {
        const restarted = await run(stops, {}, false, 97, key)
        expect(restarted.scored.map((s) => s.id), `stopped at ${stops}`).toEqual(whole.scored.map((s) => s.id))
        expect(byId(restarted), `stopped at ${stops}`).toEqual(byId(whole))
        expect(restarted.events, `stopped at ${stops}`).toEqual(whole.events)
      }
    })
  }

  it('a state file without open sessions (an older Flare, or none open) loads as before; sessions cut for another keying start anew, saying so', async () => {
    const path = join(dir, 'old.json')
    const model = await loadBundle(modelDir)
    const engine = new LiveEngine({model})
    engine.ingest(lines.slice(0, 200).map((text) => ({text, source: 'f', arrivedAt: Number.NaN})))
    engine.finish('kept')
    expect(engine.keptSessions()!.sessions.length).toBeGreaterThan(0)
    await saveLiveState(path, {miner: engine.parser.miner!, nextIncident: 1, model: engine.modelFingerprint})
    const text = await readFile(path, 'utf8')
    expect(JSON.parse(text).open_sessions).toBeUndefined()
    const old = await loadLiveState(path)
    expect(old?.sessions).toBeUndefined()

    await saveLiveState(path, {miner: engine.parser.miner!, nextIncident: 1, model: engine.modelFingerprint, sessions: engine.keptSessions()})
    const saved = JSON.parse(await readFile(path, 'utf8'))
    expect(saved.version).toBe(1)
    expect(saved.open_sessions.sessions.length).toBe(engine.keptSessions()!.sessions.length)
    saved.open_sessions.keying.mode = 'request'
    await writeFile(path, JSON.stringify(saved))
    const other = await loadLiveState(path)
    const notes: string[] = []
    const again = new LiveEngine({model, miner: other!.miner, minerModel: other!.model, openSessions: other!.sessions, onNote: (n) => notes.push(n)})
    again.ingest(lines.slice(200, 300).map((text) => ({text, source: 'f', arrivedAt: Number.NaN})))
    expect(notes.join('\n')).toContain(`${engine.keptSessions()!.sessions.length} sessions open at the last stop dropped`)

    saved.open_sessions.sessions[0].templates = [999, 1, 1]
    await writeFile(path, JSON.stringify(saved))
    await expect(loadLiveState(path)).rejects.toThrow(/open_sessions/)
  })
})

describe('collect --state: a crash after a periodic save', () => {
  /**
   * One run fed to `save`, its state saved as the runner does every 30 s (the run going on) with or
   * without its open sessions, fed on to `crash` and lost; a second run from that state reads the
   * log again from `save`, as a followed file is read again from the state's position.
   */
  async function crashed(save: number, crash: number, withSessions: boolean): Promise<Outcome['scored']> {
    const model = await loadBundle(modelDir)
    const scored: Outcome['scored'] = []
    const events: IncidentEvent[] = []
    const onScored = ({closedAt: _, ...s}: ScoredSession): void => void scored.push(s)
    const path = join(dir, `crash-${save}-${withSessions}.json`)
    const first = new LiveEngine({model, onScored})
    feed(first, 0, save, 97, false, events)
    await saveLiveState(path, {miner: first.parser.miner!, nextIncident: first.nextIncident, model: first.modelFingerprint, openIncidents: first.openIncidentStates, sessions: first.keptSessions(withSessions)})
    const atSave = scored.length
    feed(first, save, crash, 97, false, events)
    scored.length = atSave
    const state = await loadLiveState(path)
    const second = new LiveEngine({model, miner: state?.miner, minerModel: state?.model, nextIncident: state?.nextIncident, openIncidents: state?.openIncidents, openSessions: state?.sessions, onScored})
    feed(second, save, lines.length, 97, false, events)
    second.finish('end of input')
    return scored
  }

  it('goes on with the sessions open at the save: each scored whole, once, but for the last line read, which no record held yet', async () => {
    const whole = byId(await run([], {}))
    for (const [save, crash] of [[1500, 2600], [3300, 3301], [777, 5000]]) {
      // The line before the save waits in its record's assembler (does a continuation follow?): in no
      // session yet, and past the state's position, so the crash loses it (as it loses queued lines).
      const held = new Set(lines[save - 1].match(/blk_-?\d+/g))
      const label = `saved at ${save}, crashed at ${crash}`
      const restarted = byId({scored: await crashed(save, crash, true), events: []})
      expect(restarted.map((s) => s.id), label).toEqual(whole.map((s) => s.id))
      restarted.forEach((s, k) => {
        if (!held.has(s.id)) expect(s, label).toEqual(whole[k])
        else expect(s.events, label).toBe(whole[k].events - 1)
      })
      // Before, the state kept no open session: the crash lost those that had all their lines before
      // the save, and cut the others short.
      const cut = JSON.stringify(byId({scored: await crashed(save, crash, false), events: []}))
      const intact = whole.filter((s) => cut.includes(JSON.stringify(s))).length
      expect(intact, label).toBeLessThan(whole.length - 20)
    }
  })
})
