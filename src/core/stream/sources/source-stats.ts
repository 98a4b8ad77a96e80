import type {SourceStats} from '../contracts.js'

/** Notes kept per source: enough to explain recent trouble, bounded so a flood of bad frames can't grow memory. */
const MAX_NOTES = 50

/** SourceStats plus `truncated` (lines cut at the line limit but delivered). */
export interface LiveSourceStats extends SourceStats {
  truncated: number
}

/** The counters every source keeps, and the one place notes are recorded and forwarded. */
export class StatsKeeper {
  lines = 0
  rejected = 0
  dropped = 0
  truncated = 0
  private readonly notes: string[] = []
  /** Repeated notes of one kind are forwarded once per window, so a junk flood can't flood the terminal. */
  private readonly lastForwarded = new Map<string, number>()

  constructor(private readonly onNote?: (note: string) => void) {}

  note(text: string, kind = text): void {
    this.notes.push(text)
    if (this.notes.length > MAX_NOTES) this.notes.splice(0, this.notes.length - MAX_NOTES)
    const now = Date.now()
    const last = this.lastForwarded.get(kind)
    if (last !== undefined && now - last < 10_000) return
    this.lastForwarded.set(kind, now)
    if (this.lastForwarded.size > 1000) this.lastForwarded.clear()
    this.onNote?.(text)
  }

  snapshot(): LiveSourceStats {
    return {lines: this.lines, rejected: this.rejected, dropped: this.dropped, truncated: this.truncated, notes: [...this.notes]}
  }
}
