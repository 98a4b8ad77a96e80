import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate} from '../../../data/generate-multihost.mjs'
import {Vocabulary} from '../../../src/core/features/vocabulary.js'
import type {LogRecord} from '../../../src/core/ingest/record.js'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {IncidentEvent, LiveIncident} from '../../../src/core/stream/contracts.js'
import {ENGINE_DEFAULTS, LiveEngine, type EngineOptions} from '../../../src/core/stream/engine.js'
import {IncidentTracker} from '../../../src/core/stream/live-incidents.js'
import {LiveTemplates, type LiveRecord} from '../../../src/core/stream/live-parse.js'
import {LiveSession} from '../../../src/core/stream/live-sessions.js'
import {replayFile} from '../../../src/core/stream/replay.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-growth-'))
})
afterAll(() => rm(dir, {recursive: true, force: true}))

async function replay(input: string, options: EngineOptions): Promise<IncidentEvent[] & {anomalous?: number}> {
  let engine: LiveEngine | undefined
  engine = new LiveEngine({...options, clock: () => engine!.eventTime})
  const events: IncidentEvent[] = []
  await replayFile({input, pace: {kind: 'max'}, deliver: (lines) => void events.push(...engine!.ingest(lines))})
  events.push(...engine.finish())
  return Object.assign(events, {anomalous: engine.stats().anomalous})
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  const both = a.filter((x) => b.includes(x)).length
  return both / (a.length + b.length - both)
}

/**
 * Incidents raised as a second one of the same problem: [earlier, later] where the later one's
 * first session came within the gap of the earlier one's last (as it stood then), with half the
 * signature in common or the same title. Resolved ones count: resolving before such a session was
 * matched is the defect.
 */
function raisedTwice(events: readonly IncidentEvent[], gapMs: number): Array<[string, string]> {
  const seen = new Map<string, LiveIncident>()
  const pairs: Array<[string, string]> = []
  for (const e of events) {
    if (e.kind === 'opened') {
      for (const a of seen.values()) {
        const near = Date.parse(e.incident.firstSeen) - Date.parse(a.lastSeen) <= gapMs
        if (near && (jaccard(a.signature, e.incident.signature) >= 0.5 || a.title === e.incident.title)) pairs.push([a.id, e.incident.id])
      }
    }
    seen.set(e.incident.id, e.incident)
  }
  return pairs
}

/** Incidents that resolved as quiet at the instant they opened. */
function openedAndQuiet(events: readonly IncidentEvent[]): string[] {
  const opened = new Map(events.filter((e) => e.kind === 'opened').map((e) => [e.incident.id, e.at]))
  return events.filter((e) => e.kind === 'resolved' && e.reason === 'quiet' && opened.get(e.incident.id) === e.at).map((e) => e.incident.id)
}

describe('live incidents grow', () => {
  it('id sessions: a session joins the open incident its events come within the gap of, though it closes --idle after its last line', async () => {
    const fitted = await detect({input: 'data/hdfs_sample.log'})
    await saveBundle(join(dir, 'hdfs'), fitted.bundle)
    const model = await loadBundle(join(dir, 'hdfs'))
    // (sessions close 30 min after their last line, three times the 10-minute gap)
    const events = await replay('data/hdfs_sample.log', {model})
    const opened = events.filter((e) => e.kind === 'opened')
    expect(opened.length).toBeGreaterThan(3)
    expect(raisedTwice(events, ENGINE_DEFAULTS.incidentGapMs)).toEqual([])
    expect(openedAndQuiet(events)).toEqual([])
    const resolved = events.filter((e) => e.kind === 'resolved')
    expect(resolved.some((e) => e.incident.sessions >= 3)).toBe(true)
    // every anomalous session is in exactly one incident
    const anomalous = opened.length + events.filter((e) => e.kind === 'resolved').reduce((n, e) => n + e.incident.sessions - 1, 0)
    expect(anomalous).toBe(events.anomalous)
  })

  it('windows: the windows of one problem on a host are one incident while they come within the gap (multi-host log, --train-for 4h)', async () => {
    const log = join(dir, 'multihost.log')
    await writeFile(log, (generate({seed: 1}) as {text: string}).text)
    const events = await replay(log, {trainFor: {ms: 4 * 3_600_000}})
    expect(raisedTwice(events, ENGINE_DEFAULTS.incidentGapMs)).toEqual([])
    expect(openedAndQuiet(events)).toEqual([])
    // the expired certificate (08:31–10:10 on web-01 and web-02): flagged windows more than the gap apart only
    const cert = events.filter((e) => e.kind === 'resolved' && /SSL certificate/.test(e.incident.title)).map((e) => e.incident)
    expect(cert.length).toBeGreaterThan(0)
    expect(cert.reduce((n, i) => n + i.sessions, 0)).toBeGreaterThan(cert.length)
    for (let k = 1; k < cert.length; k++) expect(Date.parse(cert[k].firstSeen) - Date.parse(cert[k - 1].lastSeen)).toBeGreaterThan(ENGINE_DEFAULTS.incidentGapMs)
  }, 60_000)
})

describe('the tracker', () => {
  const templates = new LiveTemplates()
  for (const id of ['T1', 'T2', 'T3', 'T4', 'N1']) templates.index(id, {lineId: 1, lineCount: 1, content: id, sessionKeys: [], format: 'test', level: id === 'T3' ? 'ERROR' : 'INFO'})
  const vocabulary = new Vocabulary(['T1', 'T2', 'T3', 'T4'], new Float64Array(4).fill(1), new Float64Array(4).fill(1), new Float64Array(4).fill(1), [], 10)
  const options = {gapMs: 60_000, vocabulary, templates, templateText: (i: number) => templates.id(i)}
  const rec = (template: number, time: number, key: string): LiveRecord => {
    const record: LogRecord = {lineId: 1, lineCount: 1, content: `t${template}`, sessionKeys: [key], sessionKind: 'block', format: 'test', timestamp: time}
    return {record, template, time, arrivalTime: false, text: `line ${template}`, newTemplate: false}
  }
  const session = (id: string, t: number[], from: number, to = from): LiveSession => {
    const s = new LiveSession(id, 0)
    t.forEach((index, k) => s.track(rec(index, k === t.length - 1 ? to : from, id)))
    return s
  }

  it('resolves an incident only once the watermark is the gap and the lag past its last session', () => {
    const tracker = new IncidentTracker({...options, lagMs: 30_000})
    tracker.observe(session('a', [2], 0, 10_000), 5, 40_000)
    expect(tracker.expire(100_000, 100_000)).toEqual([])
    expect(tracker.expire(100_001, 100_001).map((e) => [e.kind, e.incident.id, e.reason])).toEqual([['resolved', 'INC-0001', 'quiet']])
  })

  it('matches every session closed at one watermark before resolving what that watermark ends', () => {
    const tracker = new IncidentTracker({...options, lagMs: 30_000})
    expect(tracker.closing(40_000, 40_000)).toEqual([])
    tracker.observe(session('a', [2], 0, 10_000), 5, 40_000)
    // b's lines are within the gap of a's; it closes at a watermark that is past a's gap and lag
    expect(tracker.closing(110_000, 110_000)).toEqual([])
    expect(tracker.observe(session('b', [2], 60_000, 70_000), 5, 110_000)?.kind).toBe('updated')
    // c closes at the same watermark: nothing resolves before it is matched
    expect(tracker.closing(110_000, 110_000)).toEqual([])
    tracker.observe(session('c', [2], 65_000, 79_000), 5, 110_000)
    // the next watermark resolves what the last one ended: c's last line + gap + lag is 169 s
    expect(tracker.closing(169_000, 169_000)).toEqual([])
    expect(tracker.closing(200_000, 200_000)).toEqual([])
    const later = tracker.closing(210_000, 210_000)
    expect(later.map((e) => [e.incident.id, e.incident.sessions, e.incident.lastSeen, e.reason])).toEqual([['INC-0001', 3, new Date(79_000).toISOString(), 'quiet']])
  })

  it('windows: signatures are the hot and unseen templates, and sessions with the same lead join', () => {
    const tracker = new IncidentTracker(options)
    // N1 is unseen in training: it leads both, whatever else is hot beside it
    const first = tracker.observe(session('w1', [4, 0, 1, 3], 0, 50_000), 9, 60_000, new Set(['T1', 'T2']))
    expect(first?.incident.signature).toEqual(['N1', 'T1', 'T2'])
    expect(first?.incident.title).toBe('N1')
    expect(tracker.observe(session('w2', [4, 2, 3], 60_000, 110_000), 9, 120_000, new Set(['T3', 'T4']))?.kind).toBe('updated')
    // hot templates alone, less than half in common and another lead: another incident
    expect(tracker.observe(session('w3', [0, 3], 120_000, 170_000), 9, 180_000, new Set(['T4']))?.kind).toBe('opened')
    expect(tracker.openIncidents.map((i) => [i.id, i.sessions, i.title])).toEqual([['INC-0001', 2, 'N1'], ['INC-0002', 1, 'T4']])
    // without hot templates (id sessions), the rare, unseen and error ones as before
    expect(tracker.observe(session('s', [0, 2], 0), 5, 1000)?.incident.signature).toEqual(['T3'])
  })
})
