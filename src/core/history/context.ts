import type {Results} from '../results.js'
import {defaultHistoryPath} from './db.js'
import {seenBeforeLine, HistoryStore} from './store.js'

/** Incident id → "seen before: …" lines, for the prompts and the printed summaries. */
export function pastIncidentContext(store: HistoryStore, results: Results, limit = 3): Record<string, string[]> {
  const context: Record<string, string[]> = {}
  for (const incident of results.incidents) {
    const lines = store.similarTo(incident, limit, results.summary.format).map(seenBeforeLine)
    if (lines.length > 0) context[incident.id] = lines
  }
  return context
}

/** `--db` given: that file; `--history` alone: the default file; neither: no memory. */
export function historyPathFromFlags(flags: {history?: boolean; db?: string}): string | undefined {
  return flags.db ?? (flags.history ? defaultHistoryPath() : undefined)
}
