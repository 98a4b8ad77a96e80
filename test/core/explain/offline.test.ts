import {Incident} from '../../../src/core/results.js'
import {describe, expect, it} from 'vitest'
import {deterministicChecks, evidenceOccurs} from '../../../src/core/explain/evidence.js'
import {createProvider, explainOffline, OfflineProvider} from '../../../src/core/explain/providers/index.js'
import {IncidentSummary, SummariesDocument} from '../../../src/core/explain/schema.js'
import {summarizeIncidents} from '../../../src/core/explain/summarize.js'
import {hdfsIncident, oddIncident, resultsWith, serviceIncident} from './fixtures.js'

describe('offline explainer', () => {
  it('explains an HDFS incident specifically: templates, counts vs normal, lines, components', () => {
    const incident = hdfsIncident()
    const summary = IncidentSummary.parse(explainOffline(incident, 'hdfs'))
    expect(summary.explanation).toContain('T3 "writeBlock <*> received exception java.io.IOException: Connection reset by peer" x2')
    expect(summary.explanation).toContain('T2 "PacketResponder <*> for block <*> terminating" 0.5 per session vs 3 per normal session')
    expect(summary.explanation).toContain('dfs.DataNode$DataXceiver (10 lines)')
    expect(summary.explanation).toMatch(/line 1063/)
    expect(summary.explanation).toContain('2008-11-09T20:35:18Z')
    expect(summary.root_cause).toMatch(/^HDFS block transfer failure/)
    expect(summary.root_cause).toContain('T3')
    expect(summary.inconclusive).toBe(false)
    expect(summary.remediation.some((r) => r.priority === 'immediate' && r.action.includes('blk_-1608999687919862906'))).toBe(true)
    expect(summary.remediation.some((r) => /dfsadmin -report/.test(r.action))).toBe(true)
    expect(summary.ruled_out.some((r) => /^Disk full/.test(r))).toBe(true)
  })

  it('explains a request-keyed service incident from its own evidence', () => {
    const summary = explainOffline(serviceIncident(), 'json')
    expect(summary.root_cause).toMatch(/^Connection refused/)
    expect(summary.root_cause).toContain('payments-service')
    expect(summary.explanation).toContain('T13 "retrying upstream payments-service attempt=<*>" 2 per session vs 0.05 per normal session')
    expect(summary.explanation).toContain('req-77f1')
    expect(summary.evidence.map((e) => `${e.kind}:${e.ref}`)).toEqual(expect.arrayContaining(['template:T11', 'line:91']))
  })

  it('names where a windowed incident happened and its templates as seen (the values most of their lines held)', () => {
    const base = serviceIncident()
    const seen = 'upstream call to payments-service failed: connect ECONNREFUSED 10.0.4.2:8443'
    const incident = Incident.parse({...base, streams: ['api.example.com:443'], templates: base.templates.map((t) => (t.id === 'T11' ? {...t, as_seen: seen} : t))})
    const summary = explainOffline(incident, 'json')
    expect(summary.explanation).toContain('It happened on api.example.com:443.')
    expect(summary.explanation).toContain(`T11 "${seen}" x8`)
    expect(explainOffline(base, 'json').explanation).not.toContain('It happened on')
    // a model quoting the template as seen quotes the incident; without as_seen it does not
    expect(evidenceOccurs(incident, {kind: 'template', ref: 'T11', text: seen})).toBe(true)
    expect(evidenceOccurs(base, {kind: 'template', ref: 'T11', text: seen})).toBe(false)
  })

  it('cites only evidence that occurs in the incident and passes the deterministic checks', () => {
    for (const [incident, format] of [
      [hdfsIncident(), 'hdfs'],
      [serviceIncident(), 'json'],
      [oddIncident(), 'generic'],
    ] as const) {
      const summary = explainOffline(incident, format)
      expect(summary.evidence.length).toBeGreaterThan(0)
      for (const item of summary.evidence) expect(evidenceOccurs(incident, item)).toBe(true)
      expect(deterministicChecks(incident, summary)).toMatchObject({evidence_present: true, remediation_present: true, severity_consistent: true, passed: true})
    }
  })

  it('is deterministic: two runs give identical summaries', async () => {
    const a = explainOffline(hdfsIncident(), 'hdfs')
    const b = explainOffline(hdfsIncident(), 'hdfs')
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
    const results = resultsWith([hdfsIncident('INC-1'), serviceIncident('INC-2'), oddIncident('INC-3')])
    const now = () => new Date('2024-01-01T00:00:00Z')
    const strip = (doc: SummariesDocument) => JSON.stringify({...doc, incidents: doc.incidents.map((r) => ({...r, latency_ms: 0})), totals: {...doc.totals, wall_ms: 0, latency_ms_mean: 0, latency_ms_p95: 0}})
    const first = (await summarizeIncidents(results, {provider: new OfflineProvider(), now})) as SummariesDocument
    const second = (await summarizeIncidents(results, {provider: new OfflineProvider(), now})) as SummariesDocument
    expect(strip(first)).toBe(strip(second))
  })

  it('compares like with like: a total over 3 sessions is a per-session rate, not a per-session mean times 3', () => {
    const base = hdfsIncident()
    const incident = {...base, size: 3, session_ids: ['blk_1', 'blk_2', 'blk_3'], templates: base.templates.map((t) => (t.id === 'T5' ? {...t, count: 3, per_session: 1} : t))}
    const exact = explainOffline(incident, 'hdfs')
    expect(exact.explanation).not.toMatch(/Above normal[^.]*T5/)
    expect(exact.explanation).not.toContain('T5 "BLOCK* NameSystem.allocateBlock: <*>" 3 vs 1')
    // without the per_session field (older results files) the rate is count / size
    const old = {...incident, templates: incident.templates.map(({per_session: _p, ...t}) => t)}
    expect(explainOffline(old, 'hdfs').explanation).not.toMatch(/Above normal[^.]*T5/)
    const high = {...incident, templates: incident.templates.map((t) => (t.id === 'T5' ? {...t, count: 9, per_session: 3} : t))}
    expect(explainOffline(high, 'hdfs').explanation).toMatch(/Above normal[^.]*T5 "BLOCK\* NameSystem.allocateBlock: <\*>" 3 per session vs 1 per normal session/)
  })

  it('gives a silence a root cause and remediation: host down, agent stopped or a network partition', () => {
    const quiet = Incident.parse({
      ...oddIncident('INC-4'),
      severity: 'high',
      severity_reason: 'worker-01 went quiet: 0 lines in 1h against ~290 normally',
      time_range: {start: '2026-10-23T07:10:00.000Z', end: '2026-10-23T08:10:00.000Z'},
      templates: [],
      sample_lines: [],
      reasons: [{feature: 'silence worker-01', value: 0, normal: 290, note: 'worker-01 logged 0 lines in 1h; ~290 expected'}],
      levels: {},
      silence: {source: 'worker-01', duration: '1h', lines: 0, expected: 290},
    })
    const summary = IncidentSummary.parse(explainOffline(quiet, 'syslog'))
    expect(summary.root_cause).not.toMatch(/^Unknown/)
    expect(summary.root_cause).toContain('Host silence: worker-01 went quiet (no lines from worker-01 for 1h)')
    expect(summary.root_cause).toMatch(/host is down.*log agent.*network partition/)
    expect(summary.inconclusive).toBe(false)
    expect(summary.confidence).toBeGreaterThan(0.35)
    expect(summary.explanation).toContain('no lines from worker-01 for 1h')
    expect(summary.remediation.filter((r) => r.action.includes('worker-01')).map((r) => r.priority)).toEqual(expect.arrayContaining(['immediate', 'short_term', 'long_term']))
    // without the silence the same incident has nothing to reason from
    const {silence: _s, ...blank} = quiet
    expect(explainOffline(blank, 'syslog').root_cause).toMatch(/^Unknown/)
  })

  it('says inconclusive, with low confidence, when no signature matches', () => {
    const summary = explainOffline(oddIncident(), 'generic')
    expect(summary.inconclusive).toBe(true)
    expect(summary.confidence).toBeLessThanOrEqual(0.35)
    expect(summary.root_cause).toMatch(/^Unknown/)
    expect(summary.root_cause).toContain('T20')
    expect(summary.explanation).toContain('40 per session vs 2 per normal session')
    expect(summary.explanation).toContain('unknown time')
  })

  it('raises severity by at most one step for a severe signature', () => {
    const incident = serviceIncident()
    incident.severity = 'low'
    incident.templates.push({id: 'T99', template: 'java.lang.OutOfMemoryError: Java heap space', count: 1, normal_mean: 0, level: 'error'})
    const summary = explainOffline(incident, 'json')
    expect(summary.severity).toBe('medium')
    expect(summary.severity_reasoning).toMatch(/raised one step because "out of memory"/)
  })

  it('is the default without a key, and the document says offline with no cost', async () => {
    const provider = createProvider({env: {}})
    expect(provider.name).toBe('offline')
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident()]), {provider})) as SummariesDocument
    expect(SummariesDocument.parse(doc).offline).toBe(true)
    expect(doc.provider).toBe('offline')
    expect(doc.totals.cost_usd).toBe(0)
    expect(doc.totals.cost_note).toMatch(/offline/)
    expect(doc.redaction.enabled).toBe(false)
    expect(createProvider({env: {ANTHROPIC_API_KEY: 'sk-ant-x-0000000000000000'}}).name).toBe('anthropic')
  })

  it('runs deterministic checks under --eval and explains why no LLM judge ran', async () => {
    const doc = (await summarizeIncidents(resultsWith([hdfsIncident(), serviceIncident()]), {provider: new OfflineProvider(), eval: true})) as SummariesDocument
    expect(doc.judge!.llm_judge_skipped).toMatch(/offline/)
    expect(doc.judge!.checks_pass_rate).toBe(1)
    expect(doc.judge!.relevance_mean).toBeNull()
    expect(doc.judge!.metrics['judge.checks_pass_rate']).toBe(1)
    expect(doc.incidents.every((r) => r.judge?.checks.passed)).toBe(true)
  })
})
