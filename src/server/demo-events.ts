import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'
import {detect} from '../core/pipeline.js'
import type {Incident, Results} from '../core/results.js'
import {withTempDir} from './analysis.js'

/** What the live tab receives. */
export type DemoEvent =
  | {type: 'progress'; lines: number; total: number}
  | {type: 'incident'; incident: Incident; chunk: number}
  | {type: 'done'; lines: number; incidents: number}

export type DemoSource = (signal: AbortSignal) => AsyncIterable<DemoEvent>

export interface DemoOptions {
  /** Runs batch detection on a file; default in-process (the server passes its worker pool). */
  detectFile?: (path: string) => Promise<Results>
  sample?: string
  chunkLines?: number
  /** Pause between events, so the replay looks live. */
  paceMs?: number
}

const SAMPLE = fileURLToPath(new URL('../../data/hdfs_sample.log', import.meta.url))

/**
 * The live tab's event source. For now: the bundled HDFS sample replayed through batch detection
 * a chunk at a time, incidents paced in time. This one function is where the live engine plugs in.
 */
export async function* demoEvents(signal: AbortSignal, options: DemoOptions = {}): AsyncIterable<DemoEvent> {
  const lines = (await readFile(options.sample ?? SAMPLE, 'utf8')).split('\n').filter((line) => line.length > 0)
  const chunkLines = options.chunkLines ?? 1700
  const pace = options.paceMs ?? 700
  const run = options.detectFile ?? (async (path: string) => (await detect({input: path, signal})).results)
  let incidents = 0
  for (let start = 0, chunk = 1; start < lines.length && !signal.aborted; start += chunkLines, chunk++) {
    const slice = lines.slice(start, start + chunkLines)
    const results = await withTempDir(async (dir) => {
      const path = join(dir, `chunk-${chunk}.log`)
      await writeFile(path, slice.join('\n') + '\n')
      try {
        return await run(path)
      } catch {
        return undefined // a chunk without sessions has nothing to show
      }
    })
    yield {type: 'progress', lines: Math.min(lines.length, start + chunkLines), total: lines.length}
    for (const incident of results?.incidents ?? []) {
      if (signal.aborted) return
      await sleep(pace, undefined, {signal}).catch(() => undefined)
      if (signal.aborted) return
      incidents++
      yield {type: 'incident', incident: {...incident, id: `LIVE-${String(incidents).padStart(3, '0')}`}, chunk}
    }
  }
  if (!signal.aborted) yield {type: 'done', lines: lines.length, incidents}
}
