import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Vocabulary} from '../../../src/core/features/vocabulary.js'
import type {LogRecord} from '../../../src/core/ingest/record.js'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {IncidentEvent, LiveLine} from '../../../src/core/stream/contracts.js'
import {defaultIdleMs, ENGINE_DEFAULTS, LiveEngine} from '../../../src/core/stream/engine.js'
import {existsSync} from 'node:fs'
import {datasets} from '../../helpers/cli.js'
import {IncidentTracker} from '../../../src/core/stream/live-incidents.js'
import {LiveTemplates, type LiveRecord} from '../../../src/core/stream/live-parse.js'
import {LiveSession, OpenSessions, type ClosedSession, type SessionKeying} from '../../../src/core/stream/live-sessions.js'
import {LineQueue} from '../../../src/core/stream/queue.js'
import {replayFile, type Pace, type ReplayClock} from '../../../src/core/stream/replay.js'
import {loadLiveState, saveLiveState} from '../../../src/core/stream/state.js'

const SAMPLE = 'data/hdfs_sample.log'
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-engine-'))
  const fitted = await detect({input: SAMPLE})
  await saveBundle(join(dir, 'model'), fitted.bundle)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

/** A clock whose sleep only moves time on: a paced replay without waiting. */
function fakeClock(): ReplayClock & {slept: number} {
  let t = 0
  const clock = {slept: 0, now: () => t, sleep: async (ms: number) => {
    t += ms
    clock.slept += ms
  }}
  return clock
}

async function replayThroughEngine(pace: Pace, clock: ReplayClock, options: {idleMs?: number} = {}): Promise<{events: IncidentEvent[]; flagged: string[]; engine: LiveEngine}> {
  const model = await loadBundle(join(dir, 'model'))
  const flagged: string[] = []
  let engine: LiveEngine | undefined
  engine = new LiveEngine({model, idleMs: options.idleMs ?? 5 * 60_000, latenessMs: 5000, clock: () => engine!.eventTime, onScored: (s) => s.anomalous && flagged.push(s.id)})
  const events: IncidentEvent[] = []
  await replayFile({input: SAMPLE, pace, clock, chunk: 97, deliver: (lines) => void events.push(...engine!.ingest(lines))})
  events.push(...engine.finish())
  return {events, flagged, engine}
}

describe('the live engine on event time', () => {
  it('raises the same incidents at 1×, 100× and full speed', async () => {
    const slow = fakeClock()
    const one = await replayThroughEngine({kind: 'speed', factor: 1}, slow)
    const hundred = await replayThroughEngine({kind: 'speed', factor: 100}, fakeClock())
    const max = await replayThroughEngine({kind: 'max'}, fakeClock())
    // The 1× replay really was paced: the sample spans more than half an hour of log time.
    expect(slow.slept).toBeGreaterThan(30 * 60_000)
    expect(max.events.length).toBeGreaterThan(0)
    expect(one.events).toEqual(max.events)
    expect(hundred.events).toEqual(max.events)
    expect(one.flagged).toEqual(max.flagged)
  })

  it('with sessions left open to the end, flags what batch detect flags with the same model', async () => {
    const model = await loadBundle(join(dir, 'model'))
    const batch = await detect({input: SAMPLE, model})
    const batchFlagged = batch.results.anomalies.filter((a) => a.is_anomaly).map((a) => a.session_id).sort()
    const live = await replayThroughEngine({kind: 'max'}, fakeClock(), {idleMs: 7 * 86_400_000})
    expect(batchFlagged.length).toBeGreaterThan(0)
    expect([...live.flagged].sort()).toEqual(batchFlagged)
  })
})

const BGL = join(datasets, 'loghub-2k/BGL/BGL_2k.log')
// Three servers' logs one after another: event time jumps back a month twice (replay merges them by time).
const ZOOKEEPER = join(datasets, 'loghub-2k/Zookeeper/Zookeeper_2k.log')

describe('the live engine against batch on a loghub-2k log', () => {
  // Windowed sessions (BGL: one-day windows, Zookeeper: 15 minutes) close on the watermark instead of an idle clock.
  // (a model scores each window against its training profile: Zookeeper's bursts, scored by the
  // model fitted on them, are its normal, so none is flagged there; batch and live must still agree)
  const flagsAsBatch = async (log: string, flags = true): Promise<void> => {
    const fitted = await detect({input: log})
    const batch = await detect({input: log, model: fitted.bundle})
    const batchFlagged = batch.results.anomalies.filter((a) => a.is_anomaly).map((a) => a.session_id).sort()
    const flagged: string[] = []
    let engine: LiveEngine | undefined
    engine = new LiveEngine({model: await reloaded(fitted.bundle), idleMs: 7 * 86_400_000, clock: () => engine!.eventTime, onScored: (s) => s.anomalous && flagged.push(s.id)})
    await replayFile({input: log, pace: {kind: 'max'}, chunk: 251, deliver: (lines) => void engine!.ingest(lines)})
    engine.finish()
    if (flags) expect(batchFlagged.length).toBeGreaterThan(0)
    expect(engine.stats().scored).toBe(batch.results.anomalies.length)
    expect(flagged.sort()).toEqual(batchFlagged)
    expect(engine.stats().sessions.lateDropped).toBe(0)
  }
  it.skipIf(!existsSync(BGL))('flags the windows batch detect --model flags (BGL; skipped when loghub-2k is not mounted)', () => flagsAsBatch(BGL))
  it.skipIf(!existsSync(ZOOKEEPER))('flags the windows batch detect --model flags on a file of three logs one after another (Zookeeper; skipped when loghub-2k is not mounted)', () => flagsAsBatch(ZOOKEEPER, false))
})

/** A bundle as `--model DIR` loads it (the fitted one's miner has gone on mining the batch run). */
async function reloaded(bundle: Parameters<typeof saveBundle>[1]): Promise<Awaited<ReturnType<typeof loadBundle>>> {
  const to = await mkdtemp(join(dir, 'bundle-'))
  await saveBundle(to, bundle)
  return loadBundle(to)
}

describe('the --idle default', () => {
  it('is a little over the longest quiet gap of a training session, within 30m and --max-session', async () => {
    const model = await loadBundle(join(dir, 'model'))
    const gap = model.manifest.session_gap_ms!
    expect(gap).toBeGreaterThan(0)
    const idle = defaultIdleMs(model, 7 * 86_400_000)
    expect(idle).toBeGreaterThan(gap)
    expect(idle).toBeGreaterThanOrEqual(ENGINE_DEFAULTS.idleMs)
    expect(defaultIdleMs(model, 60_000)).toBe(60_000)
    const old = {...model, manifest: {...model.manifest, session_gap_ms: undefined}}
    expect(defaultIdleMs(old, 7 * 86_400_000)).toBe(ENGINE_DEFAULTS.idleMs)
  })

  it('with a model saved by detect, a replay keeps HDFS blocks whole (no session closes idle mid-block)', async () => {
    const model = await loadBundle(join(dir, 'model'))
    const batch = await detect({input: SAMPLE, model})
    const batchFlagged = batch.results.anomalies.filter((a) => a.is_anomaly).map((a) => a.session_id).sort()
    const flagged: string[] = []
    let engine: LiveEngine | undefined
    engine = new LiveEngine({model, clock: () => engine!.eventTime, onScored: (s) => s.anomalous && flagged.push(s.id)})
    await replayFile({input: SAMPLE, pace: {kind: 'max'}, deliver: (lines) => void engine!.ingest(lines)})
    engine.finish()
    const stats = engine.stats()
    expect(stats.sessions.opened).toBe(batch.results.anomalies.length)
    expect(flagged.sort()).toEqual(batchFlagged)
  })
})

function rec(template: number, time: number, keys: string[], extra: Partial<LogRecord> = {}): LiveRecord {
  const record: LogRecord = {lineId: 1, lineCount: 1, content: `t${template}`, sessionKeys: keys, sessionKind: 'block', format: 'test', timestamp: time, ...extra}
  return {record, template, time, arrivalTime: false, text: `line ${template}`, newTemplate: false}
}

function sessions(keying: Partial<SessionKeying>, limits: Partial<ConstructorParameters<typeof OpenSessions>[1]> = {}): {open: OpenSessions; closed: ClosedSession[]} {
  const closed: ClosedSession[] = []
  const open = new OpenSessions({mode: 'block', windowMs: 60_000, stepMs: 60_000, by: [], ...keying}, {idleMs: 10_000, maxSessionMs: 3_600_000, latenessMs: 1000, maxOpen: 1000, ...limits}, (c) => closed.push(c))
  return {open, closed}
}

describe('session closing', () => {
  it('closes an id session once the watermark is idle past its last event', () => {
    const {open, closed} = sessions({})
    open.add(rec(1, 0, ['a']))
    open.add(rec(2, 5000, ['b']))
    open.add(rec(1, 10_500, ['b']))
    expect(closed).toEqual([])
    // watermark = 11_500 − 1000 lateness: a's last event (0) is more than 10 s behind
    open.add(rec(1, 11_500, ['b']))
    expect(closed.map((c) => [c.session.id, c.reason])).toEqual([['a', 'idle']])
    expect(open.size).toBe(1)
  })

  it('closes on a terminal template and on the maximum age', () => {
    const {open, closed} = sessions({}, {terminal: new Set([9]), maxSessionMs: 20_000, idleMs: 60_000})
    open.add(rec(1, 0, ['a']))
    open.add(rec(9, 1000, ['a']))
    open.add(rec(1, 2000, ['b']))
    open.add(rec(1, 23_000, ['b']))
    expect(closed.map((c) => [c.session.id, c.reason, c.session.events])).toEqual([['a', 'terminal', 2], ['b', 'max-age', 1]])
    expect(open.size).toBe(1)
  })

  it('closes a window when the watermark passes its end, filling silent streams', () => {
    const {open, closed} = sessions({mode: 'window', by: ['host']})
    open.add(rec(1, 1000, [], {host: 'h1'}))
    open.add(rec(1, 2000, [], {host: 'h2'}))
    // watermark 59.5 s: the first minute is still open (lateness)
    open.add(rec(1, 60_500, [], {host: 'h1'}))
    expect(closed).toEqual([])
    open.add(rec(1, 61_001, [], {host: 'h1'}))
    expect(closed.map((c) => c.session.id)).toEqual(['h1 1970-01-01T00:00:00.000Z', 'h2 1970-01-01T00:00:00.000Z'])
    open.closeAll()
    // h2 said nothing in the second minute: an empty window, not a missing one
    expect(closed.slice(2).map((c) => [c.session.id, c.session.events])).toEqual([['h1 1970-01-01T00:01:00.000Z', 2], ['h2 1970-01-01T00:01:00.000Z', 0]])
    // a record for a closed window is late and dropped, counted
    open.add(rec(1, 1500, [], {host: 'h1'}))
    expect(open.counters.lateDropped).toBe(1)
  })

  it('closes the least recently active session early beyond --max-open, counted', () => {
    const {open, closed} = sessions({}, {maxOpen: 2})
    open.add(rec(1, 0, ['a']))
    open.add(rec(1, 1, ['b']))
    open.add(rec(1, 2, ['a']))
    open.add(rec(1, 3, ['c']))
    expect(closed.map((c) => [c.session.id, c.reason])).toEqual([['b', 'max-open']])
    expect(open.counters.closed['max-open']).toBe(1)
  })
})

describe('incidents', () => {
  const templates = new LiveTemplates()
  for (const id of ['T1', 'T2', 'T3', 'T4']) templates.index(id, {lineId: 1, lineCount: 1, content: id, sessionKeys: [], format: 'test', level: id === 'T3' ? 'ERROR' : 'INFO'})
  const vocabulary = new Vocabulary(['T1', 'T2'], new Float64Array([1, 1]), new Float64Array([1, 1]), new Float64Array([1, 1]), [], 10)
  const session = (id: string, t: number[], time: number): LiveSession => {
    const s = new LiveSession(id, 0)
    for (const index of t) s.track(rec(index, time, [id]))
    return s
  }

  it('grows an open incident with sessions of the same signature within the gap, and opens a new one after it', () => {
    const tracker = new IncidentTracker({gapMs: 60_000, vocabulary, templates, templateText: (i) => templates.id(i)})
    const first = tracker.observe(session('a', [0, 2], 0), 5, 1000)
    expect(first?.kind).toBe('opened')
    expect(first?.incident.signature).toEqual(['T3'])
    expect(first?.incident.severity).toBe('high')
    expect(tracker.observe(session('b', [0, 1, 2], 30_000), 6, 31_000)?.kind).toBe('updated')
    // another signature: its own incident
    expect(tracker.observe(session('c', [3], 40_000), 2, 41_000)?.incident.id).toBe('INC-0002')
    expect(tracker.openIncidents.map((i) => [i.id, i.sessions, i.score])).toEqual([['INC-0001', 2, 6], ['INC-0002', 1, 2]])
    expect(tracker.expire(95_000, 95_000).map((e) => [e.kind, e.incident.id])).toEqual([['resolved', 'INC-0001']])
    expect(tracker.observe(session('d', [2], 200_000), 5, 201_000)?.incident.id).toBe('INC-0003')
  })

  it('a tracker restored from a snapshot goes on as the one that stopped: the same joins, numbers and resolutions', () => {
    const options = {gapMs: 60_000, vocabulary, templates, templateText: (i: number) => templates.id(i)}
    const run = (tracker: IncidentTracker, from: number): unknown[] => [
      tracker.observe(session('e', [0, 2], from), 4, from + 1000),
      tracker.observe(session('f', [3], from + 5000), 2, from + 6000),
      ...tracker.expire(from + 62_000, from + 62_000),
      ...tracker.resolveAll(from + 80_000, 'stopped'),
    ]
    const straight = new IncidentTracker(options)
    straight.observe(session('a', [0, 2], 0), 5, 1000)
    straight.observe(session('c', [3], 40_000), 2, 41_000)
    const split = new IncidentTracker(options)
    split.observe(session('a', [0, 2], 0), 5, 1000)
    split.observe(session('c', [3], 40_000), 2, 41_000)
    // Through JSON, as a --state file keeps it.
    const snapshot = JSON.parse(JSON.stringify(split.snapshot()))
    expect(snapshot.map((o: {incident: {id: string}; signature: string[]}) => [o.incident.id, o.signature])).toEqual([['INC-0001', ['T3']], ['INC-0002', ['T4']]])
    const restored = new IncidentTracker({...options, nextId: split.nextId, restored: snapshot})
    const events = run(restored, 50_000)
    expect(events).toEqual(run(straight, 50_000))
    // e joined INC-0001 (its second session), f INC-0002; the one quiet for the gap resolved, the other at the stop.
    expect(events.map((e) => {
      const x = e as {kind: string; incident: {id: string; sessions: number}; reason?: string} | undefined
      return x && [x.kind, x.incident.id, x.incident.sessions, x.reason]
    })).toEqual([['updated', 'INC-0001', 2, undefined], ['updated', 'INC-0002', 2, undefined], ['resolved', 'INC-0001', 2, 'quiet'], ['resolved', 'INC-0002', 2, 'stopped']])
  })
})

describe('state and the queue', () => {
  it('a restart from the state file keeps template ids', async () => {
    const lines = (texts: string[]): LiveLine[] => texts.map((text) => ({text, source: 'x', arrivedAt: 0}))
    const model = await loadBundle(join(dir, 'model'))
    const first = new LiveEngine({model})
    const novel = '081109 214043 2561 INFO dfs.DataNode$DataXceiver: Totally new event for blk_1 with code 7'
    first.ingest(lines([novel, '081109 214043 2561 INFO dfs.DataNode$DataXceiver: something else entirely blk_2 now']))
    first.finish()
    const index = first.parser.templates.metas.findIndex((_, i) => first.parser.templates.text(i).startsWith('Totally new'))
    const id = first.parser.templates.id(index)
    // Unseen in training: named after its text, not numbered in arrival order.
    expect(id).toMatch(/^N[0-9a-f]{10}$/)
    await saveLiveState(join(dir, 'state.json'), {miner: first.parser.miner!, nextIncident: 7})
    const state = await loadLiveState(join(dir, 'state.json'))
    expect(state?.nextIncident).toBe(7)
    const second = new LiveEngine({model: await loadBundle(join(dir, 'model')), miner: state!.miner})
    second.ingest(lines([novel.replace('blk_1', 'blk_9')]))
    second.finish()
    expect(second.parser.templates.metas.map((m) => m.id)).toEqual([id])
    expect(await loadLiveState(join(dir, 'absent.json'))).toBeUndefined()
  })

  it('a state file keeps the open incidents, and one whose open incidents are malformed is refused in one line', async () => {
    const model = await loadBundle(join(dir, 'model'))
    const engine = new LiveEngine({model, idleMs: 7 * 86_400_000})
    engine.ingest((await readFile('data/hdfs_sample.log', 'utf8')).trim().split('\n').map((text) => ({text, source: 'x', arrivedAt: 0})))
    // (every session scored first, as a Kafka rebalance does: a stop with 'kept' leaves them open, for the state to keep)
    const events = [...engine.flushSessions(), ...engine.finish('kept')]
    expect(engine.keptSessions()?.sessions ?? []).toEqual([])
    expect(events.filter((e) => e.kind === 'resolved').every((e) => e.reason === 'quiet')).toBe(true)
    const open = engine.openIncidentStates
    expect(open.length).toBeGreaterThan(0)
    const path = join(dir, 'incidents-state.json')
    await saveLiveState(path, {miner: engine.parser.miner!, nextIncident: engine.nextIncident, openIncidents: open})
    const state = await loadLiveState(path)
    expect(state?.openIncidents).toEqual(open)
    // Restored, then at the input's end: every one resolves, saying why.
    const next = new LiveEngine({model, miner: state!.miner, nextIncident: state!.nextIncident, openIncidents: state!.openIncidents})
    expect(next.openIncidents.map((i) => i.id)).toEqual(open.map((o) => o.incident.id))
    expect(next.finish().map((e) => [e.kind, e.incident.id, e.reason])).toEqual(open.map((o) => ['resolved', o.incident.id, 'end of input']))
    expect([next.stats().incidentsResumed, next.stats().incidentsOpened, next.stats().incidentsResolved]).toEqual([open.length, 0, open.length])
    // Restored while a stretch still trains (nothing scored yet): kept by a stop, resolved by the end.
    const training = (): LiveEngine => new LiveEngine({trainFor: {records: 1_000_000}, openIncidents: state!.openIncidents})
    const stopped = training()
    expect(stopped.finish('kept')).toEqual([])
    expect(stopped.openIncidentStates).toEqual(open)
    expect(training().finish().map((e) => [e.kind, e.incident.id, e.reason])).toEqual(open.map((o) => ['resolved', o.incident.id, 'end of input']))
    // On a silent stream a restored incident goes quiet by the wall clock: a gap past the newest one.
    let wall = 1_000_000
    const gapMs = 60_000
    const silent = new LiveEngine({model, miner: state!.miner, openIncidents: state!.openIncidents, incidentGapMs: gapMs, clock: () => wall})
    const newest = Math.max(...open.map((o) => o.last))
    const resolvedBy = (quietMs: number): string[] => open.filter((o) => o.last + gapMs < newest + quietMs).map((o) => o.incident.id)
    expect(silent.tick(wall)).toEqual([])
    wall += 30_000
    const first = silent.tick(wall)
    expect(first.map((e) => [e.incident.id, e.reason])).toEqual(resolvedBy(30_000).map((id) => [id, 'quiet']))
    wall += 60_000
    const rest = silent.tick(wall)
    expect(rest.map((e) => [e.incident.id, e.reason])).toEqual(resolvedBy(90_000).filter((id) => !resolvedBy(30_000).includes(id)).map((id) => [id, 'quiet']))
    // (every one a gap behind the newest by then)
    expect(first.length + rest.length).toBe(open.length)
    expect([silent.stats().incidentsResumed, silent.stats().incidentsResolved, silent.stats().openIncidents]).toEqual([open.length, open.length, 0])
    expect(silent.openIncidentStates).toEqual([])
    // A state written with another model: its incidents resolve as stopped at once, none goes on.
    const other = new LiveEngine({model, miner: state!.miner, minerModel: 'sha256:0000000000000000', openIncidents: state!.openIncidents})
    expect(other.stateUsed).toBe(false)
    expect(other.openIncidentStates).toEqual([])
    expect(other.finish('kept').map((e) => [e.kind, e.incident.id, e.reason])).toEqual(open.map((o) => ['resolved', o.incident.id, 'stopped']))
    // The numbering goes on past every restored incident, whatever next_incident says.
    const file = JSON.parse(await readFile(path, 'utf8'))
    await writeFile(path, JSON.stringify({...file, next_incident: 1}))
    expect((await loadLiveState(path))?.nextIncident).toBe(Math.max(...open.map((o) => Number(o.incident.id.slice(4)))) + 1)
    await writeFile(path, JSON.stringify({...file, open_incidents: [file.open_incidents[0], file.open_incidents[0]]}))
    await expect(loadLiveState(path)).rejects.toThrow(/open_incidents: INC-\d+ is there twice/)
    file.open_incidents[0].incident.severity = 'apocalyptic'
    await writeFile(path, JSON.stringify(file))
    await expect(loadLiveState(path)).rejects.toThrow(/^--state .* is not a Flare live state: open_incidents: 0\.incident\.severity /)
  })

  it('a full queue refuses lines and counts them; room() waits for the engine to take', async () => {
    const q = new LineQueue(4)
    const line = {text: 'x', source: 's', arrivedAt: 0}
    const pushed = Array.from({length: 6}, () => q.push(line))
    expect(pushed).toEqual([true, true, true, true, false, false])
    expect(q.dropped).toBe(2)
    let roomy = false
    const waiting = q.room().then(() => (roomy = true))
    await Promise.resolve()
    expect(roomy).toBe(false)
    expect((await q.take(3)).length).toBe(3)
    await waiting
    expect(roomy).toBe(true)
    q.close()
    expect((await q.take(10)).length).toBe(1)
    expect(await q.take(10)).toEqual([])
  })
})
