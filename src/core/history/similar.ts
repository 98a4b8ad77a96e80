import type {HistoryDatabase} from './db.js'

/** A past incident that shares templates with a new one. */
export interface SimilarIncident {
  /** `<run>.<incident id>`, e.g. `12.INC-003`: unique across runs. */
  key: string
  run_id: number
  incident_id: string
  created_at: string
  severity: string
  lead_template: string
  /** Shared signature templates / templates in either (Jaccard), 0..1: what "n% overlap" shows. */
  overlap: number
  /** The ranking's similarity, 0..1: the same Jaccard with each template weighted by its rarity (IDF). */
  score: number
  shared_templates: number
  root_cause: string | null
  /** The first remediation step its explanation suggested, when it had one: a suggestion, not a record that it fixed anything. */
  suggested_last_time: string | null
  /** @deprecated the same value as `suggested_last_time`, kept for API clients that read it; nobody recorded a resolution. */
  resolved_by: string | null
}

/** What a similarity query starts from: a signature, and what the new incident is like. */
export interface SimilarityProbe {
  signature: string[]
  severity?: string
  /** The log format of the new incident's run: incidents from the same kind of log are preferred. */
  format?: string
  /** Incidents of this run are not "past". */
  excludeRun?: number
}

/**
 * Postings read per template, newest first. A template shared by thousands of incidents weighs
 * almost nothing under IDF, so reading only its newest postings changes little in the ranking and
 * keeps one query bounded however large the memory grows.
 */
const POSTINGS_PER_TEMPLATE = 200
/** Candidates, by shared weight, whose whole signatures are read to compute the final score. */
const CANDIDATES = 50
/** How much a shared severity, or a shared log format, adds to the score: it decides near-ties only. */
const SAME_SEVERITY_BONUS = 0.05
const SAME_FORMAT_BONUS = 0.05

/** Every statement a similarity query runs; each reads through an index (see explainSimilar). */
const SQL = {
  total: "SELECT value FROM history_counts WHERE name = 'incidents'",
  df: 'SELECT incidents FROM template_stats WHERE signature = ?',
  // A run's incidents are written in one transaction, so their ids are one range: excluding it
  // keeps the postings a pure range read of the primary key.
  runRange: 'SELECT MIN(id) AS low, MAX(id) AS high FROM incidents WHERE run_id = ?',
  postings: 'SELECT incident FROM incident_templates WHERE signature = ? AND incident NOT BETWEEN ? AND ? ORDER BY incident DESC LIMIT ?',
  frequencies: `SELECT it.incident, s.incidents AS df FROM incident_templates it JOIN template_stats s ON s.signature = it.signature
    WHERE it.incident IN (SELECT value FROM json_each(?))`,
  candidates: `SELECT i.id, i.run_id, i.incident_id, i.created_at, i.severity, i.lead_template, i.root_cause, i.remediation, i.signature_size, r.format
    FROM incidents i JOIN runs r ON r.id = i.run_id WHERE i.id IN (SELECT value FROM json_each(?))`,
}

/** SQLite's query plan of each statement of a similarity query, for checking that none scans a table. */
export function explainSimilar(db: HistoryDatabase): Record<string, string[]> {
  const plans: Record<string, string[]> = {}
  for (const [name, sql] of Object.entries(SQL)) {
    const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    plans[name] = (statement.all(...Array.from({length: sql.split('?').length - 1}, () => null)) as Array<{detail: string}>).map((r) => r.detail)
  }
  return plans
}

/**
 * Rarity weight of a template found in `df` of `total` incidents (BM25's IDF): a template every
 * incident has weighs ~0, one seen once weighs ln(total). Always positive, so a signature of only
 * common templates still ranks.
 */
export function idf(df: number, total: number): number {
  return Math.log(1 + (Math.max(total, df) - df + 0.5) / (df + 0.5))
}

/**
 * Ranks past incidents the way a person would: by the templates they share, weighted by how rare
 * each template is across the memory (weighted Jaccard), preferring the same severity and the same
 * kind of log, newest first among equals. Index reads only: the inverted table's primary key
 * (signature, incident) for the postings, `template_stats` for frequencies, and the
 * incident_templates_incident index for the candidates' signatures.
 */
export function findSimilar(db: HistoryDatabase, probe: SimilarityProbe, limit: number): SimilarIncident[] {
  if (probe.signature.length === 0 || limit <= 0) return []
  const total = (db.prepare(SQL.total).pluck().get() as number | undefined) ?? 0
  const dfOf = db.prepare(SQL.df).pluck()
  const query = probe.signature.map((signature) => ({signature, df: (dfOf.get(signature) as number | undefined) ?? 0}))
  const queryWeight = query.reduce((sum, t) => sum + idf(t.df, total), 0)

  const postings = db.prepare(SQL.postings).pluck()
  const excluded = probe.excludeRun === undefined ? undefined : (db.prepare(SQL.runRange).get(probe.excludeRun) as {low: number | null; high: number | null})
  const [low, high] = [excluded?.low ?? -1, excluded?.high ?? -1]
  const shared = new Map<number, {weight: number; count: number}>()
  for (const t of query) {
    if (t.df === 0) continue
    const weight = idf(t.df, total)
    for (const incident of postings.all(t.signature, low, high, POSTINGS_PER_TEMPLATE) as number[]) {
      const entry = shared.get(incident) ?? {weight: 0, count: 0}
      entry.weight += weight
      entry.count += 1
      shared.set(incident, entry)
    }
  }
  if (shared.size === 0) return []
  const candidates = [...shared].sort((a, b) => b[1].weight - a[1].weight || b[0] - a[0]).slice(0, Math.max(CANDIDATES, limit))
  const ids = JSON.stringify(candidates.map(([id]) => id))

  const candidateWeight = new Map<number, number>()
  const frequencies = db.prepare(SQL.frequencies).all(ids) as Array<{incident: number; df: number}>
  for (const {incident, df} of frequencies) candidateWeight.set(incident, (candidateWeight.get(incident) ?? 0) + idf(df, total))

  const rows = db.prepare(SQL.candidates).all(ids) as Array<{
    id: number; run_id: number; incident_id: string; created_at: string; severity: string; lead_template: string
    root_cause: string | null; remediation: string | null; signature_size: number; format: string
  }>
  const ranked = rows.map((row) => {
    const {weight, count} = shared.get(row.id)!
    const union = queryWeight + (candidateWeight.get(row.id) ?? weight) - weight
    const score = union > 0 ? weight / union : 0
    const rank = score + (probe.severity !== undefined && row.severity === probe.severity ? SAME_SEVERITY_BONUS : 0) + (probe.format !== undefined && row.format === probe.format ? SAME_FORMAT_BONUS : 0)
    // rounded so that float noise never outranks recency between equally similar incidents
    return {row, count, score, rank: Math.round(rank * 1e9) / 1e9}
  })
  // Recency breaks ties: the newest occurrence of a recurring failure carries its latest fix.
  ranked.sort((a, b) => b.rank - a.rank || b.row.created_at.localeCompare(a.row.created_at) || b.row.id - a.row.id)
  return ranked.slice(0, limit).map(({row, count, score}) => ({
    key: `${row.run_id}.${row.incident_id}`,
    run_id: row.run_id,
    incident_id: row.incident_id,
    created_at: row.created_at,
    severity: row.severity,
    lead_template: row.lead_template,
    overlap: round(count / (probe.signature.length + row.signature_size - count)),
    score: round(score),
    shared_templates: count,
    root_cause: row.root_cause,
    suggested_last_time: row.remediation,
    resolved_by: row.remediation,
  }))
}

const round = (value: number): number => Math.round(value * 1000) / 1000
