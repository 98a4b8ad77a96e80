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
  `,  // 2: document frequencies for the IDF weighting of similar incidents (how many incidents carry
  // each template, how many incidents there are), kept current by triggers so a query reads a few
  // rows instead of counting.
  `
  CREATE TABLE template_stats (
    signature TEXT PRIMARY KEY,
    incidents INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO template_stats (signature, incidents) SELECT signature, COUNT(*) FROM incident_templates GROUP BY signature;
  CREATE TABLE history_counts (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO history_counts (name, value) VALUES ('incidents', (SELECT COUNT(*) FROM incidents));
  CREATE TRIGGER template_stats_add AFTER INSERT ON incident_templates BEGIN
    INSERT INTO template_stats (signature, incidents) VALUES (NEW.signature, 1)
      ON CONFLICT (signature) DO UPDATE SET incidents = incidents + 1;
  END;
  CREATE TRIGGER template_stats_remove AFTER DELETE ON incident_templates BEGIN
    UPDATE template_stats SET incidents = incidents - 1 WHERE signature = OLD.signature;
  END;
  CREATE TRIGGER incident_count_add AFTER INSERT ON incidents BEGIN
    UPDATE history_counts SET value = value + 1 WHERE name = 'incidents';
  END;
  CREATE TRIGGER incident_count_remove AFTER DELETE ON incidents BEGIN
    UPDATE history_counts SET value = value - 1 WHERE name = 'incidents';
  END;
  `,
]
