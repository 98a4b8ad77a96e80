/**
 * The worker threads of `flare detect` (worker-pool.ts) for a replay as fast as possible: the
 * regions of an HDFS log are mined into line events on other cores while the engine (on this
 * thread) puts the regions before them into sessions, scores and incidents. Regions are sent ahead
 * (send) and taken in file order (take), each at its turn exactly as ingestBytes() would take it
 * then: a worker's events are used only when the templates they used have not changed since they
 * were sent, else a worker does the region again at its turn in exact mode, or this thread does
 * it (ingestBytes), or its lines go through ingest() — so what the engine sees never depends on
 * timing, and is what it sees without workers.
 *
 * The workers' replicas of the miner start from the engine's miner as it is when the pool opens,
 * which must not have mined anything yet (a model's or a restored state's, as loaded); from then
 * on every shape the engine's miner sends through its tree, on any path, is in its miss log.
 */
import {statSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {countNewlines, type ByteRegion} from '../ingest/line-splitter.js'
import {ParsePool, poolSize, SLOT_INPUT, type RegionResult, type RemoteRegion} from '../mining/worker-pool.js'
import type {IncidentEvent} from './contracts.js'
import {MAX_LINE_BYTES, type LiveEngine} from './engine.js'
import type {LiveMiner} from './live-parse.js'

interface Sent {
  remote: RemoteRegion
  lines: number
}

/** Regions read ahead per worker (a region is a read buffer, 1 MB: ~7,000 HDFS lines). */
const AHEAD_PER_WORKER = 3

export class LivePool {
  /** Regions sent to a worker and not taken yet. */
  private readonly sent = new Map<ByteRegion, Sent>()
  /** Lines the engine took as a worker's events, and regions a worker mined again at their turn. */
  readonly stats = {lines: 0, redone: 0}

  private constructor(
    private readonly engine: LiveEngine,
    private readonly pool: ParsePool,
    private readonly miner: LiveMiner,
  ) {}

  /**
   * A pool for replaying the plain file `path` into `engine`, or undefined when there is nothing
   * to gain or it could not be exact: a small file, one core, no worker script (running from
   * sources), a log the engine does not mine as bytes, or a miner that has mined already.
   * `threads`: workers (default: as `flare detect` picks them).
   */
  static open(engine: LiveEngine, path: string, threads?: number): LivePool | undefined {
    const miner = engine.parser.byteMiner
    if (!miner || miner.missCount !== 0 || miner.missLog !== null) return undefined
    let bytes: number
    try {
      const info = statSync(path)
      if (!info.isFile()) return undefined
      bytes = info.size
    } catch {
      return undefined
    }
    // The engine keeps this thread busy on its own: one worker per other core (on two cores, one
    // worker and this thread: ~4.7 s of CPU each on HDFS ×10; a second worker only competes with them).
    const n = threads ?? Math.min(poolSize(undefined, bytes), availableParallelism() - 1)
    if (n <= 0) return undefined
    // A slot per region read ahead, one for a region mined again at its turn, and one spare.
    const pool = new ParsePool(n, MAX_LINE_BYTES, path, AHEAD_PER_WORKER * n + 2)
    pool.start(miner, {state: miner.toJSON(), config: miner.config})
    return new LivePool(engine, pool, miner)
  }

  /** Workers the pool runs. */
  get size(): number {
    return this.pool.size
  }

  /** Regions to read (and send) ahead of the one being taken. */
  get ahead(): number {
    return AHEAD_PER_WORKER * this.pool.size
  }

  /**
   * A region as the replay reads it, ahead of its turn (take). `alone`: every region before it has
   * been taken, so its turn has come and a worker mines it for real, when the engine would take
   * it as bytes now. A region that cannot go to a worker (too big, a carried line, no worker ready
   * yet) is left to take().
   */
  async send(region: ByteRegion, nextStartsRecord: boolean, alone: boolean): Promise<void> {
    const {pool, miner} = this
    const length = region.end - region.start
    if (!nextStartsRecord || region.truncated || region.carried || length > SLOT_INPUT || !pool.anyReady || miner.evictions > 0 || !this.current) return
    const lines = countNewlines(region) + 1
    // An exact job changes the worker's replica: it is sent only when its result will be taken,
    // and only when no held record is to be mined before the region (its shapes come first).
    const exact = alone && this.engine.takesBytes(nextStartsRecord) === miner && !this.engine.holdsRecord
    let remote: RemoteRegion
    try {
      remote = await pool.run(region, 0, lines, exact, true)
    } catch {
      // Every worker failed: the region is taken here at its turn (take).
      return
    }
    // A worker that dies rejects every result it owes: handled at take(), not before.
    remote.result.catch(() => undefined)
    this.sent.set(region, {remote, lines})
  }

  /** A sent region's result, or undefined (its slot released) when its worker failed. */
  private async settled(remote: RemoteRegion): Promise<RegionResult | undefined> {
    try {
      return await remote.result
    } catch {
      this.pool.release(remote.slot)
      return undefined
    }
  }

  /**
   * The region's turn (regions are taken in file order, each after its send): its incident
   * events and lines when the engine took it as bytes, else undefined (its lines go to ingest()).
   */
  async take(region: ByteRegion, nextStartsRecord: boolean): Promise<{events: IncidentEvent[]; lines: number} | undefined> {
    const {pool, miner, engine} = this
    const sent = this.sent.get(region)
    if (sent === undefined) return engine.ingestBytes(region.buf, region.start, region.end, nextStartsRecord)
    this.sent.delete(region)
    const here = () => engine.ingestBytes(region.buf, region.start, region.end, nextStartsRecord)
    let remote = sent.remote
    let r = await this.settled(remote)
    if (r === undefined) return here()
    if (!this.current || engine.takesBytes(nextStartsRecord) !== miner || r.status === 'slow') {
      pool.release(remote.slot)
      return here()
    }
    // The worker found the region's bytes fit for the byte path (ingestBytes would take it): the
    // record the line path holds ends here and is mined first, as ingestBytes() does, before the
    // worker's templates are judged current (its new shapes may change them).
    engine.flushHeld()
    if ((r.status === 'miss' || (r.status === 'ok' && !pool.current(r, remote.version, remote.clears))) && miner.evictions === 0) {
      // A new shape, or templates it used changed since it was sent: now that it is the region's
      // turn, a worker mines it again for real (as `flare detect` does).
      pool.release(remote.slot)
      this.stats.redone++
      try {
        remote = await pool.run(region, 0, sent.lines, true, true)
      } catch {
        return here()
      }
      r = await this.settled(remote)
      if (r === undefined) return here()
    }
    if (r.status !== 'ok' || !(remote.exact || pool.current(r, remote.version, remote.clears))) {
      pool.release(remote.slot)
      return engine.ingestBytes(region.buf, region.start, region.end, nextStartsRecord)
    }
    if (r.misses) pool.adopt(remote, r.misses)
    this.stats.lines += r.stats!.lines
    return {events: this.ingest(remote, r), lines: r.stats!.lines}
  }

  /** A worker's events into the engine, read out of its slot (released after); its clusters counted. */
  private ingest(remote: RemoteRegion, r: RegionResult): IncidentEvent[] {
    const {pool, miner} = this
    const counts = r.counts!
    // Counted before the region's sessions are scored, as mining it here would have.
    for (const [id, index, n] of counts) miner.addCount(id, index, n)
    try {
      return this.engine.ingestMined({bytes: pool.regionBytes(remote, remote.length), words: pool.events(remote, r.eventWords!), count: r.eventWords!, blocks: r.eventBlocks!, counts, lines: r.stats!.lines})
    } finally {
      pool.release(remote.slot)
    }
  }

  /** The engine still mines with the miner the replicas follow (a stretch that trains keeps it; this is only a safeguard). */
  private get current(): boolean {
    return this.engine.parser.byteMiner === this.miner
  }

  async close(): Promise<void> {
    this.sent.clear()
    await this.pool.close()
  }
}
