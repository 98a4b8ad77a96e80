import type {Session} from './session.js'

/**
 * Each stream's last window and its session. Lines come in time order, so a stream's next line is
 * nearly always in the window of its last one: found here without building that window's id (a
 * stream name and an ISO date) again for every line. `undefined` is the stream of windows that are
 * not split into streams.
 */
export class LastWindows {
  private readonly byStream = new Map<string | undefined, {k: number; session: Session}>()

  /** The session of window k of the stream, when it is the stream's last window. */
  get(stream: string | undefined, k: number): Session | undefined {
    const last = this.byStream.get(stream)
    return last !== undefined && last.k === k ? last.session : undefined
  }

  /** Window k of the stream is now its last; returns its session. */
  set(stream: string | undefined, k: number, session: Session): Session {
    const last = this.byStream.get(stream)
    if (last === undefined) this.byStream.set(stream, {k, session})
    else {
      last.k = k
      last.session = session
    }
    return session
  }

  clear(): void {
    this.byStream.clear()
  }
}
