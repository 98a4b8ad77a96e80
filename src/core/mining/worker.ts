/**
 * Worker thread of `flare parse` (see worker-pool.ts): turns HDFS regions into CSV bytes with a
 * read-only replica of the main thread's miner. The replica learns new shapes only from the
 * main miner's miss log, so every row it writes is the row the main thread would have written;
 * a line of a shape it has not seen sends the region back to the main thread.
 */
import {isUtf8} from 'node:buffer'
import {openSync, readSync} from 'node:fs'
import {parentPort, workerData} from 'node:worker_threads'
import {ByteOut, HdfsFastPath, type FastStats} from './fast-path.js'
import {EventWords, writeEvents} from './fast-events.js'
import {writePartials} from '../sessions/partials.js'
import {warmUp, warmUpOn} from './warm-up.js'
import type {TemplateMinerConfig, TemplateState} from '../templates/index.js'
import {FastMiner, type FastCluster} from './fast-miner.js'
import type {RegionJob, RegionResult, SharedSetup, WorkerData, WorkerSetup} from './worker-pool.js'

// The shared memory and the input path come in a message: a worker may be started before the run
// it will serve is known (see prestartWorkers), and load its code meanwhile.
const fast = new HdfsFastPath((workerData as WorkerData).maxLineBytes)
let setup: SharedSetup
let replica: FastMiner | undefined
/** Clusters a region's lines used (one array for every job: its shape stays the one V8 optimised for). */
const counts: FastCluster[] = []

// Before the first job: run the hot paths, both modes, on a sample of every token shape, in
// shared memory like every job's region (typed arrays over a SharedArrayBuffer have maps of their
// own, and code optimised for the other kind would be thrown away at the first job). It starts at
// the first message: the setup, or a {warm} sent to a worker started ahead once the CLI has loaded
// what it needs most (the warm-up would otherwise slow that down on a machine with few cores).
let warmed = false
function warm(): void {
  if (warmed) return
  warmed = true
  warmUp(fast, true, counts, (workerData as WorkerData).events)
  // Warmed up: the pool may send this thread jobs without them waiting behind the warm-up.
  parentPort!.postMessage({ready: true})
}

let fd: number | undefined
/** Whether the first real region's lines have warmed the fast path up (warmUpOn). */
let warmedOnReal = false

/** Reads a job's region from the input file into its slot; false when the bytes are not the main thread's. */
function readRegion(job: RegionJob, buf: Buffer): boolean {
  try {
    fd ??= openSync(setup.path!, 'r')
    let got = 0
    while (got < job.length) {
      const n = readSync(fd, buf, got, job.length - got, job.offset! + got)
      if (n === 0) return false
      got += n
    }
  } catch {
    return false
  }
  return buf.readUInt32LE(0) === job.head && buf.readUInt32LE(job.length - 4) === job.tail
}

function build(init: WorkerSetup): FastMiner {
  return init.state ? FastMiner.fromJSON(init.state as TemplateState) : new FastMiner(init.config as TemplateMinerConfig)
}

parentPort!.on('message', (job: RegionJob | {setup: SharedSetup} | {warm: true}) => {
  if ('warm' in job) return warm()
  if ('setup' in job) {
    setup = job.setup
    return warm()
  }
  if (job.init) replica = build(job.init)
  const miner = replica!
  for (const m of job.misses) miner.replay(m.tokens, m.hash)
  const buf = Buffer.from(setup.input, job.slot * setup.inSize, job.length)
  const reply = (result: RegionResult): void => parentPort!.postMessage(result)
  if (job.offset !== undefined && !readRegion(job, buf)) return reply({id: job.id, status: 'slow'})
  if (!warmedOnReal) {
    warmedOnReal = true
    warmUpOn(fast, buf, 0, buf.length, 300, counts, job.events === true)
  }
  if (!isUtf8(buf) || !fast.validate(buf, 0, buf.length)) return reply({id: job.id, status: 'slow'})
  // What the main thread counted and saw must be what was read (a file rewritten meanwhile is not).
  if (job.lines !== undefined && fast.validatedLines !== job.lines) return reply({id: job.id, status: 'slow'})
  const stats: FastStats = {lines: 0, records: 0, blank: 0}
  counts.length = 0
  // Exact mode: this replica is the main miner's state at the region's turn, so it mines for
  // real and hands back the shapes it sent through the tree, for the main miner to replay.
  if (job.exact) miner.missLog = []
  if (job.events) return events(job, buf, miner, stats)
  // Rows go straight into the slot's output area: nothing is allocated or copied per region.
  const out = new ByteOut(setup.outSize, Buffer.from(setup.output, job.slot * setup.outSize, setup.outSize))
  const complete = fast.write(buf, job.firstLineId, miner, out, stats, counts, job.exact)
  const misses = miner.missLog ?? undefined
  miner.missLog = null
  const list = takeCounts(miner)
  if (!complete || (out.spilled && !job.exact)) return reply({id: job.id, status: 'miss'})
  if (!out.spilled) return reply({id: job.id, status: 'ok', csvLength: out.off, counts: list, stats, misses})
  // Rows outgrew the slot (very many short parameters). An exact job cannot be undone, so the
  // rest travels in a transferred buffer.
  const parts = out.take(true)
  const inSlot = parts.length > 0 && parts[0].buffer === setup.output ? parts.shift()!.length : 0
  const extra = new ArrayBuffer(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    new Uint8Array(extra, at, p.length).set(p)
    at += p.length
  }
  parentPort!.postMessage({id: job.id, status: 'ok', csvLength: inSlot, extra, counts: list, stats, misses} satisfies RegionResult, [extra])
})

/** The clusters the region used, as [templateId, cluster index, lines]; their tallies reset. */
function takeCounts(miner: FastMiner): NonNullable<RegionResult['counts']> {
  const list: NonNullable<RegionResult['counts']> = []
  for (const cluster of counts) {
    list.push([cluster.templateId, miner.clusterIndex(cluster), cluster.tally])
    cluster.tally = 0
  }
  counts.length = 0
  return list
}

/** A partials job's events, before they become partial sessions (or are copied to the slot). */
const ownEvents = new EventWords(new Int32Array(1 << 16), true)

/**
 * An events job: line events (fast-events.ts) into the slot's output area, which they always fit;
 * or, for a partials job, the partial sessions they make (sessions/partials.ts) when those fit.
 */
function events(job: RegionJob, buf: Buffer, miner: FastMiner, stats: FastStats): void {
  const slotWords = new Int32Array(setup.output, job.slot * setup.outSize, setup.outSize >> 2)
  const out = job.partials ? ownEvents : new EventWords(slotWords, false)
  out.n = 0
  const complete = writeEvents(fast, buf, 0, miner, out, stats, counts, job.exact === true)
  const misses = miner.missLog ?? undefined
  miner.missLog = null
  const list = takeCounts(miner)
  // (An exact job cannot run out of room: a region's events take fewer bytes than a slot holds.)
  if (!complete) return parentPort!.postMessage({id: job.id, status: 'miss'} satisfies RegionResult)
  let partialWords: number | undefined
  if (job.partials) {
    const numbers = writePartials(out.words, out.n, out.blocks.size, new Float64Array(setup.output, job.slot * setup.outSize, setup.outSize >> 3))
    if (numbers >= 0) partialWords = numbers
    else slotWords.set(out.words.subarray(0, out.n))
  }
  parentPort!.postMessage({id: job.id, status: 'ok', eventWords: out.n, eventBlocks: out.blocks.size, partialWords, counts: list, stats, misses} satisfies RegionResult)
}
