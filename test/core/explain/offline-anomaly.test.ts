import {describe, expect, it} from 'vitest'
import {explainOffline, templateAnomaly} from '../../../src/core/explain/providers/offline.js'
import {Incident} from '../../../src/core/results.js'
import {hdfsIncident} from './fixtures.js'

/** An incident whose routine replication template matches a signature while the unusual evidence is a full disk. */
function incident(diskNormalMean: number, replicationCount: number): Incident {
  const base = hdfsIncident('INC-9')
  return Incident.parse({
    ...base,
    templates: [
      {id: 'T1', template: 'BLOCK* ask <*> to replicate <*> to datanode(s) <*>', count: replicationCount, normal_mean: 2.43, level: 'INFO'},
      {id: 'T2', template: 'Exception writing block to mirror: No space left on device', count: 3, normal_mean: diskNormalMean, level: 'WARN'},
    ],
    sample_lines: [],
    reasons: [],
  })
}

describe('offline explainer rests on the most anomalous evidence', () => {
  it('measures templates against their normal rate', () => {
    const a = templateAnomaly(incident(0, 5))
    expect(a.get('T2')).toBeGreaterThan(a.get('T1')!)
    expect(a.get('T1')).toBeLessThan(1) // 5 over 2 sessions at 2.43 each: about its normal rate
  })

  it('names the unseen failure, not the routine template that matches first in the table', () => {
    const summary = explainOffline(incident(0, 5), 'hdfs')
    expect(summary.root_cause).toMatch(/^Disk full/i)
    expect(summary.root_cause).toContain('T2')
  })

  it('is less confident when the only matching signature rests on templates at their normal rate', () => {
    const routine = explainOffline(incident(2, 5), 'hdfs')
    const clear = explainOffline(incident(0, 5), 'hdfs')
    expect(routine.confidence).toBeLessThan(clear.confidence)
  })
})

describe('offline explainer on an sshd break-in attempt', () => {
  // OpenSSH_2k's INC-004: one connection from a scanner; sshd's reverse-DNS check of the client is
  // a warning about the client, not a failure to resolve names
  const attempt = Incident.parse({
    ...hdfsIncident('INC-4'),
    size: 1,
    templates: [
      {id: 'T16', template: 'error: Received disconnect from <*> <*> com.jcraft.jsch.JSchException: Auth fail [preauth]', count: 1, normal_mean: 0},
      {id: 'T1', template: 'reverse mapping checking getaddrinfo for <*> <*> failed - POSSIBLE BREAK-IN ATTEMPT!', count: 1, normal_mean: 0.172},
      {id: 'T2', template: 'Invalid user <*> from <*>', count: 1, normal_mean: 0.197},
    ],
    sample_lines: [],
    reasons: [],
  })

  it('names the failed logins, not DNS', () => {
    const summary = explainOffline(attempt, 'openssh')
    expect(summary.root_cause).toMatch(/^Authentication failures/i)
    expect(summary.root_cause).not.toMatch(/DNS/)
  })
})
