/**
 * Schema migrations, applied in order; `PRAGMA user_version` is the number applied. Never edit a
 * shipped entry: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, their incidents, and the inverted index template signature → incident that makes
  // "similar past incidents" an index lookup instead of a scan.
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    input TEXT NOT NULL,
    format TEXT NOT NULL,
    detector TEXT NOT NULL,
    lines INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    anomalies INTEGER NOT NULL,
    incident_count INTEGER NOT NULL,
    elapsed_ms INTEGER NOT NULL,
    llm_cost_usd REAL,
    results_json TEXT NOT NULL,
    summaries_json TEXT
  );
  CREATE INDEX runs_created ON runs(created_at);
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    severity TEXT NOT NULL,
    score REAL NOT NULL,
    size INTEGER NOT NULL,
    lead_template TEXT NOT NULL,
    signature_size INTEGER NOT NULL,
    root_cause TEXT,
    remediation TEXT,
    UNIQUE(run_id, incident_id)
  );
  CREATE TABLE incident_templates (
    signature TEXT NOT NULL,
    incident INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    PRIMARY KEY (signature, incident)
  ) WITHOUT ROWID;
  CREATE INDEX incident_templates_incident ON incident_templates(incident);
  `,
]
