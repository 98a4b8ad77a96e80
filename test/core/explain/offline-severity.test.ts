import {describe, expect, it} from 'vitest'
import {explainOffline} from '../../../src/core/explain/providers/index.js'
import {rankLines, templatePriority} from '../../../src/core/explain/prompts.js'
import {Incident} from '../../../src/core/results.js'
import {oddIncident} from './fixtures.js'

/** The odd incident (no signature matches, severity low) with extra lines at `level`. */
function withLevel(level: string, severity: Incident['severity'] = 'medium'): Incident {
  const base = oddIncident()
  return Incident.parse({
    ...base,
    severity,
    templates: [...base.templates, {id: 'T21', template: 'node <*> heartbeat missed', count: 2, normal_mean: 0, level}],
    sample_lines: [...base.sample_lines, {line: 9, text: 'node n4 heartbeat missed', template_id: 'T21', session_id: 'w-17', reason: `${level} line`}],
    levels: {...base.levels, [level]: 2},
  })
}

describe('the offline explainer and the prompts read levels as incidents do', () => {
  it('ALERT, EMERGENCY, CRITICAL and FATAL lines raise the severity one step; ERROR lines do not', () => {
    for (const level of ['ALERT', 'EMERGENCY', 'CRITICAL', 'FATAL']) {
      const summary = explainOffline(withLevel(level), 'generic')
      expect([level, summary.severity]).toEqual([level, 'high'])
      expect(summary.severity_reasoning).toContain('raised one step for 2 fatal/critical-level lines')
    }
    const error = explainOffline(withLevel('ERROR'), 'generic')
    expect(error.severity).toBe('medium')
    expect(error.severity_reasoning).toContain('2 lines are at error level or above')
  })

  it('a CRITICAL-level line ranks with error lines in the prompt, ahead of ordinary ones', () => {
    for (const level of ['CRITICAL', 'ALERT', 'ERROR']) {
      const incident = withLevel(level)
      expect(rankLines(incident)[0].line).toBe(9)
      expect(templatePriority(incident.templates[1])).toBeGreaterThanOrEqual(100)
    }
    expect(templatePriority(withLevel('WARN').templates[1])).toBeLessThan(templatePriority(withLevel('ALERT').templates[1]))
  })
})
