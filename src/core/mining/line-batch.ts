/**
 * What a consumer that needs no record objects gets of a run of mined lines: one row per record,
 * as columns of typed arrays (plus the session keys as strings, which their consumers look up by).
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
  /** The session keys of record i are keys[keyEnd[i - 1], keyEnd[i]) (from 0 for the first). */
  keyEnd = new Int32Array(1024)
  keys: string[] = []
  /** What the keys are (HDFS: block ids). */
  keyKind: SessionKind = 'block'
  /** Components, made only when asked for: byte ranges of `bytes` (start -1: none). */
  componentStart = new Int32Array(1024)
  componentEnd = new Int32Array(1024)
  bytes: Buffer = Buffer.alloc(0)

  /** Empties the batch and makes room for `records` rows. */
  reset(records: number, bytes: Buffer): void {
    this.n = 0
    this.keys.length = 0
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
    const keys = this.keys.slice(i === 0 ? 0 : this.keyEnd[i - 1], this.keyEnd[i])
    return {lineId: this.lineId[i], level: this.levelName(i), timestamp: this.timestamp(i), component: this.component(i), sessionKeys: keys, sessionKind: keys.length > 0 ? this.keyKind : undefined}
  }
}
