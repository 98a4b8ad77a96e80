import {describe, expect, it} from 'vitest'
import type {IncidentEvent} from '../../src/core/stream/contracts.js'
import type {RunnerStatus} from '../../src/core/stream/runner.js'
import {incidentLine, statusLine} from '../../src/ui/live-view.js'

const status = (over: Partial<RunnerStatus> = {}): RunnerStatus => ({
  engine: {phase: 'scoring', lines: 1200, records: 1200, trainingRecords: 0, templates: 12, unseenTemplates: 0, openSessions: 3, maxOpenSessions: 9, sessions: {opened: 10, closed: {idle: 7, terminal: 0, 'max-age': 0, window: 0, 'max-open': 0, end: 0}, late: 0, lateDropped: 0, unassigned: 0}, scored: 7, anomalous: 1, incidentsOpened: 1, incidentsResumed: 0, incidentsResolved: 0, openIncidents: 1, watermark: 0},
  queued: 0,
  dropped: 0,
  rejected: 0,
  sinks: [{name: 'webhook https://hooks.example/x', delivered: 4, failed: 0, suppressed: 0}],
  ...over,
})

describe('the live view', () => {
  it('says nothing of rejections or sink losses when there are none', () => {
    const line = statusLine(status())
    expect(line).toContain('1,200 lines')
    expect(line).not.toMatch(/rejected|not delivered|not sent/)
  })

  it('shows rejected input and events a sink failed to deliver or did not send', () => {
    const line = statusLine(status({rejected: 17, sinks: [{name: 'webhook https://hooks.example/x', delivered: 4, failed: 3, suppressed: 91}]}))
    expect(line).toContain('17 rejected')
    expect(line).toContain('webhook https://hooks.example/x: 3 events not delivered')
    expect(line).toContain('91 events not sent')
  })

  it('says that the time of an incident line is UTC, as the batch tables do', () => {
    const event = {kind: 'opened', at: '2026-12-03T05:00:07.123Z', incident: {id: 'INC-0001', severity: 'high', title: 'disk full', sessions: 2, delayMs: 1000, summary: {rootCause: 'the disk filled up', remediation: [], provider: 'offline'}}} as unknown as IncidentEvent
    const [line, cause] = incidentLine(event).replaceAll(/\x1b\[[0-9;]*m/g, '').split('\n')
    expect(line).toMatch(/^05:00:07 UTC opened {3}INC-0001 high /)
    // The root cause stays indented under the event kind.
    expect(cause).toBe(`${' '.repeat(14)}→ the disk filled up`)
    const resolved = {...event, kind: 'resolved', reason: 'quiet', at: '2026-12-03T23:59:59.999Z'} as unknown as IncidentEvent
    expect(incidentLine(resolved).replaceAll(/\x1b\[[0-9;]*m/g, '')).toMatch(/^23:59:59 UTC resolved INC-0001 /)
  })

  it('writes the control characters of a title out instead of sending them to the terminal', () => {
    const event = {kind: 'opened', at: '2026-12-03T05:00:00.000Z', incident: {id: 'INC-0001', severity: 'high', title: 'evil \x1b]0;PWNED\x07 \x1b[2J title', sessions: 1, delayMs: 1000}} as unknown as IncidentEvent
    // (the view's own colours, when on, are the only escapes allowed)
    const line = incidentLine(event).replaceAll(/\x1b\[[0-9;]*m/g, '')
    expect(line).toContain('INC-0001')
    expect(line).not.toMatch(/[\x07\x1b]/)
  })
})
