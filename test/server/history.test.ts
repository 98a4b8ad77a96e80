import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {HistoryStore, seenBeforeLine} from '../../src/core/history/index.js'
import type {SummariesDocument} from '../../src/core/explain/index.js'
import {FlareError} from '../../src/core/errors.js'
import {Results, type Incident} from '../../src/core/results.js'
import {tempDir} from './helpers.js'

function incident(id: string, templates: string[], extra: Partial<Incident> = {}): Incident {
  return {
    id, session_ids: [`s-${id}`], size: 1, severity: 'high', severity_reason: 'test', score: 1,
    time_range: {start: null, end: null},
    templates: templates.map((template, i) => ({id: `T${i}`, template, count: 1, normal_mean: 0})),
    sample_lines: [], reasons: [], components: [], levels: {}, ...extra,
  }
}

function results(incidents: Incident[]): Results {
  return Results.parse({version: 1, summary: {input: 'x.log', lines: 10, parsed: 10, skipped: 0, sessions: 3, anomalies: incidents.length, incidents: incidents.length, templates: 5, format: 'generic', session_key: 'window', detector: 'test', threshold: 0, elapsed_ms: 1}, incidents, anomalies: []})
}

describe('incident memory', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = []
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()))
  const dbPath = () => {
    const d = tempDir()
    dirs.push(d)
    return path.join(d.dir, 'history.db')
  }

  it('ranks past incidents by template overlap, and survives reopening', () => {
    const file = dbPath()
    const store = HistoryStore.open(file)
    store.recordRun(results([
      incident('INC-001', ['disk full on <*>', 'write failed <*>', 'retrying <*>']),
      incident('INC-002', ['disk full on <*>', 'connection reset <*>']),
      incident('INC-003', ['user logged in <*>']),
    ]), {origin: 'test', now: new Date('2026-11-01T00:00:00Z')})
    store.close()

    const reopened = HistoryStore.open(file)
    const recorded = reopened.recordRun(results([incident('INC-001', ['disk full on <*>', 'write failed <*>', 'retrying <*>'])]), {origin: 'test'})
    const similar = recorded.incidents['INC-001']!.similar
    expect(similar.map((s) => s.key)).toEqual(['1.INC-001', '1.INC-002'])
    expect(similar[0]!.overlap).toBe(1)
    expect(similar[1]!.overlap).toBeCloseTo(1 / 4, 3)
    expect(similar[0]!.created_at).toBe('2026-11-01T00:00:00.000Z')
    expect(reopened.similarToKey('2.INC-001')!.map((s) => s.key)).toEqual(['1.INC-001', '1.INC-002'])
    expect(reopened.similarToKey('9.INC-001')).toBeUndefined()
    // incidents of the same run are not "seen before"
    expect(reopened.similarToKey('1.INC-001')!.map((s) => s.key)).toEqual(['2.INC-001'])
    expect(reopened.listRuns().map((r) => r.id)).toEqual([2, 1])
    expect(reopened.getRun(1)!.results.incidents).toHaveLength(3)
    reopened.close()
  })

  it('calls the remediation stored with a past incident a suggestion, never a resolution', () => {
    const store = HistoryStore.open(dbPath())
    const summary = {severity: 'high', root_cause: 'the disk filled up', remediation: [{priority: 'immediate', action: 'free space on /data'}]}
    const summaries = {incidents: [{incident_id: 'INC-001', summary}], totals: {cost_usd: null}} as unknown as SummariesDocument
    store.recordRun(results([incident('INC-001', ['disk full on <*>'])]), {origin: 'test', summaries})
    const [match] = store.recordRun(results([incident('INC-001', ['disk full on <*>'])]), {origin: 'test'}).incidents['INC-001']!.similar
    expect(match!.suggested_last_time).toBe('free space on /data')
    expect(match!.resolved_by).toBe('free space on /data') // deprecated alias, same value
    const line = seenBeforeLine(match!)
    expect(line).toContain('suggested last time (not confirmed as the fix): free space on /data')
    expect(line).not.toMatch(/resolved/i)
    store.close()
  })

  it('leaves templates at their normal rate out of the signature', () => {
    const store = HistoryStore.open(dbPath())
    const common = {id: 'T9', template: 'heartbeat <*>', count: 1, normal_mean: 1}
    store.recordRun(results([incident('INC-001', ['heartbeat only'], {templates: [common, {id: 'T1', template: 'panic <*>', count: 1, normal_mean: 0}]})]), {origin: 'test'})
    const other = incident('INC-001', [], {templates: [common, {id: 'T2', template: 'oom <*>', count: 1, normal_mean: 0}]})
    expect(store.similarTo(other)).toEqual([])
    store.close()
  })

  it('a file that is not a database is a clear FlareError naming it', () => {
    const file = dbPath()
    writeFileSync(file, 'this is not sqlite '.repeat(100))
    let error: unknown
    try {
      HistoryStore.open(file)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FlareError)
    expect((error as FlareError).message).toContain(file)
    expect((error as FlareError).message).toMatch(/damaged|not a Flare database/)
    expect((error as FlareError).hint).toMatch(/mv /)
  })
})
