import type {Results} from '../core/results.js'

/** A detection job as it crosses into a worker thread: plain data only. */
export interface DetectJob {
  /** A file on disk (the server spools request bodies and uploads to temp files). */
  input: string
  /** What the results call the input (the upload's file name, or `<request>`). */
  inputName: string
  format?: string
  sessionKey?: string
  detector?: string
  contamination?: number
  /** A saved model folder to score with instead of fitting. */
  modelPath?: string
  /** Also compute the params and metrics an MLflow run logs (they need the fitted bundle, which stays here). */
  track?: boolean
}

/** What a worker sends back: the results, and the MLflow params and metrics when the job asked. */
export interface DetectOutcome {
  results: Results
  values?: {params: Record<string, string>; metrics: Record<string, number>}
}
