import type {SummariesDocument} from '../explain/schema.js'
import type {Incident, Results} from '../results.js'
import {historyError, openHistoryDatabase, type HistoryDatabase} from './db.js'
import {incidentSignature} from './signature.js'

/** A past incident that shares templates with a new one. */
export interface SimilarIncident {
  /** `<run>.<incident id>`, e.g. `12.INC-003`: unique across runs. */
  key: string
  run_id: number
  incident_id: string
  created_at: string
  severity: string
  lead_template: string
  /** Shared signature templates / templates in either (Jaccard), 0..1. */
  overlap: number
  shared_templates: number
  root_cause: string | null
  /** The first remediation step of its summary, when it had one. */
  resolved_by: string | null
}

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
          const similar = this.similarBySignature(signature, {run: runId}, MAX_SIMILAR)
          const summary = summaries.get(incident.id)
          const row = Number(insertIncident.run(runId, incident.id, createdAt, summary?.severity ?? incident.severity, incident.score, incident.size, leadTemplate(incident), signature.length, summary?.root_cause ?? null, summary?.remediation[0]?.action ?? null).lastInsertRowid)
          for (const hash of signature) insertTemplate.run(hash, row)
          recorded.incidents[incident.id] = {key: `${runId}.${incident.id}`, similar}
        }
        return recorded
      })()
    })
  }

  /** Past incidents resembling a results incident (not stored, e.g. a results file given to summarize). */
  similarTo(incident: Incident, limit = MAX_SIMILAR): SimilarIncident[] {
    return this.guard(() => this.similarBySignature(incidentSignature(incident), {}, limit))
  }

  /** Past incidents resembling a stored one, by its key (`12.INC-003`). */
  similarToKey(key: string, limit = MAX_SIMILAR): SimilarIncident[] | undefined {
    return this.guard(() => {
      const row = this.incidentRow(key)
      if (row === undefined) return undefined
      const signature = (this.db.prepare('SELECT signature FROM incident_templates WHERE incident = ?').pluck().all(row) as string[])
      const run = this.db.prepare('SELECT run_id FROM incidents WHERE id = ?').pluck().get(row) as number
      return this.similarBySignature(signature, {run}, limit)
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

  /**
   * Ranked by Jaccard overlap of signatures, newest first among equals; incidents of the same run
   * are not "past". The inverted table's primary key (signature, incident) answers "which incidents
   * share these templates" without reading any other incident.
   */
  private similarBySignature(signature: string[], exclude: {run?: number}, limit: number): SimilarIncident[] {
    if (signature.length === 0) return []
    const rows = this.db.prepare(`
      WITH shared AS (
        SELECT incident, COUNT(*) AS n FROM incident_templates
        WHERE signature IN (SELECT value FROM json_each(?))
        GROUP BY incident
      )
      SELECT i.run_id, i.incident_id, i.created_at, i.severity, i.lead_template, i.root_cause, i.remediation,
             shared.n AS shared_templates, CAST(shared.n AS REAL) / (? + i.signature_size - shared.n) AS overlap
      FROM shared JOIN incidents i ON i.id = shared.incident
      WHERE i.run_id != ?
      ORDER BY overlap DESC, i.id DESC
      LIMIT ?`).all(JSON.stringify(signature), signature.length, exclude.run ?? -1, limit) as Array<Omit<SimilarIncident, 'key' | 'resolved_by'> & {remediation: string | null}>
    return rows.map(({remediation, ...r}) => ({key: `${r.run_id}.${r.incident_id}`, ...r, overlap: Math.round(r.overlap * 1000) / 1000, resolved_by: remediation}))
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

/** "seen before: INC-003 on 2026-11-30 (run 12, 80% overlap), resolved by: …" — one line per match. */
export function seenBeforeLine(similar: SimilarIncident): string {
  const resolved = similar.resolved_by ? `, resolved by: ${similar.resolved_by}` : ''
  return `seen before: ${similar.incident_id} on ${similar.created_at.slice(0, 10)} (run ${similar.run_id}, ${Math.round(similar.overlap * 100)}% template overlap)${resolved}`
}
