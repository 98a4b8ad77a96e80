import type {DetectOutput} from '../core/pipeline.js'
import {DEFAULT_DETECT_EXPERIMENT} from '../tracking/config.js'
import {logDetectRun, type TrackedRun} from '../tracking/detect-run.js'
import type {DetectTrackingFlags} from '../tracking/env-client.js'
import type {MlflowClient} from '../tracking/mlflow-client.js'
import {Tracker} from '../tracking/tracker.js'
import {TRACKING_OFF_LINE} from './mlflow-flags.js'
import {Progress} from './progress.js'
import {killRunsOnInterrupt} from './run-interrupt.js'
import {err, out} from './style.js'

/** Where `flare detect` reports its tracking: `log` is stdout, `warn` is stderr. */
export interface TrackingIO {
  log: (line: string) => void
  warn: (line: string) => void
  json: boolean
}

/**
 * Logs a finished detection to MLflow (with a spinner), or says in one dim line that tracking is
 * off. Never throws for a server that is down or failing: the detection's results are already
 * written, so what could not be logged is reported once, as a warning, and the exit code stays 0
 * (the detection itself succeeded; scripts that need the run can check for the warning or use
 * `flare model` commands, which fail with exit code 4).
 */
export async function trackDetection(
  client: MlflowClient | undefined,
  flags: DetectTrackingFlags & {input: string},
  output: DetectOutput,
  io: TrackingIO,
): Promise<TrackedRun | undefined> {
  if (!flags.track) return undefined
  if (!client) {
    io.warn(err.dim(TRACKING_OFF_LINE))
    return undefined
  }
  const tracker = new Tracker(client)
  const progress = new Progress(`Logging to MLflow at ${client.trackingUri}`).start()
  let tracked: TrackedRun | undefined
  let runId: string | undefined
  // Interrupted while logging: the run is ended as KILLED, and no later step may end it otherwise.
  const interrupt = killRunsOnInterrupt({
    what: 'logging the detection',
    trackingUri: client.trackingUri,
    stop: () => {
      progress.stop()
      tracker.stop('the run was interrupted')
    },
    killRuns: async () => {
      if (!runId) return 0
      await client.endRun(runId, 'KILLED')
      return 1
    },
  })
  try {
    tracked = await logDetectRun(tracker, {
      experimentName: flags.experiment ?? client.config.experimentName ?? DEFAULT_DETECT_EXPERIMENT,
      input: flags.input,
      output,
      modelSource: flags.model,
      register: flags.register,
      onRun: (id) => void (runId = id),
    })
  } finally {
    await interrupt.release()
    if (tracker.complete) progress.succeed()
    else progress.stop()
    await client.close()
  }
  if (tracked && !io.json && tracked.status !== 'FAILED') {
    io.log(`${out.green('✔')} logged to MLflow: ${out.bold(tracked.url)}`)
    if (tracked.registered) io.log(`${out.green('✔')} registered ${out.bold(`${tracked.registered.name} version ${tracked.registered.version}`)} ${out.dim(`— score with it: flare detect --model models:/${tracked.registered.name}/${tracked.registered.version}`)}`)
  }
  const report = tracker.report()
  // A partly logged run is ended as FAILED: the one warning says so, with where to find it.
  if (report) io.warn(`${err.yellow('warning:')} ${tracked?.status === 'FAILED' ? `run ${tracked.url} logged in part and marked FAILED. ` : ''}${report}`)
  return tracked
}
