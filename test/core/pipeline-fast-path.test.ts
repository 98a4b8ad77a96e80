import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'
import * as sourcePipeline from '../../src/core/pipeline.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {hdfsStamp, seededRand} from '../helpers/hdfs-like.js'

/**
 * `flare detect` mines HDFS logs through the byte fast path (and, on big inputs, the worker
 * threads), which hand the sessions line events instead of records. Everything it reports must be
 * what the record assembler and the string miner give (options.fast = false).
 */
type Pipeline = typeof sourcePipeline
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-detect-fast-'))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')

/** The parts of a detection that must not depend on the path a line took. */
async function outcome(pipeline: Pipeline, options: Parameters<Pipeline['detect']>[0]) {
  const out = await pipeline.detect(options)
  const results = JSON.parse(JSON.stringify(out.results)) as {summary: Record<string, unknown>}
  delete results.summary.elapsed_ms
  return {
    results,
    templates: out.mined.templates,
    sessions: Array.from(out.sessions, (s) => ({
      id: s.id,
      order: s.order,
      counts: [s.events, s.errors, s.warnings, s.firstLine, s.lastLine, s.firstTime, s.lastTime, s.gapSum, s.gapMax, s.gaps],
      window: [s.stream, s.windowStart],
      templates: [...s.templates],
      transitions: [...s.transitions],
    })),
    scores: Array.from(out.scores),
    threads: out.mined.threads,
  }
}

async function both(pipeline: Pipeline, options: Parameters<Pipeline['detect']>[0]) {
  const fast = await outcome(pipeline, {...options, fast: true})
  const slow = await outcome(pipeline, {...options, fast: false})
  return {fast, slow}
}

/** Seeded HDFS-like lines: block lifecycles interleaved, a few failures, lines with two or no block ids. */
function hdfsLike(lines: number, seed: number): string {
  const rand = seededRand(seed)
  const open: string[] = []
  let nextBlock = 1
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    const t = 1000 + Math.floor(i / 50)
    const stamp = hdfsStamp(t)
    if (open.length < 40 || rand(4) === 0) open.push(`blk_${rand(2) ? '-' : ''}${nextBlock++}${rand(1_000_000_000)}`)
    const b = open[rand(open.length)]
    const ip = `10.251.${rand(256)}.${rand(256)}:${50000 + rand(1000)}`
    const pick = rand(100)
    let text: string
    if (pick < 30) text = `${stamp} ${rand(100)} INFO dfs.DataNode$DataXceiver: Receiving block ${b} src: /${ip} dest: /${ip}`
    else if (pick < 55) text = `${stamp} ${rand(100)} INFO dfs.DataNode$PacketResponder: PacketResponder ${rand(3)} for block ${b} terminating`
    else if (pick < 75) text = `${stamp} ${rand(100)} INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: ${ip} is added to ${b} size ${rand(67108864)}`
    else if (pick < 85) text = `${stamp} ${rand(100)} INFO dfs.FSNamesystem: BLOCK* ask ${ip} to replicate ${b} to datanode(s) ${ip}`
    else if (pick < 90) text = `${stamp} ${rand(100)} WARN dfs.DataNode$DataXceiver: ${ip}:Got exception while serving ${b} to /${ip}:`
    else if (pick < 93) text = `${stamp} ${rand(100)} INFO dfs.DataNode$BlockReceiver: Exception in receiveBlock for block ${b} java.io.IOException: Connection reset by peer`
    else if (pick < 96) text = `${stamp} ${rand(100)} INFO dfs.FSDataset: Deleting block ${b} file /mnt/hadoop/dfs/data/current/subdir${rand(64)}/${b}`
    else if (pick < 98) text = `${stamp} ${rand(100)} INFO dfs.FSNamesystem: BLOCK* NameSystem.delete: ${b} is added to invalidSet of ${ip} and ${open[rand(open.length)]}`
    else text = `${stamp} ${rand(100)} INFO dfs.DataNode: Starting thread to transfer block ${b} to ${ip}`
    out.push(text)
    if (rand(50) === 0) open.splice(open.indexOf(b), 1)
  }
  return out.join('\n') + '\n'
}

describe('detect through the HDFS fast path', () => {
  it('gives the string path\'s sessions, scores, incidents and sample lines on the HDFS sample', async () => {
    const {fast, slow} = await both(sourcePipeline, {input: sample})
    expect(fast.results).toEqual(slow.results)
    expect(fast.templates).toEqual(slow.templates)
    expect(fast.sessions).toEqual(slow.sessions)
    expect(fast.scores).toEqual(slow.scores)
    // Not vacuous: the sample has sessions, anomalies and incidents with sample lines.
    expect(fast.sessions.length).toBeGreaterThan(100)
    expect(JSON.stringify(fast.results)).toContain('"sample_lines":[{')
  })

  it('gives the string path\'s windows when sessions are time windows (line events become records there)', async () => {
    const {fast, slow} = await both(sourcePipeline, {input: sample, sessionKey: 'window', windowMs: 60_000, by: ['component']})
    expect(fast.results).toEqual(slow.results)
    expect(fast.sessions).toEqual(slow.sessions)
    expect(fast.sessions.length).toBeGreaterThan(1)
  })

  it('gives the string path\'s results on generated HDFS-like lines with blank and odd lines between them', async () => {
    const text = hdfsLike(30_000, 7).replace(/\n(?=[^\n]*blk_1)/g, '\n\n').replace(/(\n[^\n]*\n)/, '$1not an hdfs line, "quoted", with, commas\n')
    const input = path.join(tmp, 'generated.log')
    writeFileSync(input, text)
    const {fast, slow} = await both(sourcePipeline, {input})
    expect(fast.results).toEqual(slow.results)
    expect(fast.templates).toEqual(slow.templates)
    expect(fast.sessions).toEqual(slow.sessions)
    expect(fast.scores).toEqual(slow.scores)
  })

  // The worker threads exist only as built (dist/); `npm test` builds first.
  const built = path.join(repoRoot, 'dist/core/pipeline.js')
  it.runIf(existsSync(built))('gives the string path\'s results when the worker threads mine the regions (built pipeline, 10 MB input)', async () => {
    const pipeline = (await import(pathToFileURL(built).href)) as Pipeline
    const input = path.join(tmp, 'generated-big.log')
    writeFileSync(input, hdfsLike(90_000, 11))
    const {fast, slow} = await both(pipeline, {input})
    expect(fast.threads).toBeGreaterThan(0)
    expect(slow.threads).toBe(0)
    expect(fast.results).toEqual(slow.results)
    expect(fast.templates).toEqual(slow.templates)
    expect(fast.sessions).toEqual(slow.sessions)
    expect(fast.scores).toEqual(slow.scores)
  }, 120_000)

  it.runIf(existsSync(built))('stops at the session limit with its own message while workers are busy, not a worker\'s exit (built CLI)', async () => {
    const input = path.join(tmp, 'generated-limit.log')
    writeFileSync(input, hdfsLike(90_000, 13))
    const r = await runCli(['detect', '-i', input, '--max-sessions', '15000', '--json', '--no-track'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('more than 15,000 sessions')
    expect(r.stderr).not.toContain('worker')
  }, 120_000)
})
