import {describe, expect, it} from 'vitest'
// @ts-expect-error -- a plain .mjs bench helper without type declarations
import {matchIncidents, raisedHosts} from '../../bench/lib/incident-match.mjs'

const real = [
  {id: 'I1', kind: 'oom', hosts: ['worker-01'], start: '2026-03-04T01:10:00.000Z', end: '2026-03-04T01:20:00.000Z'},
  {id: 'I2', kind: 'disk-full', hosts: ['db-01'], start: '2026-03-04T05:00:00.000Z', end: '2026-03-04T05:30:00.000Z'},
  {id: 'I3', kind: 'quiet', hosts: ['cache-01'], start: '2026-03-04T09:00:00.000Z', end: '2026-03-04T10:00:00.000Z', silent: {host: 'cache-01', program: null}},
]
// Flare dates syslog in the current year: the matcher must move raised times into the truth's
const raised = (id: string, start: string, end: string, host = 'worker-01') => ({
  id,
  size: 1,
  severity: 'high',
  time_range: {start: `2031-03-04T${start}:00.000Z`, end: `2031-03-04T${end}:00.000Z`},
  templates: [{template: 't'}],
  sample_lines: [{text: `Mar  4 ${start}:00 ${host} kernel: x`}],
})

describe('incident matching', () => {
  it('credits a raised incident to the real one it falls in, within the slack, in the truth year', () => {
    const m = matchIncidents(real, [raised('A', '01:06', '01:15'), raised('B', '05:33', '05:34', 'db-01')], {year: 2026})
    expect(m.perReal.map((r: {raised: string[]}) => r.raised)).toEqual([['A'], ['B'], []])
    expect(m.false).toBe(0)
    expect(m.recall).toBeCloseTo(2 / 3)
    expect(m.precision).toBe(1)
  })

  it('counts a raised incident spanning hours of ordinary traffic as false, whatever lies inside it', () => {
    const m = matchIncidents(real, [raised('DAY', '00:05', '23:50')], {year: 2026})
    expect(m.detected).toBe(0)
    expect(m.false).toBe(1)
  })

  it('counts fragments of one incident as several alerts for one detection, and raised ones after the slack as false', () => {
    const m = matchIncidents(real, [raised('A', '01:10', '01:12'), raised('B', '01:15', '01:19'), raised('LATE', '01:40', '01:45')], {year: 2026})
    expect(m.perReal[0].raised).toEqual(['A', 'B'])
    expect(m.perReal[0].clean).toBe(false)
    expect(m.detected).toBe(1)
    expect(m.false).toBe(1)
    expect(m.alertsPerReal).toBe(1)
  })

  it('requires a shared host only with strictHost, and never for a silence', () => {
    const wrongHost = [raised('W', '05:10', '05:20', 'web-01'), raised('Q', '09:10', '09:40', 'web-02')]
    expect(matchIncidents(real, wrongHost, {year: 2026}).detected).toBe(2)
    const strict = matchIncidents(real, wrongHost, {year: 2026, strictHost: true})
    expect(strict.perReal.map((r: {raised: string[]}) => r.raised)).toEqual([[], [], ['Q']])
  })
  it('reads hosts from syslog lines and from access lines that start with a virtual host', () => {
    const lines = [
      'Mar  4 01:10:00 worker-01 kernel: x',
      'shop.example.com:443 203.0.113.9 - - [04/Dec/2026:16:10:37 +0000] "GET /x HTTP/1.1" 502 157 "-" "curl/8.0"',
      'admin.example.com:443 2a02:1:2::3 - mkovac [04/Dec/2026:16:10:38 +0000] "GET /admin/ HTTP/2.0" 200 9 "-" "curl/8.0"',
      '203.0.113.9 - - [04/Dec/2026:16:10:37 +0000] "GET /x HTTP/1.1" 200 5',
    ]
    expect(raisedHosts({sample_lines: lines.map((text) => ({text}))})).toEqual(['worker-01', 'shop.example.com:443', 'admin.example.com:443'])
  })
})
