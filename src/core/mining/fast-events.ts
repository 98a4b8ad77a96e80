/**
 * Line events: the fast path's product for `flare detect` (and any consumer that groups lines
 * rather than writes them). Where `flare parse` writes a CSV row per line, writeEvents() writes
 * a few numbers: which cluster, level, date and time, and the byte ranges of the component and the
 * block ids. A worker writes them into its slot of shared memory; the main thread reads them into
 * a LineBatch (line-batch.ts), making only the block ids' strings.
 *
 * Words of one record (Int32, offsets relative to the region's first byte):
 *   line index in the region, cluster ordinal << 4 | level code, YYMMDD, HHMMSS,
 *   component start (-1: none), component end, block count n, then n pairs of block start, end.
 */
import {hdfsTime} from '../ingest/formats/hdfs.js'
import type {FastCluster, FastMiner} from './fast-miner.js'
import type {FastStats, HdfsFastPath} from './fast-path.js'
import type {LineBatch} from './line-batch.js'

const HEAD = 7

/** Where events go: a fixed area (a worker's slot) or a buffer that grows (the main thread's). */
export class EventWords {
  n = 0
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
    if (!out.room(HEAD + 2 * nb)) return false
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
    p += HEAD
    for (let b = 0; b < nb; b++) {
      w[p++] = fast.blockStart[b] - base
      w[p++] = fast.blockEnd[b] - base
    }
    out.n = p
  }
  stats.lines += n
  return true
}

/**
 * Reads `count` words of events (written for the region at bytes[0...], its first line
 * `firstLineId`) into `batch`, template = the cluster ordinal (the caller maps it to its index).
 */
export function readEvents(words: Int32Array, count: number, bytes: Buffer, firstLineId: number, batch: LineBatch): void {
  let records = 0
  for (let p = 0; p < count; p += HEAD + 2 * words[p + 6]) records++
  batch.reset(records, bytes)
  const keys = batch.keys
  let i = 0
  for (let p = 0; p < count; ) {
    batch.lineId[i] = firstLineId + words[p]
    const tl = words[p + 1]
    batch.template[i] = tl >> 4
    batch.level[i] = tl & 15
    batch.time[i] = hdfsTime(words[p + 2], words[p + 3])
    batch.componentStart[i] = words[p + 4]
    batch.componentEnd[i] = words[p + 5]
    const nb = words[p + 6]
    p += HEAD
    for (let b = 0; b < nb; b++, p += 2) keys.push(bytes.latin1Slice(words[p], words[p + 1]))
    batch.keyEnd[i] = keys.length
    i++
  }
  batch.n = records
  batch.keyKind = 'block'
}
