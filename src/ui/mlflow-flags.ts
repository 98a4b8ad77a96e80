import {Flags} from '@oclif/core'
import {DEFAULT_DETECT_EXPERIMENT} from '../tracking/config.js'

// Flag definitions only, so `flare detect` can declare them without loading the MLflow client
// (which it imports lazily, only when a run is actually tracked); tracking/config.js is light.

/** `flare detect`'s tracking flags. */
export const detectTrackingFlags = {
  track: Flags.boolean({
    description: 'log the run to MLflow when MLFLOW_TRACKING_URI is set; --no-track turns that off',
    default: true,
    allowNo: true,
  }),
  experiment: Flags.string({description: `MLflow experiment for the run [default: $MLFLOW_EXPERIMENT_NAME or ${DEFAULT_DETECT_EXPERIMENT}]`}),
  register: Flags.string({description: 'register the logged model as a new version of this registered model (e.g. flare-detector)'}),
}

export const TRACKING_OFF_LINE = 'MLflow tracking is off: set MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:5000) to log this run, or pass --no-track to hide this line.'
