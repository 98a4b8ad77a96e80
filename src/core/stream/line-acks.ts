import type {LiveLine} from './contracts.js'

/**
 * A line's pending acknowledgement (sources that commit positions, Kafka, ask for one). Each
 * holder of the line — the record in flight, every session the record went into — holds it once;
 * the line's `ack` runs when the last holder lets go, i.e. once every session holding the line was
 * closed and scored, or at once when the line went into none (training, unassigned, dropped late).
 */
export class LineAck {
  private holders = 1

  constructor(private readonly done: () => void) {}

  hold(): void {
    this.holders++
  }

  release(): void {
    if (--this.holders === 0) this.done()
  }
}

/** The acks of lines a record assembler has taken but not yet emitted in a record. */
export class PendingAcks {
  private acks: LineAck[] = []

  add(line: LiveLine): void {
    if (line.ack) this.acks.push(new LineAck(line.ack))
  }

  /**
   * Hands the pending acks to a record. The newest line may open a record still held by the
   * assembler, so it stays pending unless `all` (a flush): an ack may come late, never early.
   */
  take(all: boolean): LineAck[] | undefined {
    if (this.acks.length === 0) return undefined
    const keep = all ? 0 : 1
    if (this.acks.length <= keep) return undefined
    const out = this.acks.slice(0, this.acks.length - keep)
    this.acks = this.acks.slice(this.acks.length - keep)
    return out
  }
}

/** Lets go of a record's line acks (after routing it, or after scoring a session that held them). */
export function releaseAll(acks: readonly LineAck[] | undefined): void {
  if (acks) for (const a of acks) a.release()
}
