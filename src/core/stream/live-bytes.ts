/**
 * The live engine's byte path: a region of complete HDFS lines goes through the byte fast path of
 * `flare detect` (fast-path.ts validates and splits it, fast-events.ts mines it into line events)
 * into a LineBatch whose templates are the engine's template indices, without a string or an
 * object per line. Strings are made per distinct session key of the region and per sample line a
 * session keeps, nothing else.
 */
import {isUtf8} from 'node:buffer'
import {EventWords, readEvents, writeEvents} from '../mining/fast-events.js'
import type {FastCluster} from '../mining/fast-miner.js'
import {HdfsFastPath, type FastStats} from '../mining/fast-path.js'
import {LineBatch} from '../mining/line-batch.js'
import type {LiveMiner, LiveTemplates} from './live-parse.js'

/** A region's records as the sessions read them (OpenSessions.addFromBatch). */
export class LiveByteBatch {
  readonly batch = new LineBatch()
  /** Distinct key d as a string, made at its first use in the region. */
  private names: Array<string | undefined> = []
  /** Distinct key d's entry in the sessions' byte keys (OpenSessions.addFromBatch), -1 until looked up. */
  entries = new Int32Array(1024)

  /** A new region. */
  reset(): void {
    const names = this.names
    names.length = this.batch.keys
    names.fill(undefined)
    if (this.entries.length < names.length) this.entries = new Int32Array(Math.max(names.length, 2 * this.entries.length))
    this.entries.fill(-1, 0, names.length)
  }

  keyName(d: number): string {
    return (this.names[d] ??= this.batch.key(d))
  }

  /** The line of record i (a session's sample line). */
  text(i: number): string {
    const batch = this.batch
    return batch.bytes.utf8Slice(batch.lineStart[i], batch.lineEnd[i])
  }
}

/** A region of line events a worker mined (worker-pool.ts, fast-events.ts), read by LiveBytes.readMined. */
export interface MinedRegion {
  /** The region's bytes (what the events' offsets point into). */
  bytes: Buffer
  words: Int32Array
  count: number
  blocks: number
  /** Cluster ordinal o → [template id, cluster index, lines]. */
  counts: ReadonlyArray<readonly [string, number, number]>
  /** Lines of the region, blank ones included. */
  lines: number
}

export class LiveBytes {
  private readonly fast: HdfsFastPath
  private readonly out = new EventWords(new Int32Array(1 << 16), true)
  private readonly clusters: FastCluster[] = []
  private readonly stats: FastStats = {lines: 0, records: 0, blank: 0}
  private ordinalIndex = new Int32Array(256)
  readonly read = new LiveByteBatch()

  constructor(maxLineBytes: number) {
    this.fast = new HdfsFastPath(maxLineBytes)
  }

  /** True when the first non-blank line of buf[start, end) is a record the byte path takes (not a continuation line). */
  startsWithRecord(buf: Buffer, start: number, end: number): boolean {
    return this.fast.startsWithRecord(buf, start, end)
  }

  /** Lines (blank ones included) of buf[start, end) when every one of them takes the byte path; undefined (nothing done) else. */
  accept(buf: Buffer, start: number, end: number): number | undefined {
    if (!isUtf8(buf.subarray(start, end)) || !this.fast.validate(buf, start, end)) return undefined
    return this.fast.validatedLines
  }

  /**
   * Mines the region accept() took, its first line `firstLineId`: the batch's templates are
   * indices of `templates`, each counted as LiveTemplates.index() counts a record.
   */
  mine(buf: Buffer, start: number, end: number, firstLineId: number, miner: LiveMiner, templates: LiveTemplates): LiveByteBatch {
    const out = this.out
    out.n = 0
    writeEvents(this.fast, buf, start, miner, out, this.stats, this.clusters, true)
    readEvents(out.words, out.n, out.blocks.size, buf.subarray(start, end), firstLineId, this.read.batch)
    const clusters = this.clusters
    this.indexTemplates(clusters.length, (o) => clusters[o].templateId, templates)
    for (const c of clusters) c.tally = 0
    clusters.length = 0
    this.read.reset()
    return this.read
  }

  /**
   * A region a worker mined (its events), its first line `firstLineId`: the batch mine() would
   * have made of it. The miner's counts of the region's clusters are the caller's to add.
   */
  readMined(mined: MinedRegion, firstLineId: number, templates: LiveTemplates): LiveByteBatch {
    readEvents(mined.words, mined.count, mined.blocks, mined.bytes, firstLineId, this.read.batch)
    const counts = mined.counts
    this.indexTemplates(counts.length, (o) => counts[o][0], templates)
    this.read.reset()
    return this.read
  }

  /** The batch's cluster ordinals → indices of `templates`, each record counted as LiveTemplates.index() counts one. */
  private indexTemplates(ordinals: number, templateId: (ordinal: number) => string, templates: LiveTemplates): void {
    const batch = this.read.batch
    if (this.ordinalIndex.length < ordinals) this.ordinalIndex = new Int32Array(Math.max(ordinals, 2 * this.ordinalIndex.length))
    const map = this.ordinalIndex
    map.fill(-1, 0, ordinals)
    for (let i = 0; i < batch.n; i++) {
      const o = batch.template[i]
      let index = map[o]
      if (index < 0) map[o] = index = templates.index(templateId(o), {level: batch.levelName(i), component: batch.component(i)})
      else templates.count(index, batch.levelName(i))
      batch.template[i] = index
    }
  }
}
