/**
 * Line events: the fast path's product for `flare detect` (and any consumer that groups lines
 * rather than writes them). Where `flare parse` writes a CSV row per line, writeEvents() writes
 * a few numbers: which cluster, level, date and time, and the byte ranges of the component and the
 * block ids. A worker writes them into its slot of shared memory; the main thread reads them into
 * a LineBatch (line-batch.ts), without a string or an object per line.
 *
 * Words of one record (Int32, offsets relative to the region's first byte):
 *   line index in the region, cluster ordinal << 4 | level code, YYMMDD, HHMMSS,
 *   component start (-1: none), component end, block count n, line start, line end (its carriage
 *   return excluded), then n block numbers;
 * after the last record, the region's distinct block ids: start, end of each, in number order.
 * Blocks are numbered per region by the writer (a worker, off the main thread), so the main
 * thread looks each id up once per region instead of once per line.
 */
import {hdfsTime} from '../ingest/formats/hdfs.js'
import type {FastCluster, FastMiner} from './fast-miner.js'
import type {FastStats, HdfsFastPath} from './fast-path.js'
import type {LineBatch} from './line-batch.js'
import {ByteKeys} from '../sessions/byte-keys.js'

/** Words of one record before its block numbers. */
export const EVENT_HEAD = 9
const HEAD = EVENT_HEAD

/** Where events go: a fixed area (a worker's slot) or a buffer that grows (the main thread's). */
export class EventWords {
  n = 0
  /** Distinct block ids of the region: number by bytes, and each one's range. */
  readonly blocks = new ByteKeys()
  blockStart = new Int32Array(1024)
  blockEnd = new Int32Array(1024)
  constructor(
    public words: Int32Array,
    private readonly growable: boolean,
  ) {}

  /** Room for k more words; false when a fixed area is full. */
  room(k: number): boolean {
    if (this.n + k <= this.words.length) return true
    if (!this.growable) return false
    const next = new Int32Array(Math.max(this.words.length * 2, this.n + k))
    next.set(this.words.subarray(0, this.n))
    this.words = next
    return true
  }

  /** The number of block id buf[a, b) in this region (relative offsets from `base`). */
  block(buf: Buffer, a: number, b: number, base: number): number {
    const d = this.blocks.size
    const known = this.blocks.entryOrAdd(buf, a, b)
    if (known < d) return known
    if (d >= this.blockStart.length) {
      const grow = (x: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const y = new Int32Array(2 * x.length)
        y.set(x)
        return y
      }
      this.blockStart = grow(this.blockStart)
      this.blockEnd = grow(this.blockEnd)
    }
    this.blockStart[d] = a - base
    this.blockEnd[d] = b - base
    return d
  }
}

/** Value of the six ASCII digits at b[i] (validated as digits by parseHdfsBytes). */
function six(b: Buffer, i: number): number {
  return (b[i] - 48) * 100000 + (b[i + 1] - 48) * 10000 + (b[i + 2] - 48) * 1000 + (b[i + 3] - 48) * 100 + (b[i + 4] - 48) * 10 + (b[i + 5] - 48)
}

/**
 * Mines the lines of `fast`'s last validate() of buf (the region starting at `base`) and writes
 * their events to `out`. Each cluster met is pushed to `counts` once (its ordinal is its place
 * there) and its `tally` counts the lines; the caller reads and resets both. `mine` false (a
 * worker's read-only replica): lines are only looked up, and the first line of a shape the replica
 * has not seen stops the region: false. False too when a fixed `out` is full.
 */
export function writeEvents(fast: HdfsFastPath, buf: Buffer, base: number, miner: FastMiner, out: EventWords, stats: FastStats, counts: FastCluster[], mine: boolean): boolean {
  const L = fast.lines
  const masker = miner.scanner
  const n = L.n
  out.blocks.clear()
  for (let k = 0; k < n; k++) {
    if (L.lineEnd[k] < 0) {
      stats.blank++
      continue
    }
    const cs = L.contStart[k]
    const ce = L.contEnd[k]
    let cluster: FastCluster
    if (mine) cluster = miner.addBytes(buf, cs, ce)
    else {
      const found = miner.lookupBytes(buf, cs, ce)
      if (found === null) return false
      cluster = found
    }
    if (cluster.tally++ === 0) {
      cluster.ordinal = counts.length
      counts.push(cluster)
    }
    stats.records++
    // As write() does: this makes the shape's plan (the parameters themselves are not needed).
    miner.lastParamRanges(cluster)
    const nb = fast.scanBlocks(buf, masker)
    if (!out.room(HEAD + nb)) return false
    const w = out.words
    let p = out.n
    const ls = L.lineStart[k]
    w[p] = k
    w[p + 1] = (cluster.ordinal << 4) | L.level[k].code
    w[p + 2] = six(buf, ls)
    w[p + 3] = six(buf, ls + 7)
    const comp = L.compStart[k]
    w[p + 4] = comp < 0 ? -1 : comp - base
    w[p + 5] = comp < 0 ? -1 : L.compEnd[k] - base
    w[p + 6] = nb
    w[p + 7] = ls - base
    w[p + 8] = L.lineEnd[k] - base
    p += HEAD
    for (let b = 0; b < nb; b++) w[p++] = out.block(buf, fast.blockStart[b], fast.blockEnd[b], base)
    out.n = p
  }
  const blocks = out.blocks.size
  if (!out.room(2 * blocks)) return false
  const w = out.words
  for (let d = 0; d < blocks; d++) {
    w[out.n++] = out.blockStart[d]
    w[out.n++] = out.blockEnd[d]
  }
  stats.lines += n
  return true
}

/**
 * Reads `count` words of events with `blocks` distinct block ids (written for the region at
 * bytes[0...], its first line `firstLineId`) into `batch`, template = the cluster ordinal (the
 * caller maps it to its index).
 */
export function readEvents(words: Int32Array, count: number, blocks: number, bytes: Buffer, firstLineId: number, batch: LineBatch): void {
  const table = count - 2 * blocks
  let records = 0
  for (let p = 0; p < table; p += HEAD + words[p + 6]) records++
  batch.reset(records, bytes)
  for (let p = table; p < count; p += 2) batch.addKey(words[p], words[p + 1])
  let i = 0
  for (let p = 0; p < table; ) {
    batch.lineId[i] = firstLineId + words[p]
    const tl = words[p + 1]
    batch.template[i] = tl >> 4
    batch.level[i] = tl & 15
    batch.time[i] = hdfsTime(words[p + 2], words[p + 3])
    batch.componentStart[i] = words[p + 4]
    batch.componentEnd[i] = words[p + 5]
    batch.lineStart[i] = words[p + 7]
    batch.lineEnd[i] = words[p + 8]
    const nb = words[p + 6]
    p += HEAD
    for (let b = 0; b < nb; b++) batch.addRef(words[p++])
    batch.keyEnd[i] = batch.refs
    i++
  }
  batch.n = records
  batch.keyKind = 'block'
}
