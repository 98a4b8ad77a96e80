import {describe, expect, it} from 'vitest'
import {Incident} from '../../../src/core/results.js'
import {leadTemplate} from '../../../src/ui/lead-template.js'

const base = {id: 'INC-001', session_ids: ['a', 'b'], size: 2, severity: 'high', severity_reason: 'x', score: 1, time_range: {start: null, end: null}, sample_lines: [], reasons: [], components: [], levels: {}}

describe('the incident table shows the most anomalous template', () => {
  it('uses the window score when templates carry one', () => {
    const inc = Incident.parse({...base, templates: [{id: 'T1', template: 'a', count: 900, normal_mean: 400, score: 3}, {id: 'T2', template: 'b', count: 4, normal_mean: 0, score: 40}]})
    expect(leadTemplate(inc)?.id).toBe('T2')
  })

  it('prefers a template unseen in normal sessions, then the largest excess over normal', () => {
    const routine = {id: 'T1', template: 'routine', count: 5, normal_mean: 2.43}
    const high = {id: 'T2', template: 'many', count: 40, normal_mean: 2}
    expect(leadTemplate(Incident.parse({...base, templates: [routine, high]}))?.id).toBe('T2')
    expect(leadTemplate(Incident.parse({...base, templates: [routine, high, {id: 'T3', template: 'new', count: 1, normal_mean: 0}]}))?.id).toBe('T3')
  })
})
