import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Worker} from 'node:worker_threads'
import {afterAll, describe, expect, it} from 'vitest'
import type {ParsePool as Pool} from '../../../src/core/mining/worker-pool.js'
import type {ByteRegion} from '../../../src/core/ingest/line-splitter.js'
import {configForFormat} from '../../../src/core/templates/index.js'
import {FastMiner} from '../../../src/core/mining/fast-miner.js'
import {repoRoot} from '../../helpers/cli.js'

/**
 * The worker pool of `flare parse` as built (the worker script exists only in dist/, which
 * `npm test` builds first). Regions that say where they lie in the input file are read there by
 * the worker; it must refuse bytes that are not what the main thread read.
 */
const built = path.join(repoRoot, 'dist/core/mining/worker-pool.js')
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-parse-pool-'))
const pools: Pool[] = []
afterAll(async () => {
  for (const p of pools) await p.close()
})

const line = (i: number): string => `081109 2035${String(i % 60).padStart(2, '0')} 14${i % 10} INFO dfs.DataNode$PacketResponder: PacketResponder ${i % 3} for block blk_${1000 + i} terminating`

/** A started two-thread pool (no input file: regions are copied in) and `n` HDFS lines. */
async function twoThreads(n: number): Promise<{pool: Pool; text: string; buf: Buffer; end: number}> {
  const {ParsePool} = (await import(pathToFileURL(built).href)) as {ParsePool: typeof Pool}
  const text = Array.from({length: n}, (_, i) => line(i)).join('\n') + '\n'
  const buf = Buffer.from(text)
  const pool = new ParsePool(2, 1 << 20, undefined, 8)
  pools.push(pool)
  const miner = new FastMiner(configForFormat('hdfs'))
  pool.start(miner, {state: null, config: miner.config})
  return {pool, text, buf, end: buf.lastIndexOf(10)}
}

// `npm test` builds first; a bare `vitest run` without a build skips this file's suite.
describe.runIf(existsSync(built))('parse worker pool (dist)', () => {
  it('reads a region from the file by offset, and refuses bytes that differ from what the main thread read', async () => {
    const {ParsePool} = (await import(pathToFileURL(built).href)) as {ParsePool: typeof Pool}
    const text = Array.from({length: 500}, (_, i) => line(i)).join('\n') + '\n'
    const file = path.join(tmp, 'hdfs.log')
    writeFileSync(file, text)
    const buf = Buffer.from(text)
    const pool = new ParsePool(1, 1 << 20, file)
    pools.push(pool)
    const miner = new FastMiner(configForFormat('hdfs'))
    pool.start(miner, {state: null, config: miner.config})
    const end = buf.lastIndexOf(10)
    const region = (start: number, offset: number | undefined): ByteRegion => ({buf, start, end, carried: false, truncated: false, offset})
    const lines = text.slice(0, end).split('\n').length

    // Read by offset: the worker mines the region (exact) and writes every row.
    const ok = await pool.run(region(0, 0), 1, lines, true)
    const r = await ok.result
    expect(r.status).toBe('ok')
    expect(r.stats!.lines).toBe(lines)
    const rows = pool.rows(ok, r.csvLength!).toString('utf8').trimEnd().split('\n')
    expect(rows).toHaveLength(lines)
    expect(rows[0]).toMatch(/^1,T1,PacketResponder <\*> for block <\*> terminating,081109 203500,INFO,dfs\.DataNode\$PacketResponder,/)
    pool.release(ok.slot)

    // The same region said to lie one byte later in the file: other bytes, so the worker refuses it.
    const shifted = await pool.run(region(0, 1), 1, lines)
    expect((await shifted.result).status).toBe('slow')
    pool.release(shifted.slot)

    // A line count that does not match what the worker finds is refused too.
    const miscounted = await pool.run(region(0, 0), 1, lines + 1)
    expect((await miscounted.result).status).toBe('slow')
    pool.release(miscounted.slot)

    // Without an offset the region is copied in by the main thread, as for stdin or gzip input.
    const copied = await pool.run(region(0, undefined), 1, lines)
    const c = await copied.result
    expect(c.status).toBe('ok')
    expect(pool.rows(copied, c.csvLength!).toString('utf8')).toBe(rows.join('\n') + '\n')
    pool.release(copied.slot)
  })

  it('spreads the bytes, not the jobs: big regions alternating with one-line ones go to both threads', async () => {
    const {pool, text, buf, end} = await twoThreads(400)
    const big: ByteRegion = {buf, start: 0, end, carried: false, truncated: false}
    const small: ByteRegion = {buf, start: 0, end: buf.indexOf(10), carried: true, truncated: false}
    const lines = text.slice(0, end).split('\n').length
    // (Until both have warmed up, the one that has gets more: see the next test.)
    await pool.allReady()
    // As a file's regions come: a big one, then the line carried across the next read, and so on.
    const remotes = []
    for (let i = 0; i < 3; i++) {
      remotes.push({big: true, remote: await pool.run(big, 1, lines)})
      remotes.push({big: false, remote: await pool.run(small, 1, 1)})
    }
    const threadsOfBig = new Set(remotes.filter((r) => r.big).map((r) => r.remote.thread))
    expect(threadsOfBig.size).toBe(2)
    for (const {remote} of remotes) {
      await remote.result
      pool.release(remote.slot)
    }
  })

  it('sends the first job to a worker that has warmed up, not to the first one in the list', async () => {
    const {pool, buf, end} = await twoThreads(50)
    const threads = (pool as unknown as {threads: Array<{ready: boolean}>}).threads
    const first = await pool.run({buf, start: 0, end, carried: false, truncated: false}, 1, 50, true)
    // run() waited for a ready worker, and that is the one it chose.
    expect(threads[first.thread].ready).toBe(true)
    expect((await first.result).status).toBe('ok')
    pool.release(first.slot)
  })
})

describe.runIf(existsSync(built))('parse workers started ahead (dist)', () => {
  type Module = {ParsePool: typeof Pool; prestartWorkers: (count: number, maxLineBytes: number) => Worker[]; warmStandby: () => void}
  const load = async (): Promise<Module> => (await import(pathToFileURL(built).href)) as Module
  const threadsOf = (pool: Pool): Array<{worker: Worker; ready: boolean}> => (pool as unknown as {threads: Array<{worker: Worker; ready: boolean}>}).threads

  it('a pool takes the workers started ahead for its line limit, stops the ones it has no use for, and runs jobs on them', async () => {
    const {ParsePool, prestartWorkers} = await load()
    const ahead = prestartWorkers(2, 1 << 20)
    expect(ahead).toHaveLength(2)
    const exits = ahead.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)))
    const pool = new ParsePool(1, 1 << 20, undefined, 4)
    pools.push(pool)
    expect(threadsOf(pool)[0].worker).toBe(ahead[0])
    // One pool thread: the second worker started ahead is stopped.
    expect(typeof (await exits[1])).toBe('number')
    const miner = new FastMiner(configForFormat('hdfs'))
    pool.start(miner, {state: null, config: miner.config})
    const text = Array.from({length: 50}, (_, i) => line(i)).join('\n') + '\n'
    const buf = Buffer.from(text)
    const done = await pool.run({buf, start: 0, end: buf.lastIndexOf(10), carried: false, truncated: false}, 1, 50, true)
    const r = await done.result
    expect(r.status).toBe('ok')
    expect(pool.rows(done, r.csvLength!).toString('utf8').trimEnd().split('\n')).toHaveLength(50)
    pool.release(done.slot)
  })

  it('a worker started ahead waits for warmStandby() (or its pool) before it warms up, and a pool takes it as ready', async () => {
    const {ParsePool, prestartWorkers, warmStandby} = await load()
    const [worker] = prestartWorkers(1, 1 << 20)
    let ready = false
    const warmed = new Promise<void>((resolve) =>
      worker.on('message', (m: {ready?: boolean}) => {
        if (m.ready) {
          ready = true
          resolve()
        }
      }),
    )
    // Long enough to load its code and, if it did not wait, to warm up (a few hundred ms).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(ready).toBe(false)
    warmStandby()
    await warmed
    const pool = new ParsePool(1, 1 << 20, undefined, 4)
    pools.push(pool)
    expect(threadsOf(pool)[0].worker).toBe(worker)
    expect(threadsOf(pool)[0].ready).toBe(true)
  })

  it('workers started for another line limit are not taken; a pool after that one starts its own', async () => {
    const {ParsePool, prestartWorkers} = await load()
    const ahead = prestartWorkers(1, 4096)
    const exit = new Promise<number>((resolve) => ahead[0].once('exit', resolve))
    const pool = new ParsePool(1, 1 << 20, undefined, 4)
    pools.push(pool)
    expect(threadsOf(pool)[0].worker).not.toBe(ahead[0])
    expect(typeof (await exit)).toBe('number')
    const again = new ParsePool(1, 1 << 20, undefined, 4)
    pools.push(again)
    expect(threadsOf(again)[0].worker).not.toBe(threadsOf(pool)[0].worker)
  })

  it('workers started ahead never keep the process alive when no pool takes them', async () => {
    // (A listener added to a worker refs it again: the script adds none.)
    const script = path.join(tmp, 'ahead.mjs')
    writeFileSync(
      script,
      `const m = await import(${JSON.stringify(pathToFileURL(built).href)})
console.log('started', m.prestartWorkers(2, 1 << 20).length)
setTimeout(() => console.log('done'), 1500)
`,
    )
    const r = spawnSync(process.execPath, [script], {encoding: 'utf8', timeout: 15_000})
    expect(r.stdout.trim().split('\n')).toEqual(['started 2', 'done'])
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
  })
})
