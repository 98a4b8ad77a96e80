import {describeSilence} from '../../../src/core/results.js'
import {describe, expect, it} from 'vitest'
import type {Episode} from '../../../src/core/detect/window-rate.js'
import {buildWindowIncidents} from '../../../src/core/incidents/windows.js'
import type {TemplateMeta} from '../../../src/core/mining/mine.js'
import {Session} from '../../../src/core/sessions/store.js'

const STEP = 300_000
const HOSTS = ['a', 'b']
const TEXT = ['disk full', 'request failed', 'checkpoint done']
const templates: TemplateMeta[] = [
  {id: 'T1', level: 'ERROR', count: 10},
  {id: 'T2', level: 'ERROR', count: 4},
  {id: 'T3', count: 500},
]

/** Sessions for 40 windows × 2 hosts (row = 2w + host); template k's first line in window w is 1000k + w. */
function sessions(): Session[] {
  const out: Session[] = []
  for (let w = 0; w < 40; w++) {
    for (const [h, host] of HOSTS.entries()) {
      const s = new Session(`${host} ${w}`, out.length)
      s.stream = host
      s.windowStart = w * STEP
      for (let k = 0; k < 3; k++) s.add(k, 1000 * (k + 1) + w * 2 + h, k < 2 ? 'ERROR' : 'INFO', w * STEP + 1000)
      out.push(s)
    }
  }
  return out
}

function episode(kind: Episode['kind'], host: number, column: number, windows: number[], score: number): Episode {
  return {kind, stream: HOSTS[host], column, rows: windows.map((w) => 2 * w + host), startMs: windows[0] * STEP, endMs: (windows[windows.length - 1] + 1) * STEP, count: 5 * windows.length, expected: 0.1, surprisal: score, weight: 1, score}
}

describe('windowed incidents', () => {
  const all = sessions()
  const build = (episodes: Episode[]) =>
    buildWindowIncidents({sessions: all, episodes, stepMs: STEP, templateOfColumn: [0, 1, 2], templates, templateText: (i) => TEXT[i], normalRate: () => 0.02})

  it('joins episodes in touching windows across hosts and keeps distant ones apart', () => {
    const incidents = build([episode('new', 0, 0, [10, 11], 50), episode('new', 1, 1, [12], 20), episode('new', 0, 0, [30], 40)])
    expect(incidents).toHaveLength(2)
    const [first, second] = incidents
    expect(first.time_range).toEqual({start: new Date(10 * STEP).toISOString(), end: new Date(13 * STEP).toISOString()})
    expect(first.streams).toEqual(['a', 'b'])
    expect(second.recurrence_of).toBe(first.id)
  })

  it('lists the unusual templates most anomalous first and samples their lines', () => {
    const [inc] = build([episode('new', 1, 1, [5], 20), episode('rate', 0, 0, [5, 6], 80)])
    expect(inc.templates.map((t) => t.id)).toEqual(['T1', 'T2'])
    expect(inc.templates[0]).toMatchObject({count: 10, expected: 0.1, score: 80})
    expect(inc.pending.map((p) => p.template_id).sort()).toEqual(['T1', 'T1', 'T2'])
    expect(inc.pending.every((p) => p.template_id !== 'T3')).toBe(true)
  })

  it('names a silent host and rates it high', () => {
    const [inc] = build([{...episode('silent', 1, -1, [20, 21, 22], 30), count: 0, expected: 90}])
    expect(inc.severity).toBe('high')
    expect(inc.severity_reason).toMatch(/^b went quiet: 0 lines in 15m against ~90/)
    expect(inc.templates).toEqual([])
    expect(inc.silence).toEqual({source: 'b', duration: '15m', lines: 0, expected: 90})
    expect(describeSilence(inc.silence!)).toBe('no lines from b for 15m')
    expect(describeSilence({...inc.silence!, lines: 3})).toBe('3 lines from b in 15m, ~90 expected')
  })
})
