import path from 'node:path'
import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {OfflineProvider} from '../../dist/core/explain/providers/offline.js'
import type {ExplainProvider} from '../../dist/core/explain/index.js'
import {hdfsSample, postJson, startServer, tempDir, type RunningServer} from './helpers.js'

/** The offline explainer, except that it always rates an incident otherwise than the documented rule does. */
const offline = new OfflineProvider()
const contrary: ExplainProvider = {
  name: offline.name, model: offline.model, remote: offline.remote, expectedOutputTokens: 0, cost: () => 0,
  explain: async (incident, context) => {
    const result = await offline.explain(incident, context)
    return {...result, summary: {...result.summary, severity: incident.severity === 'low' ? 'critical' : 'low'}}
  },
}

describe('incident memory severities', () => {
  const tmp = tempDir()
  const db = path.join(tmp.dir, 'history.db')
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({dbPath: db, provider: contrary})
  })
  afterAll(async () => {
    await server?.close()
    tmp.remove()
  })

  it('stores and returns the severity the API shows (incidents[].severity), not the explainer\'s', async () => {
    const first = (await postJson(`${server.url}/analyze`, {log_text: hdfsSample})).body
    const shown = new Map<string, string>(first.incidents.map((i: {id: string; severity: string}) => [i.id, i.severity]))
    // the explainer disagrees on every incident
    for (const record of first.summaries.incidents) expect(record.summary.severity).not.toBe(shown.get(record.incident_id))

    const second = (await postJson(`${server.url}/analyze`, {log_text: hdfsSample})).body
    const fromFirst = Object.values(second.similar as Record<string, {run_id: number; incident_id: string; severity: string}[]>).flat().filter((m) => m.run_id === first.run_id)
    expect(fromFirst.length).toBeGreaterThan(0)
    for (const match of fromFirst) expect(match.severity, match.incident_id).toBe(shown.get(match.incident_id))

    const key = second.incident_keys['INC-001']
    const similar = (await (await fetch(`${server.url}/incidents/${key}/similar?limit=50`)).json()).similar as {run_id: number; incident_id: string; severity: string}[]
    for (const match of similar.filter((m) => m.run_id === first.run_id)) expect(match.severity, match.incident_id).toBe(shown.get(match.incident_id))

    const reader = new Database(db, {readonly: true})
    try {
      const stored = reader.prepare('SELECT incident_id, severity FROM incidents WHERE run_id = ? ORDER BY incident_id').all(first.run_id)
      expect(stored).toEqual([...shown].map(([incident_id, severity]) => ({incident_id, severity})).sort((a, b) => a.incident_id.localeCompare(b.incident_id)))
    } finally {
      reader.close()
    }
  }, 60_000)
})
