import {parentPort} from 'node:worker_threads'
import {loadBundle, type ModelBundle} from '../core/model-bundle.js'
import {detect} from '../core/pipeline.js'
import type {SessionKeyMode} from '../core/sessions/store.js'
import type {DetectJob, DetectOutcome} from './detect-job.js'
import {toWire} from './errors.js'

/** Worker thread: runs the batch pipeline for one job at a time. */
async function run(job: DetectJob): Promise<DetectOutcome> {
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
  if (!job.track) return {results}
  const {detectParams, detectMetrics} = await import('../tracking/detect-run.js')
  return {results, values: {params: detectParams(output, job.modelPath ? 'serve --model' : undefined), metrics: detectMetrics(output)}}
}

parentPort!.on('message', (message: {id: number; job: DetectJob}) => {
  run(message.job).then(
    (outcome) => parentPort!.postMessage({id: message.id, outcome}),
    (error: unknown) => parentPort!.postMessage({id: message.id, error: toWire(error)}),
  )
})
