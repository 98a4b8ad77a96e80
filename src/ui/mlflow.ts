import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../core/errors.js'
import type {DetectOutput} from '../core/pipeline.js'
import {logDetectRun, type TrackedRun} from '../tracking/detect-run.js'
import {MlflowClient} from '../tracking/mlflow-client.js'
import {fetchRegisteredBundle, isModelsUri} from '../tracking/registered-model.js'
import {Tracker} from '../tracking/tracker.js'
import {Progress} from './progress.js'
import {err, out} from './style.js'

/** What the commands that talk to MLflow share: flags, client set-up, and the end-of-run tracking report. */

export {DEFAULT_DETECT_EXPERIMENT, detectTrackingFlags} from './mlflow-flags.js'
import {DEFAULT_DETECT_EXPERIMENT, TRACKING_OFF_LINE} from './mlflow-flags.js'

/** A client for $MLFLOW_TRACKING_URI, or undefined when it is not set. */
export function optionalMlflowClient(env: Record<string, string | undefined> = process.env): MlflowClient | undefined {
  return env.MLFLOW_TRACKING_URI ? MlflowClient.fromEnv(env) : undefined
}

/** A client for $MLFLOW_TRACKING_URI; a usage error saying how to set it when it is not. */
export function requireMlflowClient(what: string, env: Record<string, string | undefined> = process.env): MlflowClient {
  const client = optionalMlflowClient(env)
  if (!client) {
    throw new FlareError(`${what} needs an MLflow server, and MLFLOW_TRACKING_URI is not set.`, {
      exitCode: ExitCode.usage,
      hint: 'Start one (mlflow server --host 127.0.0.1 --port 5000) and export MLFLOW_TRACKING_URI=http://127.0.0.1:5000',
    })
  }
  return client
}

/**
 * Fails fast, before any work, when the server is unreachable: a model command has nothing to do
 * without it. The client's error already names the URI and how to start MLflow (exit code 4).
 */
export async function checkServer(client: MlflowClient): Promise<void> {
  await client.health()
}

/** `--model` given as models:/NAME@ALIAS or models:/NAME/VERSION: downloads it (cached) and returns the local folder. */
export async function resolveModelOption(model: string, log: (line: string) => void): Promise<string> {
  if (!isModelsUri(model)) return model
  const client = requireMlflowClient(`--model ${model}`)
  try {
    const fetched = await fetchRegisteredBundle(client, model)
    log(err.dim(`model ${model} → version ${fetched.version}${fetched.cached ? ' (cached)' : ''} in ${fetched.dir}`))
    return fetched.dir
  } finally {
    await client.close()
  }
}

export interface DetectTrackingFlags {
  track: boolean
  experiment?: string
  register?: string
  model?: string
}

/**
 * Checks the tracking flags before detection starts, so a bad combination costs nothing.
 * Returns the client to log with, or undefined when tracking is off.
 */
export function detectTrackingClient(flags: DetectTrackingFlags): MlflowClient | undefined {
  if (!flags.track) {
    if (flags.register) throw new FlareError('--register needs tracking, but --no-track turned it off', {exitCode: ExitCode.usage})
    return undefined
  }
  const client = optionalMlflowClient()
  if (!client && flags.register) {
    throw new FlareError(`--register ${flags.register} needs an MLflow server, and MLFLOW_TRACKING_URI is not set.`, {
      exitCode: ExitCode.usage,
      hint: 'Start one (mlflow server --host 127.0.0.1 --port 5000) and export MLFLOW_TRACKING_URI=http://127.0.0.1:5000',
    })
  }
  return client
}

/**
 * Logs a finished detection to MLflow, or says in one dim stderr line that tracking is off.
 * Never throws for a server that is down or failing: the detection's results are already written,
 * so what could not be logged is reported once, as a warning, and the exit code stays 0 (the
 * detection itself succeeded; scripts that need the run can check for the warning or use
 * `flare model` commands, which fail with exit code 4).
 */
export async function trackDetection(
  client: MlflowClient | undefined,
  flags: DetectTrackingFlags & {input: string},
  output: DetectOutput,
  ui: {log: (line: string) => void; json: boolean},
): Promise<TrackedRun | undefined> {
  if (!flags.track) return undefined
  if (!client) {
    process.stderr.write(`${err.dim(TRACKING_OFF_LINE)}\n`)
    return undefined
  }
  const tracker = new Tracker(client)
  const progress = new Progress(`Logging to MLflow at ${client.trackingUri}`).start()
  let tracked: TrackedRun | undefined
  try {
    tracked = await logDetectRun(tracker, {
      experimentName: flags.experiment ?? client.config.experimentName ?? DEFAULT_DETECT_EXPERIMENT,
      input: flags.input,
      output,
      modelSource: flags.model,
      register: flags.register,
    })
  } finally {
    if (tracker.complete) progress.succeed()
    else progress.stop()
    await client.close()
  }
  if (tracked && !ui.json) {
    ui.log(`${out.green('✔')} logged to MLflow: ${out.bold(tracked.url)}`)
    if (tracked.registered) ui.log(`${out.green('✔')} registered ${out.bold(`${tracked.registered.name} version ${tracked.registered.version}`)} ${out.dim(`— score with it: flare detect --model models:/${tracked.registered.name}/${tracked.registered.version}`)}`)
  }
  const report = tracker.report()
  if (report) process.stderr.write(`${err.yellow('warning:')} ${report}\n`)
  return tracked
}
