import type {Session} from './session.js'

/** A template that ends training sessions must show in at least this many of them to end live ones. */
export const MIN_TERMINAL_SESSIONS = 20

/**
 * Templates that end a session: seen in enough training sessions and never followed by another
 * event in any of them (HDFS's last step of a block, a request's "completed" line). Id sessions
 * only: a time window does not end on a line. Computed where a model is fitted (detect's batch fit
 * and a live training stretch) and saved in its manifest (`terminal_templates`).
 */
export function terminalTemplates(sessions: readonly Session[]): Set<number> {
  const followed = new Set<number>()
  const sessionsWith = new Map<number, number>()
  for (const s of sessions) {
    // Read once: a packed session's arrays are views made on each access.
    const templates = s.templates
    const transitions = s.transitions
    for (let k = 0; k < templates.length; k += 3) {
      sessionsWith.set(templates[k], (sessionsWith.get(templates[k]) ?? 0) + 1)
      if (templates[k + 1] > 1) followed.add(templates[k])
    }
    for (let k = 0; k < transitions.length; k += 2) followed.add(Math.floor(transitions[k] / 1_048_576))
  }
  const out = new Set<number>()
  for (const [index, n] of sessionsWith) if (n >= MIN_TERMINAL_SESSIONS && !followed.has(index)) out.add(index)
  return out
}

/** The ids of the terminal templates, sorted: what a manifest records. */
export function terminalTemplateIds(sessions: readonly Session[], idOf: (templateIndex: number) => string): string[] {
  return [...terminalTemplates(sessions)].map(idOf).sort()
}
