/**
 * What a consumer that needs no record objects gets of a run of mined lines: one row per record,
 * as columns of typed arrays; the session keys are byte ranges of the region (a string is made
 * only when asked for: ByteKeys looks them up as bytes).
 * The byte fast path (fast-events.ts) hands these out for HDFS regions instead of a LogRecord,
 * its fields and an AddResult per line, so memory and collection work grow with templates and
 * sessions, not with lines. A batch (its arrays) is reused: it is valid only during the call
 * that receives it.
 */
import type {LogRecord, SessionKind} from '../ingest/record.js'
import {CANONICAL_LEVELS} from '../severity.js'

/** The fields of a record that grouping it into a session needs. */
export type SessionFields = Pick<LogRecord, 'lineId' | 'level' | 'timestamp' | 'host' | 'component' | 'sessionKeys' | 'sessionKind'>

export class LineBatch {
  /** Records in the batch. */
  n = 0
  /** The record's (first) line, 1-based. */
  lineId = new Float64Array(1024)
  /** Index into the run's templates (MineResult.templates). */
  template = new Int32Array(1024)
  /** Index into CANONICAL_LEVELS, or -1 without a level. */
  level = new Int8Array(1024)
  /** Epoch ms, NaN without a timestamp. */
  time = new Float64Array(1024)
  /**
   * The session keys of record i are keyRef[keyEnd[i - 1]] ... keyRef[keyEnd[i] - 1] (from 0 for
   * the first): distinct keys of the batch, key d being bytes[keyStart[d], keyStop[d]).
   */
  keyEnd = new Int32Array(1024)
  keyRef = new Int32Array(1024)
  refs = 0
  keyStart = new Int32Array(1024)
  keyStop = new Int32Array(1024)
  keys = 0
  /** What the keys are (HDFS: block ids). */
  keyKind: SessionKind = 'block'
  /** Components, made only when asked for: byte ranges of `bytes` (start -1: none). */
  componentStart = new Int32Array(1024)
  componentEnd = new Int32Array(1024)
  /** The record's line: bytes[lineStart, lineEnd). */
  lineStart = new Int32Array(1024)
  lineEnd = new Int32Array(1024)
  bytes: Buffer = Buffer.alloc(0)

  /** Empties the batch and makes room for `records` rows. */
  reset(records: number, bytes: Buffer): void {
    this.n = 0
    this.keys = 0
    this.refs = 0
    this.bytes = bytes
    if (records <= this.lineId.length) return
    const size = Math.max(records, this.lineId.length * 2)
    // Emptied anyway: new arrays, nothing copied.
    this.lineId = new Float64Array(size)
    this.template = new Int32Array(size)
    this.level = new Int8Array(size)
    this.time = new Float64Array(size)
    this.keyEnd = new Int32Array(size)
    this.componentStart = new Int32Array(size)
    this.componentEnd = new Int32Array(size)
    this.lineStart = new Int32Array(size)
    this.lineEnd = new Int32Array(size)
  }

  /** Adds distinct key bytes[a, b) (its number is the count before). */
  addKey(a: number, b: number): void {
    const d = this.keys++
    if (d >= this.keyStart.length) {
      this.keyStart = grow(this.keyStart)
      this.keyStop = grow(this.keyStop)
    }
    this.keyStart[d] = a
    this.keyStop[d] = b
  }

  /** Gives the record being read distinct key d. */
  addRef(d: number): void {
    if (this.refs >= this.keyRef.length) this.keyRef = grow(this.keyRef)
    this.keyRef[this.refs++] = d
  }

  /** Distinct key d as a string. */
  key(d: number): string {
    return this.bytes.latin1Slice(this.keyStart[d], this.keyStop[d])
  }

  levelName(i: number): string | undefined {
    const code = this.level[i]
    return code < 0 ? undefined : CANONICAL_LEVELS[code]
  }

  timestamp(i: number): number | undefined {
    const t = this.time[i]
    return Number.isNaN(t) ? undefined : t
  }

  component(i: number): string | undefined {
    const start = this.componentStart[i]
    return start < 0 ? undefined : this.bytes.utf8Slice(start, this.componentEnd[i])
  }

  /** The session fields of record i as a record carries them (for consumers that need one). */
  fields(i: number): SessionFields {
    const keys: string[] = []
    for (let k = i === 0 ? 0 : this.keyEnd[i - 1]; k < this.keyEnd[i]; k++) keys.push(this.key(this.keyRef[k]))
    return {lineId: this.lineId[i], level: this.levelName(i), timestamp: this.timestamp(i), component: this.component(i), sessionKeys: keys, sessionKind: keys.length > 0 ? this.keyKind : undefined}
  }
}

function grow(x: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const y = new Int32Array(2 * x.length)
  y.set(x)
  return y
}
