import {ExitCode, FlareError} from '../core/errors.js'
import {MlflowClient} from './mlflow-client.js'
import {fetchRegisteredBundle, isModelsUri} from './registered-model.js'

type Env = Record<string, string | undefined>

const START_HINT = 'Start one (mlflow server --host 127.0.0.1 --port 5000) and export MLFLOW_TRACKING_URI=http://127.0.0.1:5000'

/** A client for $MLFLOW_TRACKING_URI, or undefined when it is not set. */
export function optionalMlflowClient(env: Env = process.env): MlflowClient | undefined {
  return env.MLFLOW_TRACKING_URI ? MlflowClient.fromEnv(env) : undefined
}

/** A client for $MLFLOW_TRACKING_URI; a usage error saying how to set it when it is not. */
export function requireMlflowClient(what: string, env: Env = process.env): MlflowClient {
  const client = optionalMlflowClient(env)
  if (!client) throw new FlareError(`${what} needs an MLflow server, and MLFLOW_TRACKING_URI is not set.`, {exitCode: ExitCode.usage, hint: START_HINT})
  return client
}

/**
 * `--model` given as models:/NAME@ALIAS or models:/NAME/VERSION: downloads it (cached) and returns
 * the local folder; `note` hears which version it was. A folder path is returned as it is.
 */
export async function resolveModelOption(model: string, note: (line: string) => void, env: Env = process.env): Promise<string> {
  if (!isModelsUri(model)) return model
  const client = requireMlflowClient(`--model ${model}`, env)
  try {
    const fetched = await fetchRegisteredBundle(client, model)
    note(`model ${model} → version ${fetched.version}${fetched.cached ? ' (cached)' : ''} in ${fetched.dir}`)
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
export function detectTrackingClient(flags: DetectTrackingFlags, env: Env = process.env): MlflowClient | undefined {
  if (!flags.track) {
    if (flags.register) throw new FlareError('--register needs tracking, but --no-track turned it off', {exitCode: ExitCode.usage})
    return undefined
  }
  const client = optionalMlflowClient(env)
  if (!client && flags.register) {
    throw new FlareError(`--register ${flags.register} needs an MLflow server, and MLFLOW_TRACKING_URI is not set.`, {exitCode: ExitCode.usage, hint: START_HINT})
  }
  return client
}
