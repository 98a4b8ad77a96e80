import {widened} from '../templates/masking/classify.js'
import {SessionLists} from './lists.js'
import type {Session, Sessions} from './session.js'

/** A template that ends training sessions must show in at least this many of them to end live ones. */
export const MIN_TERMINAL_SESSIONS = 20

/**
 * Templates that end a session: seen in enough training sessions and never followed by another
 * event in any of them (HDFS's last step of a block, a request's "completed" line). Id sessions
 * only: a time window does not end on a line. Computed where a model is fitted (detect's batch fit
 * and a live training stretch) and saved in its manifest (`terminal_templates`).
 */
export function terminalTemplates(sessions: Sessions): Set<number> {
  // Per template index (typed arrays, grown as indices come): sessions holding it, and whether
  // any line ever followed it.
  let sessionsWith = new Float64Array(128)
  let followed = new Uint8Array(128)
  const room = (index: number): void => {
    if (index < sessionsWith.length) return
    const n = Math.max(index + 1, 2 * sessionsWith.length)
    sessionsWith = widened(sessionsWith, n)
    followed = widened(followed, n)
  }
  const lists = new SessionLists()
  for (const s of sessions) {
    s.readLists(lists)
    const templates = lists.templates
    const transitions = lists.transitions
    for (let k = 0; k < lists.templateWords; k += 3) {
      const index = templates[k]
      room(index)
      sessionsWith[index]++
      if (templates[k + 1] > 1) followed[index] = 1
    }
    for (let k = 0; k < lists.transitionWords; k += 2) {
      const from = Math.floor(transitions[k] / 1_048_576)
      room(from)
      followed[from] = 1
    }
  }
  const out = new Set<number>()
  for (let index = 0; index < sessionsWith.length; index++) if (sessionsWith[index] >= MIN_TERMINAL_SESSIONS && !followed[index]) out.add(index)
  return out
}

/** The ids of the terminal templates, sorted: what a manifest records. */
export function terminalTemplateIds(sessions: Sessions, idOf: (templateIndex: number) => string): string[] {
  return [...terminalTemplates(sessions)].map(idOf).sort()
}
