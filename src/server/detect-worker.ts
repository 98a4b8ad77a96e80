import {parentPort} from 'node:worker_threads'
import {loadBundle, type ModelBundle} from '../core/model-bundle.js'
import {detect} from '../core/pipeline.js'
import type {Results} from '../core/results.js'
import type {SessionKeyMode} from '../core/sessions/store.js'
import type {DetectJob} from './detect-job.js'
import {toWire} from './errors.js'

/** Worker thread: runs the batch pipeline for one job at a time. */
async function run(job: DetectJob): Promise<Results> {
  // Loaded per job, not cached: scoring a log teaches the bundle's template miner new templates.
  const model: ModelBundle | undefined = job.modelPath ? await loadBundle(job.modelPath) : undefined
  const output = await detect({
    input: job.input,
    format: job.format,
    sessionKey: job.sessionKey as SessionKeyMode | undefined,
    detector: job.detector,
    contamination: job.contamination,
    model,
  })
  const results = output.results
  results.summary.input = job.inputName
  return results
}

parentPort!.on('message', (message: {id: number; job: DetectJob}) => {
  run(message.job).then(
    (results) => parentPort!.postMessage({id: message.id, results}),
    (error: unknown) => parentPort!.postMessage({id: message.id, error: toWire(error)}),
  )
})
