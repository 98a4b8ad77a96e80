import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {IncidentEvent} from '../../../src/core/stream/contracts.js'
import {LiveEngine, type EngineOptions, type ScoredSession} from '../../../src/core/stream/engine.js'
import {replayFile} from '../../../src/core/stream/replay.js'
import {runLive} from '../../../src/core/stream/runner.js'
import {FileSource} from '../../../src/core/stream/sources/file-source.js'
import {findRuns} from '../../../src/core/stream/replay-order.js'
import {hdfsStamp, seededRand} from '../../helpers/hdfs-like.js'
import type {createRegionReader} from '../../../src/core/ingest/reader.js'
import type {ByteRegion} from '../../../src/core/ingest/line-splitter.js'
import {repoRoot} from '../../helpers/cli.js'

/**
 * The engine's byte path (ingestBytes: regions of HDFS lines mined as line events, no string or
 * object per line) against its line path (ingest) on the same replay: the same incident events,
 * the same scored sessions, the same counters.
 */
const SAMPLE = 'data/hdfs_sample.log'
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-engine-bytes-'))
})
afterAll(() => rm(dir, {recursive: true, force: true}))

interface Outcome {
  events: IncidentEvent[]
  scored: ScoredSession[]
  notes: string[]
  stats: ReturnType<LiveEngine['stats']>
  lines: number
  /** Lines the byte path took. */
  byBytes: number
}

async function replay(input: string, model: ModelBundle, bytes: boolean, options: Partial<EngineOptions> = {}): Promise<Outcome> {
  const scored: ScoredSession[] = []
  const notes: string[] = []
  let engine: LiveEngine | undefined
  engine = new LiveEngine({model, latenessMs: 5000, ...options, clock: () => engine!.eventTime, onScored: (s) => scored.push(s), onNote: (n) => notes.push(n)})
  const events: IncidentEvent[] = []
  let byBytes = 0
  const deliverBytes = async (region: {buf: Buffer; start: number; end: number}, next: boolean): Promise<number | undefined> => {
    const taken = engine!.ingestBytes(region.buf, region.start, region.end, next)
    if (!taken) return undefined
    events.push(...taken.events)
    byBytes += taken.lines
    return taken.lines
  }
  const result = await replayFile({input, pace: {kind: 'max'}, chunk: 97, readBytes: 16_384, deliver: (lines) => void events.push(...engine!.ingest(lines)), deliverBytes: bytes ? deliverBytes : undefined})
  events.push(...engine.finish())
  return {events, scored, notes, stats: engine.stats(), lines: result.lines, byBytes}
}

/**
 * `flare collect` of the file as it follows it (from its start): the file source hands the
 * runner regions of complete lines as bytes, which go through ingestBytes when it takes them.
 * So that the engine sees what a replay shows it, ticks are off (a quiet stream would move event
 * time on with the wall clock) and lines arrive without an arrival time (a line without a
 * timestamp would be dated by it); collecting stops once every line was read.
 */
async function collect(input: string, model: ModelBundle, lines: number, options: Partial<EngineOptions> = {}): Promise<Outcome> {
  const scored: ScoredSession[] = []
  const notes: string[] = []
  let engine: LiveEngine | undefined
  engine = new LiveEngine({model, latenessMs: 5000, ...options, clock: () => engine!.eventTime, onScored: (s) => scored.push(s), onNote: (n) => notes.push(n)})
  let byBytes = 0
  const ingestBytes = engine.ingestBytes.bind(engine)
  engine.ingestBytes = (...args) => {
    const taken = ingestBytes(...args)
    byBytes += taken?.lines ?? 0
    return taken
  }
  const events: IncidentEvent[] = []
  const controller = new AbortController()
  const running = runLive({engine, sources: [new FileSource(input, {fromStart: true, pollMs: 20, arrivalClock: () => Number.NaN})], sinks: [], tickMs: 3_600_000, signal: controller.signal, onEvent: (e) => void events.push(e)})
  const deadline = Date.now() + 15_000
  while (engine.stats().lines < lines && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  controller.abort()
  await running
  return {events, scored, notes, stats: engine.stats(), lines: engine.stats().lines, byBytes}
}

/**
 * A followed file ends by a stop (no --state): the incidents still open resolve as 'stopped'
 * where a replay's resolve at the 'end of input'; everything else must be the same.
 */
function stopAsEnd(collected: Outcome): Outcome {
  const stopped = collected.events.filter((e) => e.reason === 'stopped')
  // (only the stop's own resolutions, all at the end)
  expect(collected.events.slice(collected.events.length - stopped.length)).toEqual(stopped)
  return {...collected, events: collected.events.map((e) => (e.reason === 'stopped' ? {...e, reason: 'end of input'} : e))}
}

function expectSame(bytes: Outcome, lines: Outcome): void {
  expect(bytes.lines).toBe(lines.lines)
  expect(bytes.events).toEqual(lines.events)
  expect(bytes.scored).toEqual(lines.scored)
  expect(bytes.notes).toEqual(lines.notes)
  expect(bytes.stats).toEqual(lines.stats)
}

/** Seeded HDFS-like lines: block lifecycles interleaved, lines with two block ids; `anomalies` adds failing blocks. */
function hdfsLike(lines: number, seed: number, anomalies: boolean): string {
  const rand = seededRand(seed)
  const open: string[] = []
  let nextBlock = 1
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    // Event time runs forward, with quiet gaps that close blocks on the idle clock.
    const t = 1000 + Math.floor(i / 20) + (i > lines / 2 ? 7200 : 0)
    const stamp = hdfsStamp(t)
    if (open.length < 40 || rand(4) === 0) open.push(`blk_${rand(2) ? '-' : ''}${nextBlock++}${rand(1_000_000_000)}`)
    const b = open[rand(open.length)]
    const ip = `10.251.${rand(256)}.${rand(256)}:${50000 + rand(1000)}`
    const pick = rand(100)
    let text: string
    if (pick < 35) text = `${stamp} ${rand(100)} INFO dfs.DataNode$DataXceiver: Receiving block ${b} src: /${ip} dest: /${ip}`
    else if (pick < 60) text = `${stamp} ${rand(100)} INFO dfs.DataNode$PacketResponder: PacketResponder ${rand(3)} for block ${b} terminating`
    else if (pick < 85) text = `${stamp} ${rand(100)} INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: ${ip} is added to ${b} size ${rand(67108864)}`
    else if (pick < 95) text = `${stamp} ${rand(100)} INFO dfs.FSDataset: Deleting block ${b} file /mnt/hadoop/dfs/data/current/subdir${rand(64)}/${b}`
    else text = `${stamp} ${rand(100)} INFO dfs.FSNamesystem: BLOCK* NameSystem.delete: ${b} is added to invalidSet of ${ip} and ${open[rand(open.length)]}`
    out.push(text)
    if (anomalies && rand(150) === 0) {
      // Failures never seen in training (unseen templates, named by their text), a burst of one block's lines.
      const kind = rand(3)
      if (kind === 0) out.push(`${stamp} ${rand(100)} WARN dfs.DataNode$DataXceiver: ${ip}:Got exception while serving ${b} to /${ip}:`)
      else if (kind === 1) out.push(`${stamp} ${rand(100)} ERROR dfs.DataNode: ${ip}:DataXceiver: java.io.IOException: Block ${b} is valid, and cannot be written to ${rand(9)} times`)
      else for (let k = 0; k < 30; k++) out.push(`${stamp} ${rand(100)} INFO dfs.FSNamesystem: BLOCK* ask ${ip} to replicate ${b} to datanode(s) ${ip}`)
    }
    if (rand(50) === 0) open.splice(open.indexOf(b), 1)
  }
  return out.join('\n') + '\n'
}

/** The modules as built: worker threads run only from dist/ (the worker script is not in src/). */
const dist = (module: string): string => join(repoRoot, 'dist/core', module)
interface Built {
  LiveEngine: typeof LiveEngine
  LivePool: typeof import('../../../src/core/stream/live-pool.js').LivePool
  replayFile: typeof replayFile
  loadBundle: typeof loadBundle
  createRegionReader: typeof createRegionReader
}
async function built(): Promise<Built> {
  const load = (m: string) => import(pathToFileURL(dist(m)).href)
  return {...(await load('stream/engine.js')), ...(await load('stream/live-pool.js')), ...(await load('stream/replay.js')), ...(await load('model-bundle.js')), ...(await load('ingest/reader.js'))} as Built
}

/**
 * Where the pooled replays are, for the watchdog of the test below: this test once timed out in
 * CI twice in a row (never alone, nor since), and a timeout alone does not say where it stopped.
 */
const trace = {step: 'starting', pools: new Set<unknown>()}

/** The pool's queues as they stand (its private fields, read for the watchdog only). */
function poolState(live: unknown): string {
  try {
    return readPoolState(live)
  } catch (error) {
    return `(pool state unreadable: ${String(error)})`
  }
}

function readPoolState(live: unknown): string {
  const pool = (live as {pool: {free: number[]; waiting: Map<number, unknown>; slotWaiters: unknown[]; readyWaiters: unknown[]; threads: Array<{ready: boolean; dead: boolean; inflight: number}>}}).pool
  const threads = pool.threads.map((t) => `${t.ready ? 'ready' : 'warming'}${t.dead ? ' dead' : ''} ${t.inflight} B in flight`).join(', ')
  return `free slots ${pool.free.length}, results owed ${pool.waiting.size}, waiting for a slot ${pool.slotWaiters.length}, for a ready worker ${pool.readyWaiters.length}; threads: ${threads}`
}

/**
 * A replay as `flare replay --max` does it, with the build's modules: the regions mined on this
 * thread (threads 0) or by a LivePool of `threads` workers.
 */
async function pooledReplay(b: Built, input: string, modelDir: string, threads: number, options: Partial<EngineOptions> = {}, killWorkersAfter?: number): Promise<Outcome & {pooled: number; redone: number}> {
  const scored: ScoredSession[] = []
  const notes: string[] = []
  let engine: LiveEngine | undefined
  engine = new b.LiveEngine({model: await b.loadBundle(modelDir), latenessMs: 5000, ...options, clock: () => engine!.eventTime, onScored: (s) => scored.push(s), onNote: (n) => notes.push(n)})
  const pool = threads > 0 ? b.LivePool.open(engine, input, threads) : undefined
  if (threads > 0) expect(pool).toBeDefined()
  if (pool) trace.pools.add(pool)
  const events: IncidentEvent[] = []
  let byBytes = 0
  try {
    let takes = 0
    let sends = 0
    const result = await b.replayFile({input, pace: {kind: 'max'}, chunk: 97, readBytes: 16_384, deliver: (lines) => void events.push(...engine!.ingest(lines)), deliverBytes: async (region, next) => {
      // A crash of every worker mid-replay (their results still owed are rejected).
      trace.step = `${threads} threads${killWorkersAfter ? ` (killed after ${killWorkersAfter})` : ''}: taking region ${++takes}`
      if (pool && takes === killWorkersAfter) await Promise.all((pool as unknown as {pool: {threads: Array<{worker: {terminate(): Promise<number>}}>}}).pool.threads.map((t) => t.worker.terminate()))
      const taken = pool ? await pool.take(region, next) : engine!.ingestBytes(region.buf, region.start, region.end, next)
      if (!taken) return undefined
      events.push(...taken.events)
      byBytes += taken.lines
      return taken.lines
    }, sendBytes: pool && {ahead: pool.ahead, send: (region, next, alone) => {
      trace.step = `${threads} threads: sending region ${++sends} (${takes} taken)`
      return pool.send(region, next, alone)
    }}})
    trace.step = `${threads} threads: finishing`
    events.push(...engine.finish())
    return {events, scored, notes, stats: engine.stats(), lines: result.lines, byBytes, pooled: pool?.stats.lines ?? 0, redone: pool?.stats.redone ?? 0}
  } finally {
    trace.step = `${threads} threads: closing the pool`
    await pool?.close()
    trace.pools.delete(pool)
  }
}

/**
 * What a pool that did not keep the file order would give: regions sent to the workers a pair at
 * a time, their events taken the wrong way round (region 2 before 1, 4 before 3, ...). A pair at
 * a time, not all at once: the pool has a slot per region in flight (LivePool.ahead + 2), a slot
 * is freed when its region is taken, and sending every region before taking any waited for a slot
 * forever whenever the workers were ready before the sends began (this test's rare timeouts).
 */
async function swappedReplay(b: Built, input: string, modelDir: string, options: Partial<EngineOptions>): Promise<ScoredSession[]> {
  const scored: ScoredSession[] = []
  let engine: LiveEngine | undefined
  engine = new b.LiveEngine({model: await b.loadBundle(modelDir), latenessMs: 5000, ...options, clock: () => engine!.eventTime, onScored: (s) => scored.push(s)})
  const pool = b.LivePool.open(engine, input, 2)!
  trace.pools.add(pool)
  const reader = b.createRegionReader(input, {chunkBytes: 16_384})
  const regions: ByteRegion[] = []
  for await (const batch of reader.regions()) regions.push(...batch)
  try {
    for (let i = 0; i < regions.length; i += 2) {
      const pair = regions.slice(i, i + 2)
      for (const region of pair) await pool.send(region, true, false)
      for (const region of pair.reverse()) {
        if (await pool.take(region, true)) continue
        const texts: string[] = []
        reader.splitter.decode(region, texts)
        engine.ingest(texts.map((text) => ({text, source: input, arrivedAt: Number.NaN})))
      }
    }
    engine.finish()
    return scored
  } finally {
    await pool.close()
    trace.pools.delete(pool)
  }
}

// `npm test` builds first; without a build (a bare `vitest run`) there are no worker threads to compare.
describe.runIf(existsSync(dist('mining/worker.js')))('the live engine\'s byte path on worker threads (dist)', () => {
  it('gives the single-threaded byte path\'s events, scores and counters, and would not if region order were lost', async () => {
    // Says where the replays stand if the test is still running at 150 s (it takes ~20 s).
    const watchdog = setTimeout(() => console.error(`engine-bytes watchdog at 150 s: ${trace.step}; ${[...trace.pools].map(poolState).join(' | ') || 'no pool open'}`), 150_000)
    try {
      await poolReplays()
    } finally {
      clearTimeout(watchdog)
    }
  }, 180_000)
})

/** The pooled replays against this thread's (the test above). */
async function poolReplays(): Promise<void> {
  trace.step = 'fitting the model'
  const b = await built()
  const clean = join(dir, 'pool-clean.log')
  await writeFile(clean, hdfsLike(20_000, 11, false))
  await saveBundle(join(dir, 'pool-model'), (await detect({input: clean})).bundle)
  // Unseen templates turn up only in the second half (once the workers run): workers' results
  // go stale and regions are mined again at their turn.
  const all = hdfsLike(60_000, 13, true).split('\n')
  const unseen = /Got exception|IOException|to replicate/
  const text = [...all.slice(0, 30_000).filter((l) => !unseen.test(l)), 'not an hdfs line, "quoted", with, commas', ...all.slice(30_000)].join('\n')
  const input = join(dir, 'pool-anomalous.log')
  await writeFile(input, text)
  for (const options of [{idleMs: 10 * 60_000}, {idleMs: 10 * 60_000, maxOpen: 25}]) {
    const single = await pooledReplay(b, input, join(dir, 'pool-model'), 0, options)
    expect(single.byBytes).toBeGreaterThan(single.lines * 0.8)
    expect(single.events.filter((e) => e.kind === 'opened').length).toBeGreaterThan(0)
    for (const threads of [1, 2]) {
      const pooled = await pooledReplay(b, input, join(dir, 'pool-model'), threads, options)
      // Not vacuous: most lines were mined by the workers, some regions again at their turn.
      expect(pooled.pooled).toBeGreaterThan(pooled.lines * 0.5)
      expect(pooled.redone).toBeGreaterThan(0)
      expect(pooled.byBytes).toBe(single.byBytes)
      expectSame(pooled, single)
    }
  }
  // Workers that die mid-replay: this thread takes their regions, with the same outcome.
  const crashed = await pooledReplay(b, input, join(dir, 'pool-model'), 1, {idleMs: 10 * 60_000}, 200)
  expect(crashed.pooled).toBeGreaterThan(0)
  expect(crashed.pooled).toBeLessThan(crashed.lines * 0.5)
  expectSame(crashed, await pooledReplay(b, input, join(dir, 'pool-model'), 0, {idleMs: 10 * 60_000}))
  // Regions out of order (pairs swapped) change what is scored: the comparison above sees order.
  const single = await pooledReplay(b, input, join(dir, 'pool-model'), 0, {idleMs: 10 * 60_000})
  trace.step = 'swapped replay'
  const swapped = await swappedReplay(b, input, join(dir, 'pool-model'), {idleMs: 10 * 60_000})
  expect(swapped.length).toBeGreaterThan(0)
  expect(swapped).not.toEqual(single.scored)
}

describe('the live engine\'s byte path', () => {
  it('raises the line path\'s incidents and scores the same sessions on the HDFS sample', async () => {
    const fitted = await detect({input: SAMPLE})
    await saveBundle(join(dir, 'sample-model'), fitted.bundle)
    const model = () => loadBundle(join(dir, 'sample-model'))
    for (const idleMs of [5 * 60_000, 7 * 86_400_000]) {
      const lines = await replay(SAMPLE, await model(), false, {idleMs})
      const bytes = await replay(SAMPLE, await model(), true, {idleMs})
      expect(lines.byBytes).toBe(0)
      // Not vacuous: all but the first region went as bytes, and incidents were raised.
      expect(bytes.byBytes).toBeGreaterThan(bytes.lines * 0.9)
      expect(bytes.events.length).toBeGreaterThan(0)
      expectSame(bytes, lines)
      const collected = await collect(SAMPLE, await model(), lines.lines, {idleMs})
      expect(collected.byBytes).toBeGreaterThan(collected.lines * 0.9)
      expectSame(stopAsEnd(collected), lines)
    }
  }, 60_000)

  it('gives the line path\'s results on generated HDFS-like input with injected anomalies, odd lines and a tight --max-open', async () => {
    const clean = join(dir, 'clean.log')
    await writeFile(clean, hdfsLike(20_000, 5, false))
    const fitted = await detect({input: clean})
    await saveBundle(join(dir, 'gen-model'), fitted.bundle)
    // Blank lines, a line of another shape and a stack trace: their regions go as lines.
    const text = hdfsLike(40_000, 9, true)
      .replace(/(\n[^\n]*\n)/, '$1\n\n')
      .replace(/(\n(?:[^\n]*\n){15000})/, '$1not an hdfs line, "quoted", with, commas\n')
      .replace(/(\n(?:[^\n]*\n){25000})/, '$1java.io.IOException: broken pipe\n\tat org.apache.hadoop.dfs.DataNode.run(DataNode.java:1)\n')
    const input = join(dir, 'anomalous.log')
    await writeFile(input, text)
    for (const options of [{idleMs: 10 * 60_000}, {idleMs: 10 * 60_000, maxOpen: 25}]) {
      const lines = await replay(input, await loadBundle(join(dir, 'gen-model')), false, options)
      const bytes = await replay(input, await loadBundle(join(dir, 'gen-model')), true, options)
      expect(bytes.byBytes).toBeGreaterThan(bytes.lines * 0.8)
      expect(bytes.byBytes).toBeLessThan(bytes.lines)
      expect(bytes.stats.unseenTemplates).toBeGreaterThan(0)
      expect(bytes.events.filter((e) => e.kind === 'opened').length).toBeGreaterThan(0)
      expect(bytes.scored.filter((s) => s.anomalous).length).toBeGreaterThan(0)
      expect(bytes.stats.sessions.closed.idle).toBeGreaterThan(0)
      if (options.maxOpen) expect(bytes.stats.sessions.closed['max-open']).toBeGreaterThan(0)
      expectSame(bytes, lines)
      // Collected from the file as it is followed: the same, most of it through the byte path too.
      const collected = await collect(input, await loadBundle(join(dir, 'gen-model')), lines.lines, options)
      expect(collected.byBytes).toBeGreaterThan(collected.lines * 0.8)
      expectSame(stopAsEnd(collected), lines)
    }
  }, 120_000)

  it('finds the runs of an HDFS log from its bytes where the line reader finds them', async () => {
    // Three logs one after another (time jumps back a day, twice), a blank line and an odd line among them.
    const day1 = hdfsLike(3000, 3, false)
    const earlier = day1.replaceAll(/^081109/gm, '081108')
    const input = join(dir, 'runs.log')
    await writeFile(input, day1 + '\nnot an hdfs line\n' + earlier + day1.replaceAll(/^081109/gm, '081107'))
    const fromBytes = await findRuns({input, format: 'hdfs', latenessMs: 5000})
    const fromLines = await findRuns({input, latenessMs: 5000})
    expect(fromLines.format?.name).toBe('hdfs')
    expect(fromLines.runStarts.length).toBe(3)
    expect(fromBytes.runStarts).toEqual(fromLines.runStarts)
  })
})
