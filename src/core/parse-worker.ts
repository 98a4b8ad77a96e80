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

const setup = workerData as WorkerSetup & {input: SharedArrayBuffer; output: SharedArrayBuffer; inSize: number; outSize: number}
const miner = setup.state ? TemplateMiner.fromJSON(setup.state as TemplateState) : new TemplateMiner(setup.config as TemplateMinerConfig)
const fast = new HdfsFastPath(setup.maxLineBytes)

parentPort!.on('message', (job: RegionJob) => {
  for (const m of job.misses) miner.replay(m.tokens, m.hash)
  const buf = Buffer.from(setup.input, job.slot * setup.inSize, job.length)
  const reply = (result: RegionResult): void => parentPort!.postMessage(result)
  if (!isUtf8(buf) || !fast.validate(buf, 0, buf.length)) return reply({id: job.id, status: 'slow'})
  // Rows go straight into the slot's output area: nothing is allocated or copied per region.
  const out = new ByteOut(setup.outSize, false, Buffer.from(setup.output, job.slot * setup.outSize, setup.outSize))
  const stats: FastStats = {lines: 0, records: 0, blank: 0}
  const counts: Cluster[] = []
  const complete = fast.write(buf, job.firstLineId, miner, out, stats, counts)
  const list: NonNullable<RegionResult['counts']> = []
  for (const cluster of counts) {
    list.push([cluster.templateId, miner.clusterIndex(cluster), cluster.tally])
    cluster.tally = 0
  }
  if (!complete || out.spilled) return reply({id: job.id, status: 'miss'})
  reply({id: job.id, status: 'ok', csvLength: out.off, counts: list, stats})
})
