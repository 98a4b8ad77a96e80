/**
 * Worker thread of `flare parse` (see parse-pool.ts): turns HDFS regions into CSV bytes with a
 * read-only replica of the main thread's miner. The replica learns new shapes only from the
 * main miner's miss log, so every row it writes is the row the main thread would have written;
 * a line of a shape it has not seen sends the region back to the main thread.
 */
import {isUtf8} from 'node:buffer'
import {parentPort, workerData} from 'node:worker_threads'
import {ByteOut, HdfsFastPath, type FastStats} from './parse-bytes.js'
import {TemplateMiner, type Cluster, type TemplateMinerConfig, type TemplateState} from './templates/index.js'
import type {RegionJob, RegionResult, WorkerSetup} from './parse-pool.js'

const setup = workerData as WorkerSetup
const miner = setup.state ? TemplateMiner.fromJSON(setup.state as TemplateState) : new TemplateMiner(setup.config as TemplateMinerConfig)
const fast = new HdfsFastPath(setup.maxLineBytes)

parentPort!.on('message', (job: RegionJob) => {
  for (const m of job.misses) miner.replay(m.tokens, m.hash)
  const {buffer, offset, length} = job.bytes
  const buf = Buffer.from(buffer, offset, length)
  const back = (status: RegionResult['status']): void => parentPort!.postMessage({id: job.id, status, bytes: job.bytes} satisfies RegionResult, [buffer])
  if (!isUtf8(buf) || !fast.validate(buf, 0, buf.length)) return back('slow')
  // Rows go into one buffer that is transferred as it is: no copy on either side.
  const out = new ByteOut(Math.max(1 << 16, buf.length * 3), true)
  const stats: FastStats = {lines: 0, records: 0, blank: 0}
  const counts = new Map<Cluster, number>()
  if (!fast.write(buf, job.firstLineId, miner, out, stats, counts) || out.spilled) return back('miss')
  const list: NonNullable<RegionResult['counts']> = []
  for (const [cluster, n] of counts) list.push([cluster.templateId, miner.clusterIndex(cluster), n])
  const csv = out.buf.buffer as ArrayBuffer
  parentPort!.postMessage({id: job.id, status: 'ok', bytes: job.bytes, csv, csvLength: out.off, counts: list, stats} satisfies RegionResult, [buffer, csv])
})
