import type {SummariesDocument} from '../explain/schema.js'
import type {Incident, Results} from '../results.js'
import {historyError, openHistoryDatabase, type HistoryDatabase} from './db.js'
import {incidentSignature} from './signature.js'
import {findSimilar, type SimilarIncident} from './similar.js'

export type {SimilarIncident} from './similar.js'

export interface RunRecord {
  id: number
  created_at: string
  origin: string
  input: string
  format: string
  detector: string
  lines: number
  sessions: number
  anomalies: number
  incidents: number
  elapsed_ms: number
  llm_cost_usd: number | null
}

export interface RecordedRun {
  run_id: number
  /** Incident id → its key and the similar past incidents found when it was recorded. */
  incidents: Record<string, {key: string; similar: SimilarIncident[]}>
}

const MAX_SIMILAR = 5

/** The incident memory: every analysis with its incidents, summaries and template signatures. */
export class HistoryStore {
  readonly path: string
  private readonly db: HistoryDatabase

  private constructor(path: string, db: HistoryDatabase) {
    this.path = path
    this.db = db
  }

  static open(path: string): HistoryStore {
    return new HistoryStore(path, openHistoryDatabase(path))
  }

  close(): void {
    this.db.close()
  }

  /** Stores a run and its incidents; returns each incident's similar past incidents (found before it was added). */
  recordRun(results: Results, options: {origin: string; summaries?: SummariesDocument; now?: Date}): RecordedRun {
    return this.guard(() => {
      const createdAt = (options.now ?? new Date()).toISOString()
      const summaries = new Map((options.summaries?.incidents ?? []).map((r) => [r.incident_id, r.summary]))
      const insertRun = this.db.prepare(`INSERT INTO runs (created_at, origin, input, format, detector, lines, sessions, anomalies, incident_count, elapsed_ms, llm_cost_usd, results_json, summaries_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      const insertIncident = this.db.prepare(`INSERT INTO incidents (run_id, incident_id, created_at, severity, score, size, lead_template, signature_size, root_cause, remediation)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      const insertTemplate = this.db.prepare('INSERT OR IGNORE INTO incident_templates (signature, incident) VALUES (?, ?)')
      return this.db.transaction((): RecordedRun => {
        const s = results.summary
        const runId = Number(insertRun.run(createdAt, options.origin, s.input, s.format, s.detector, s.lines, s.sessions, s.anomalies, s.incidents, Math.round(s.elapsed_ms), options.summaries?.totals.cost_usd ?? null, JSON.stringify(results), options.summaries ? JSON.stringify(options.summaries) : null).lastInsertRowid)
        const recorded: RecordedRun = {run_id: runId, incidents: {}}
        for (const incident of results.incidents) {
          const signature = incidentSignature(incident)
          const summary = summaries.get(incident.id)
          // The incident's own severity (the documented rule), as the API, the dashboard and `flare detect`
          // show it; an explainer that rates it otherwise is kept as its suggestion in summaries_json only.
          const similar = findSimilar(this.db, {signature, severity: incident.severity, format: s.format, excludeRun: runId}, MAX_SIMILAR)
          const row = Number(insertIncident.run(runId, incident.id, createdAt, incident.severity, incident.score, incident.size, leadTemplate(incident), signature.length, summary?.root_cause ?? null, summary?.remediation[0]?.action ?? null).lastInsertRowid)
          for (const hash of signature) insertTemplate.run(hash, row)
          recorded.incidents[incident.id] = {key: `${runId}.${incident.id}`, similar}
        }
        return recorded
      })()
    })
  }

  /** Past incidents resembling a results incident (not stored, e.g. a results file given to summarize). */
  similarTo(incident: Incident, limit = MAX_SIMILAR, format?: string): SimilarIncident[] {
    return this.guard(() => findSimilar(this.db, {signature: incidentSignature(incident), severity: incident.severity, format}, limit))
  }

  /** Past incidents resembling a stored one, by its key (`12.INC-003`). */
  similarToKey(key: string, limit = MAX_SIMILAR): SimilarIncident[] | undefined {
    return this.guard(() => {
      const row = this.incidentRow(key)
      if (row === undefined) return undefined
      const signature = (this.db.prepare('SELECT signature FROM incident_templates WHERE incident = ?').pluck().all(row) as string[])
      const own = this.db.prepare('SELECT i.run_id, i.severity, r.format FROM incidents i JOIN runs r ON r.id = i.run_id WHERE i.id = ?').get(row) as {run_id: number; severity: string; format: string}
      return findSimilar(this.db, {signature, severity: own.severity, format: own.format, excludeRun: own.run_id}, limit)
    })
  }

  listRuns(limit = 50, before?: number): RunRecord[] {
    return this.guard(() => {
      const rows = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?`).all(before ?? Number.MAX_SAFE_INTEGER, limit) as RunRecord[]
      return rows
    })
  }

  getRun(id: number): (RunRecord & {results: Results; summaries: SummariesDocument | null}) | undefined {
    return this.guard(() => {
      const row = this.db.prepare(`SELECT ${RUN_COLUMNS}, results_json, summaries_json FROM runs WHERE id = ?`).get(id) as (RunRecord & {results_json: string; summaries_json: string | null}) | undefined
      if (!row) return undefined
      const {results_json: results, summaries_json: summaries, ...run} = row
      return {...run, results: JSON.parse(results) as Results, summaries: summaries ? (JSON.parse(summaries) as SummariesDocument) : null}
    })
  }

  counts(): {runs: number; incidents: number} {
    return this.guard(() => ({
      runs: this.db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number,
      incidents: this.db.prepare('SELECT COUNT(*) FROM incidents').pluck().get() as number,
    }))
  }

  private incidentRow(key: string): number | undefined {
    const match = /^(\d+)\.(.+)$/.exec(key)
    return match ? (this.db.prepare('SELECT id FROM incidents WHERE run_id = ? AND incident_id = ?').pluck().get(Number(match[1]), match[2]) as number | undefined) : undefined
  }

  private guard<T>(work: () => T): T {
    try {
      return work()
    } catch (error) {
      throw historyError(this.path, error)
    }
  }
}

const RUN_COLUMNS = 'id, created_at, origin, input, format, detector, lines, sessions, anomalies, incident_count AS incidents, elapsed_ms, llm_cost_usd'

function leadTemplate(incident: Incident): string {
  const unusual = incident.templates.find((t) => t.normal_mean === 0) ?? incident.templates[0]
  return unusual?.template ?? ''
}

/**
 * "seen before: INC-003 on 2026-11-30 (run 12, 80% overlap), suggested last time: …" — one line per
 * match. The memory keeps what the explainer suggested, not what anyone did: the line must not say "resolved".
 */
export function seenBeforeLine(similar: SimilarIncident): string {
  const suggested = similar.suggested_last_time ? `, suggested last time (not confirmed as the fix): ${similar.suggested_last_time}` : ''
  return `seen before: ${similar.incident_id} on ${similar.created_at.slice(0, 10)} (run ${similar.run_id}, ${Math.round(similar.overlap * 100)}% template overlap)${suggested}`
}
