/** Where sessions find their ids when they do not keep a string each. */
import type {Session, Sessions} from './session.js'

/**
 * Where sessions that share it keep their ids, each found by its session's order: a store's block
 * ids, kept as the packed keys of its lookups end to end (~16 bytes a session, BlockIds) instead of
 * a string each (~48 bytes on the heap, and one more object for every collection to walk).
 */
export interface SessionIdSource {
  at(order: number): string
}

/**
 * The ids of `sessions` by index, without keeping the sessions: when they are a store's list
 * whose ids are kept together (each session's order its index), that keeping; else their strings.
 */
export function sessionIds(sessions: Sessions): (i: number) => string {
  const source = sessions.at(0)?.idSource
  // (the sessions in order that keep their ids in `source`: all of them, or the ids are copied)
  let inOrder = 0
  if (source !== undefined) for (const s of sessions) {
    if (s.idSource !== source || s.order !== inOrder) break
    inOrder++
  }
  if (source !== undefined && inOrder === sessions.length) return (i) => source.at(i)
  const ids = Array.from(sessions, (s) => s.id)
  return (i) => ids[i]
}
