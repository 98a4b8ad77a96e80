import {describe, expect, it} from 'vitest'
import {fromRows} from '../../../src/core/features/matrix.js'
import {buildIncidents, type DraftIncident} from '../../../src/core/incidents/build.js'
import type {TemplateMeta} from '../../../src/core/mining/mine.js'
import {Session} from '../../../src/core/sessions/store.js'

/** Template index → [text, level, count in the whole log]. */
const TEMPLATES: Array<[string, string | undefined, number]> = [
  ['Receiving block <*>', 'INFO', 1000],
  ['Received block <*>', 'INFO', 500],
  ['Exception in receiveBlock for block <*>', 'INFO', 3],
  ['Starting checkpoint <*>', 'INFO', 2],
  ['Disk usage at <*> percent', 'WARN', 40],
  ['Write of block <*> did not complete', 'ERROR', 6],
  ['Datanode <*> lost', 'ALERT', 1],
  ['maxTaskFailuresPerNode is <*>', 'INFO', 1],
]
const meta: TemplateMeta[] = TEMPLATES.map(([, level, count], i) => ({id: `E${i}`, level, count}))

interface Scenario {
  /** Normal sessions, each one line of template 0 and one of template 1 (plus a WARN line in `warnNormals` of them). */
  normals: number
  warnNormals?: number
  /** Anomalous sessions, each a list of template indices (one line each). */
  anomalies: number[][]
  sampleLines?: number
  /** Per anomalous session, the time of its lines (epoch ms; none: untimed). */
  anomalyTimes?: number[]
}

function run({normals, warnNormals = 0, anomalies, sampleLines, anomalyTimes}: Scenario): DraftIncident[] {
  const sessions: Session[] = []
  let line = 0
  const session = (templates: number[], time?: number): void => {
    const s = new Session(`blk_${sessions.length}`, sessions.length)
    line = Math.ceil((line + 1) / 100) * 100
    for (const t of templates) s.add(t, line++, TEMPLATES[t][1], time)
    sessions.push(s)
  }
  for (let i = 0; i < normals; i++) session(i < warnNormals ? [0, 1, 4] : [0, 1])
  anomalies.forEach((a, k) => session(a, anomalyTimes?.[k]))
  const X = fromRows(
    sessions.map((s) => {
      const row = new Array(TEMPLATES.length).fill(0)
      for (let k = 0; k < s.templates.length; k += 3) row[s.templates[k]] = s.templates[k + 1]
      return row
    }),
    TEMPLATES.map((_, i) => `count:E${i}`),
  )
  const anomalous = Uint8Array.from(sessions, (_, i) => (i >= normals ? 1 : 0))
  const scores = Float64Array.from(anomalous, (a) => a * 5)
  return buildIncidents({sessions, scores, anomalous, X, templates: meta, templateText: (i) => TEMPLATES[i][0], options: sampleLines ? {sampleLines} : undefined})
}

const only = (drafts: DraftIncident[]) => {
  expect(drafts).toHaveLength(1)
  return {severity: drafts[0].severity, reason: drafts[0].severity_reason}
}

describe('incident severity (README "Severity")', () => {
  it('critical: a line at CRITICAL, ALERT, EMERGENCY or FATAL level', () => {
    expect(only(run({normals: 40, anomalies: [[0, 1, 6]]}))).toEqual({severity: 'critical', reason: 'contains ALERT lines'})
    for (const level of ['CRITICAL', 'EMERGENCY', 'FATAL']) {
      const saved = TEMPLATES[6][1]
      TEMPLATES[6][1] = level
      meta[6].level = level
      try {
        expect(only(run({normals: 40, anomalies: [[0, 1, 6]]})).severity).toBe('critical')
      } finally {
        TEMPLATES[6][1] = saved
        meta[6].level = saved
      }
    }
  })

  it('critical: error lines in at least 5% of all sessions and at least 5 sessions; high below either bound', () => {
    const errorSessions = (n: number) => Array.from({length: n}, () => [0, 5])
    expect(only(run({normals: 95, anomalies: errorSessions(5)}))).toEqual({severity: 'critical', reason: 'error lines in 5 sessions (5.0% of all)'})
    expect(only(run({normals: 96, anomalies: errorSessions(5)}))).toEqual({severity: 'high', reason: '5 error-level lines'})
    expect(only(run({normals: 10, anomalies: errorSessions(4)}))).toEqual({severity: 'high', reason: '4 error-level lines'})
    expect(only(run({normals: 10, anomalies: [[0, 1, 5]]}))).toEqual({severity: 'high', reason: '1 error-level line'})
  })

  it('high: a template never seen in normal sessions whose words name a failure, even at INFO', () => {
    expect(only(run({normals: 40, anomalies: [[0, 2]]}))).toEqual({severity: 'high', reason: '1 failure template never seen in normal sessions'})
  })

  it('medium: a never-seen template that names no failure ("Failures" inside an identifier is not one)', () => {
    expect(only(run({normals: 40, anomalies: [[0, 3]]}))).toEqual({severity: 'medium', reason: '1 template never seen in normal sessions'})
    expect(only(run({normals: 40, anomalies: [[0, 7]]}))).toEqual({severity: 'medium', reason: '1 template never seen in normal sessions'})
  })

  it('medium: warning lines, or at least 10 sessions sharing a pattern; low otherwise', () => {
    expect(only(run({normals: 40, warnNormals: 5, anomalies: [[0, 4, 4, 4]]}))).toEqual({severity: 'medium', reason: '3 warning lines'})
    const repeated = (n: number) => Array.from({length: n}, () => [0, 0, 0, 0, 0])
    expect(only(run({normals: 40, anomalies: repeated(10)}))).toEqual({severity: 'medium', reason: '10 sessions share the same unusual pattern'})
    expect(only(run({normals: 40, anomalies: repeated(9)}))).toEqual({severity: 'low', reason: 'template counts differ from normal sessions; no failure lines'})
  })

  it('incidents are ordered most severe first and numbered in that order', () => {
    const drafts = run({normals: 40, anomalies: [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 6]]})
    expect(drafts.map((d) => [d.id, d.severity])).toEqual([['INC-001', 'critical'], ['INC-002', 'low']])
  })
})

describe('incident template rates', () => {
  it('per_session is the count over the incident sessions, comparable with normal_mean (per normal session)', () => {
    // 3 anomalous sessions with 2 lines of template 0 each: 6 lines, 2 per session, against 1 per normal session
    const drafts = run({normals: 40, anomalies: [[0, 0, 1, 3], [0, 0, 1, 3], [0, 0, 1, 3]]})
    expect(drafts).toHaveLength(1)
    const t0 = drafts[0].templates.find((t) => t.id === 'E0')!
    expect([t0.count, t0.per_session, t0.normal_mean]).toEqual([6, 2, 1])
    const t1 = drafts[0].templates.find((t) => t.id === 'E1')!
    expect([t1.count, t1.per_session, t1.normal_mean]).toEqual([3, 1, 1])
  })
})

describe('incident sample lines', () => {
  // Two identical anomalous sessions: lines 4100.. and 4200.. (templates 0, 1, 4, 3, 5 in that order).
  const anomalies = [[0, 1, 4, 3, 5], [0, 1, 4, 3, 5]]

  it('errors first, then warnings, never-seen templates, then the rarest; shown in line order', () => {
    const [incident] = run({normals: 40, warnNormals: 5, anomalies, sampleLines: 3})
    expect(incident.pending.map((p) => [p.line, p.template_id, p.reason])).toEqual([
      [4102, 'E4', 'warning'],
      [4103, 'E3', 'template never seen in normal sessions'],
      [4104, 'E5', 'ERROR line'],
    ])
  })

  it('one line per template first, so the sample covers the incident; then more lines of the top templates', () => {
    const [incident] = run({normals: 40, warnNormals: 5, anomalies, sampleLines: 6})
    expect(incident.pending.map((p) => p.line)).toEqual([4100, 4101, 4102, 4103, 4104, 4204])
    expect(incident.pending.map((p) => p.session_id)).toEqual(['blk_40', 'blk_40', 'blk_40', 'blk_40', 'blk_40', 'blk_41'])
    expect(incident.pending[0].reason).toBe('template seen 1000 times in the log')
  })
})

describe('one failure, one incident', () => {
  // Two sessions fail the same way (template 2, which normal sessions never show), one of them
  // after ten routine lines: far apart in feature space, so DBSCAN leaves each a cluster of its own.
  const routine = [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  const HOUR = 3_600_000
  const T0 = Date.UTC(2026, 11, 1, 10)

  it('clusters led by the same unseen template, close in time, are one incident', () => {
    const drafts = run({normals: 40, anomalies: [routine, [2], [2, 1]], anomalyTimes: [T0, T0 + 5 * 60_000, T0 + 40 * 60_000]})
    expect(drafts).toHaveLength(1)
    expect(drafts[0].session_ids).toEqual(['blk_40', 'blk_41', 'blk_42'])
    expect(drafts[0].size).toBe(3)
    expect(drafts[0].templates[0]).toMatchObject({id: 'E2', count: 3})
    expect(drafts[0].time_range.start).toBe(new Date(T0).toISOString())
  })

  it('the same failure hours later is a recurrence: an incident of its own', () => {
    const drafts = run({normals: 40, anomalies: [routine, [2]], anomalyTimes: [T0, T0 + 3 * HOUR]})
    expect(drafts.map((d) => d.session_ids)).toEqual([['blk_40'], ['blk_41']])
  })

  it('failures that share only a generic error line stay apart', () => {
    // E2 (a failure of its own) and E3 (another) each end in the same ERROR line E5, close in time
    const drafts = run({normals: 40, anomalies: [[2, 5], [2, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1]], anomalyTimes: [T0, T0 + 60_000, T0 + 30 * 60_000]})
    expect(drafts.map((d) => d.session_ids).sort()).toEqual([['blk_40', 'blk_41'], ['blk_42']])
  })

  it('untimed sessions of one failure join, and different failures stay apart', () => {
    const drafts = run({normals: 40, anomalies: [routine, [2], [0, 1, 5, 5, 5, 5, 5, 5]]})
    // (both high, same score: the larger first)
    expect(drafts.map((d) => [d.templates[0].id, d.session_ids])).toEqual([
      ['E2', ['blk_40', 'blk_41']],
      ['E5', ['blk_42']],
    ])
  })
})
