import {HistoryStore, pastIncidentContext} from '../core/history/index.js'
import type {Results} from '../core/results.js'
import {err, out} from './style.js'

/**
 * `detect --history`: the results are already written and shown; a database that fails costs only
 * the record (one warning), never the run.
 */
export async function recordHistory(path: string, results: Results, log: (line: string) => void): Promise<void> {
  let store: HistoryStore | undefined
  try {
    store = HistoryStore.open(path)
    const recorded = store.recordRun(results, {origin: 'detect'})
    log(`${out.green('✔')} recorded as run ${recorded.run_id} in ${path}`)
    for (const [id, entry] of Object.entries(recorded.incidents)) {
      const best = entry.similar[0]
      if (best) log(`  ${id} ${out.dim(`seen before: ${best.incident_id} on ${best.created_at.slice(0, 10)} (run ${best.run_id}, ${Math.round(best.overlap * 100)}% overlap)${best.suggested_last_time ? `, suggested last time: ${best.suggested_last_time}` : ''}`)}`)
    }
  } catch (error) {
    const e = error as {message: string; hint?: string}
    process.stderr.write(`${err.yellow('warning:')} not recorded in the incident memory: ${e.message}${e.hint ? `\n→ ${e.hint}` : ''}\n`)
  } finally {
    store?.close()
  }
}

/** `summarize --db`: past incidents like these; an unusable database is an error before any LLM call. */
export async function readPastIncidents(path: string, results: Results): Promise<Record<string, string[]>> {
  const store = HistoryStore.open(path)
  try {
    return pastIncidentContext(store, results)
  } finally {
    store.close()
  }
}

export function printSeenBefore(context: Record<string, string[]>, log: (line: string) => void): void {
  const entries = Object.entries(context)
  if (entries.length === 0) return
  log(`\n${out.bold('Seen before')}`)
  for (const [id, lines] of entries) for (const line of lines) log(`  ${id} ${out.dim(line)}`)
}
