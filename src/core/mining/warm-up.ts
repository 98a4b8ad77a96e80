/**
 * Warming a fresh thread's fast path before its first real region: a synthetic sample of every
 * token shape, then the region's own first lines, so V8 optimises the hot functions with complete
 * type feedback instead of recompiling them mid-file (see bench/README.md).
 */
import {isUtf8} from 'node:buffer'
import {nthNewline} from '../ingest/line-splitter.js'
import {configForFormat} from '../templates/index.js'
import {ByteOut, HdfsFastPath, scratchOut, wideCopiesExact} from './fast-path.js'
import {FastMiner, type FastCluster} from './fast-miner.js'
import {EventWords, writeEvents} from './fast-events.js'
import {writePartials} from '../sessions/partials.js'

/**
 * Three HDFS lines of every token shape the fast path meets (numbers, ip:port, /ip, block ids,
 * paths, key=value, units, quotes and commas, non-ASCII, blank lines, multi-block lines), for
 * warming up a fresh thread. Running them gives every branch its type feedback, so V8 optimises
 * the hot functions with complete feedback, instead of compiling them again each time a new
 * branch shows up mid-file. The sample is kept small: it only has to show each branch, and the
 * real lines do the rest of the warming (400 lines took the first region 0.1 – 0.3 s later, with
 * no faster run after it).
 */
export function warmUpSample(): Buffer {
  const shapes = [
    (i: number) => `INFO dfs.DataNode$DataXceiver: Receiving block blk_${i * 7919} src: /10.250.${i % 250}.${i % 7}:${40000 + i} dest: /10.250.${i % 250}.${i % 7}:50010`,
    (i: number) => `INFO dfs.DataNode$PacketResponder: Received block blk_-${i * 104729} of size ${67108864 - i} from /10.251.${i % 250}.${i % 9}`,
    (i: number) => `INFO dfs.DataNode$PacketResponder: PacketResponder ${i % 3} for block blk_${i * 31} terminating`,
    (i: number) => `INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.${i % 250}.${i % 5}:50010 is added to blk_${i} size ${i * 1000}`,
    (i: number) => `INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand${i % 3}/_temporary/_task_200811092030_0001_m_${i}_0/part-${i}. blk_-${i}`,
    (i: number) => `INFO dfs.FSDataset: Deleting block blk_${i} file /mnt/hadoop/dfs/data/current/subdir${i % 60}/blk_${i}`,
    // Block ids inside other tokens, negative ones and one of them not seen before on the line.
    (i: number) => `INFO dfs.FSDataset: Deleting block blk_-${i} file /mnt/hadoop/dfs/data/current/subdir${i % 60}/blk_-${i}.meta and (blk_-${i + 5})`,
    (i: number) => `INFO dfs.FSNamesystem: BLOCK* NameSystem.delete: blk_-${i} is added to invalidSet of 10.250.${i % 250}.1:50010`,
    (i: number) => `INFO dfs.DataNode: 10.250.${i % 250}.2:50010 Served block blk_${i} to /10.250.${i % 99}.3`,
    (i: number) => `WARN dfs.DataNode: 10.250.${i % 250}.2:50010:Got exception while serving blk_${i} to /10.250.1.${i % 9}:`,
    (i: number) => `INFO dfs.DataBlockScanner: Verification succeeded for blk_${i}`,
    (i: number) => `ERROR dfs.DataNode: Exception in receiveBlock for block blk_${i} java.io.IOException: Connection reset by peer`,
    (i: number) => `INFO dfs.DataNode: Slow write took ${i}ms (threshold 300ms), size=${i * 3}, path="/data/${i}", ok=true; uuid 70c1714b-c11b-4c88-b300-${String(100000000000 + i)}`,
    (i: number) => `WARN dfs.DataNode: "quoted" value, with commas, \\back\\slash ${i} and café nœud ${i % 4}`,
    (i: number) => `INFO dfs.Data,Node: odd component ${i} at Fri Jun 17 07:07:${String(i % 60).padStart(2, '0')} 2005 took 1.5 KB in ${i} sec`,
    (i: number) => `INFO dfs.DataNode: counters ${Array.from({length: 12}, (_, j) => (i + j) % 10).join(' ')} 0x${(i * 2654435761).toString(16)}`,
    (i: number) => `INFO dfs.DataNode: transfer blk_${i} blk_${i + 1} blk_${i} to host-${i}.example.com:${8000 + i} via http://h${i}.example.com/x?y=${i}`,
    (i: number) => `INFO dfs.DataNode: peer (from 10.0.${i % 250}.1:) state=${i}. mode=[up:${i % 7}:] ok`,
    (i: number) => `INFO dfs.DataNode: at 2008-11-${String(10 + (i % 18)).padStart(2, '0')}T10:00:${String(i % 60).padStart(2, '0')}.123Z and ${String(i % 24).padStart(2, '0')}:04:33.${123456 + i} id:abc${i}:x user${i}@example.com addr @0x7fed${i}eb5d v1.${i % 9}.2 opts=-fast,_xy`,
    // A template that gains a wildcard after its shape's plan was made (the plan is renewed).
    (i: number) => `INFO dfs.DataNode: epoch ${i} checkpoint ${i < 40 ? 'alpha' : 'beta'} done`,
  ]
  const lines: string[] = []
  for (let i = 1; i <= 3 * shapes.length; i++) {
    const line = `0811${String(10 + (i % 18)).padStart(2, '0')} ${String(100000 + i * 37).slice(-6)} ${i % 500} ${shapes[i % shapes.length](i)}`
    lines.push(i % 3 === 0 ? line + '\r' : line)
    if (i % 17 === 0) lines.push('   ')
    // A line longer than the masker's first buffers, so they grow here rather than mid-file.
    if (i === 27) lines.push(`081110 000000 1 INFO dfs.DataNode: long ${Array.from({length: 600}, (_, j) => j % 10).join(' ')}`)
  }
  return Buffer.from(lines.join('\n'))
}

/**
 * Rounds of the warm-up: enough for V8 to optimise the hot path with both modes' feedback. More
 * only delay the first region (40 rounds kept the workers busy for about 0.8 s on a loaded
 * machine, 10 for about 0.5 s, and the runs after them were no slower).
 */
const WARM_ROUNDS = 10

/**
 * Runs `fast` over warmUpSample() WARM_ROUNDS times, looking lines up and mining them (now and then with a
 * fresh miner, so the tree's insert and search paths run too), before real regions arrive.
 * `shared`: the sample lives in a SharedArrayBuffer, as a worker's regions do. `counts` must be
 * the array the real calls will pass (its shape is part of what V8 optimises for). `events`: the
 * thread will write line events and partial sessions (`flare detect`), not CSV rows (see WarmOut).
 */
export function warmUp(fast: HdfsFastPath, shared: boolean, counts?: FastCluster[], events = false): void {
  const plain = events ? eventSample() : warmUpSample()
  let sample = plain
  if (shared) {
    sample = Buffer.from(new SharedArrayBuffer(plain.length))
    sample.set(plain)
  }
  // Checked before the rounds too, so that they run the eight-byte steps the rows will take (code
  // optimised without them would be thrown away at the first real row), and again once optimised.
  if (!events) wideCopiesExact(shared)
  let warm = new FastMiner()
  const into = warmOut(sample.length * 4, shared, events)
  for (let round = 0; round < WARM_ROUNDS; round++) {
    if (round % 10 === 9) warm = new FastMiner()
    const mine = counts === undefined || round % 2 === 0 || round % 10 === 9
    if (!warmRound(fast, sample, 0, sample.length, warm, into, counts, mine)) break
  }
  // (Rows only: line events copy no bytes.)
  if (!events) wideCopiesExact(shared)
}

/**
 * Where a warm-up round's output goes: CSV rows (`rows`), or line events (`events`) and the
 * partial sessions they make (`partials`). A `flare detect` thread warms the event path only: it
 * never writes a row, and the row writer's optimised code (the costliest compile of the fast path)
 * would be made for nothing, while the event writers would be optimised, and thrown away and
 * optimised again, on the real regions' partial feedback (measured at HDFS ×10: 341 compiles and
 * 2.4 s of CPU in V8's compiler threads; see the commit).
 */
interface WarmOut {
  rows?: Buffer
  events?: EventWords
  partials?: Float64Array
}

/** As a worker's partials job writes them: events into a growable array of its own, partial sessions into the (shared) slot. */
function warmOut(bytes: number, shared: boolean, events: boolean): WarmOut {
  if (!events) return {rows: scratchOut(bytes, shared)}
  const numbers = Math.max(1 << 16, bytes >> 1)
  // Room for few events and block ids, so that their arrays grow here: grown on the first real
  // region instead, they threw the event writer's optimised code away (V8 had taken the fields
  // for constants), and it was optimised again, twice per worker.
  const out = new EventWords(new Int32Array(256), true)
  out.blockStart = new Int32Array(4)
  out.blockEnd = new Int32Array(4)
  return {events: out, partials: shared ? new Float64Array(new SharedArrayBuffer(8 * numbers)) : new Float64Array(numbers)}
}

/**
 * warmUpSample() with a handful of block ids, each on several lines: the partial sessions of a
 * block of many lines (its templates and transitions) then run in the warm-up too, rather than
 * first on a real region, where writePartials was thrown away and optimised again.
 */
function eventSample(): Buffer {
  return Buffer.from(warmUpSample().toString('latin1').replace(/blk_(-?)(\d+)/g, (_, sign: string, digits: string) => `blk_${sign}${Number(digits) % 5}`), 'latin1')
}


/**
 * One warm-up pass over buf[start, end), its rows and counts thrown away; false if it does not
 * validate. The rows go to a fresh ByteOut over `into`, as a worker's job does into its slot.
 */
function warmRound(fast: HdfsFastPath, buf: Buffer, start: number, end: number, miner: FastMiner, into: WarmOut, counts: FastCluster[] | undefined, mine: boolean): boolean {
  if (!fast.validate(buf, start, end)) return false
  const stats = {lines: 0, records: 0, blank: 0}
  if (into.rows) fast.write(buf, 1, miner, new ByteOut(into.rows.length, into.rows), stats, counts, mine)
  else {
    const out = into.events!
    out.n = 0
    const list = counts ?? []
    if (writeEvents(fast, buf, start, miner, out, stats, list, mine)) writePartials(out.words, out.n, out.blocks.size, into.partials!)
    for (const c of list) c.tally = 0
    list.length = 0
  }
  if (counts) {
    for (const c of counts) c.tally = 0
    counts.length = 0
  }
  return true
}

/**
 * Before a thread's first real region: the region's first `lines` lines (or fewer) are mined into
 * a scratch miner and looked up again, their rows thrown away. The synthetic sample cannot know
 * every branch a real log takes; these lines give V8 the real ones too while the hot functions
 * are not optimised yet. `buf[start, end)` must be complete lines, in the memory the real regions
 * use; the caller validates the region again afterwards.
 */
export function warmUpOn(fast: HdfsFastPath, buf: Buffer, start: number, end: number, lines: number, counts?: FastCluster[], events = false): void {
  let cut = nthNewline(buf, start, end, lines)
  if (cut < 0) cut = buf.lastIndexOf(10, end - 1)
  if (cut <= start || !isUtf8(buf.subarray(start, cut))) return
  const warm = new FastMiner(configForFormat('hdfs'))
  const into = warmOut(4 * (cut - start) + (1 << 16), buf.buffer instanceof SharedArrayBuffer, events)
  for (const mine of [true, false]) if (!warmRound(fast, buf, start, cut, warm, into, counts, mine || counts === undefined)) return
}
