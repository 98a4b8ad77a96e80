import {detectionMetrics} from '../core/evaluate/run-metrics.js'
import type {DetectOutput} from '../core/pipeline.js'
import {confusionPng, datasetName, finiteMetrics, histogramPng, inputDataset, logBundleAsModel, metricList, paramString, registerModelVersion, runUrl, standardTags, type Tracker} from './tracker.js'

export interface DetectRunOptions {
  /** Told the run id as soon as the run exists (to end it as KILLED on an interrupt). */
  onRun?: (runId: string) => void
  experimentName: string
  /** As given on the command line (`-` for stdin). */
  input: string
  output: DetectOutput
  /** Set when the run scored with a saved or registered model instead of fitting. */
  modelSource?: string
  /** Register the logged model as a new version of this registered model. */
  register?: string
  command?: string
}

export interface TrackedRun {
  /** How the run was ended: FAILED when some part of it could not be logged. */
  status?: 'FINISHED' | 'FAILED'
  experimentId: string
  runId: string
  url: string
  /** The registered model version, when --register asked for one and it was created. */
  registered?: {name: string; version: string}
  /** The MLflow 3 LoggedModel holding the fitted model. */
  modelId?: string
}

/** The params a detection run logs: the detector and its hyper-parameters, features, parsing, data size. */
export function detectParams(output: DetectOutput, modelSource?: string): Record<string, string> {
  const {manifest, detector, vocabulary} = output.bundle
  const params: Record<string, string> = {detector: detector.name}
  for (const [key, value] of Object.entries(detector.params())) params[key] = paramString(value)
  Object.assign(params, {
    features: manifest.features.sets.join(','),
    transform: manifest.features.transform,
    max_bigrams: String(manifest.features.maxBigrams),
    format: output.results.summary.format,
    session_key: output.results.summary.session_key,
    vocabulary_size: String(vocabulary.size),
    total_sessions: String(output.results.summary.sessions),
  })
  if (manifest.session_key === 'window') Object.assign(params, {window_ms: String(manifest.window_ms), step_ms: String(manifest.step_ms)})
  if (modelSource) params.model = modelSource
  return params
}

/** The metrics of a detection run: anomalies, score statistics, accuracy with labels, speed and stage timings. */
export function detectMetrics(output: DetectOutput): Record<string, number> {
  const {summary, evaluation} = output.results
  const elapsed = summary.elapsed_ms
  return finiteMetrics({
    ...detectionMetrics({scores: output.scores, predicted: output.predicted, threshold: output.bundle.detector.threshold, evaluation}),
    incidents: summary.incidents,
    client_bursts: summary.client_bursts ?? 0,
    lines: summary.lines,
    templates: summary.templates,
    elapsed_ms: elapsed,
    lines_per_second: elapsed > 0 ? Math.round((summary.lines / elapsed) * 1000) : 0,
    ...output.timings,
  })
}

/**
 * Logs one `flare detect` run: params, metrics, tags, the dataset input, the results JSON,
 * vocab.json, charts and the model folder; registers a version when asked. Never throws: every
 * step goes through the tracker, which collects what failed for one report at the end.
 */
export async function logDetectRun(tracker: Tracker, options: DetectRunOptions): Promise<TrackedRun | undefined> {
  const {client} = tracker
  const {output} = options
  const {results, bundle} = output
  const everything = 'the whole run (params, metrics, tags, dataset, artifacts, model)'
  const experiment = await tracker.attempt(everything, () => client.getOrCreateExperiment(options.experimentName))
  if (!experiment) return undefined
  const runName = `${results.summary.detector}-${datasetName(options.input)}`
  const tags = await standardTags({command: options.command ?? 'flare detect', runName, input: options.input, kind: 'detect'})
  tags['flare.detector'] = results.summary.detector
  const run = await tracker.attempt(everything, () => client.createRun({experimentId: experiment.experiment_id, runName, tags}))
  if (!run) return undefined
  const runId = run.info.run_id
  options.onRun?.(runId)
  const tracked: TrackedRun = {experimentId: experiment.experiment_id, runId, url: runUrl(client.trackingUri, experiment.experiment_id, runId)}

  await tracker.attempt('params, metrics and tags', () => client.logBatch(runId, {params: detectParams(output, options.modelSource), metrics: metricList(detectMetrics(output))}))
  await tracker.attempt('dataset input', async () => {
    const fallbackContent = `${results.summary.lines}:${output.mined.templates.map((t) => t.id).join(',')}`
    const dataset = await inputDataset({input: options.input, columns: bundle.manifest.feature_columns, sessions: results.summary.sessions, fallbackContent})
    await client.logInputs(runId, [{dataset, context: options.modelSource ? 'evaluation' : 'training'}])
  })
  await tracker.attempt('results.json', () => client.uploadArtifact(runId, 'results.json', JSON.stringify(results, null, 2)))
  await tracker.attempt('vocab.json', () => client.uploadArtifact(runId, 'vocab.json', JSON.stringify(bundle.vocabulary.toJSON())))
  const evaluation = results.evaluation
  if (evaluation) {
    await tracker.attempt('confusion_matrix.png', () =>
      client.uploadArtifact(runId, 'confusion_matrix.png', confusionPng(evaluation, `${results.summary.detector} · F1 ${evaluation.f1.toFixed(3)}`)),
    )
  }
  await tracker.attempt('score_histogram.png', () =>
    client.uploadArtifact(runId, 'score_histogram.png', histogramPng({scores: output.scores, predicted: output.predicted, labels: output.labels, threshold: bundle.detector.threshold})),
  )
  const logged = await tracker.attempt('model folder (model/MLmodel and bundle)', () => logBundleAsModel(client, runId, bundle))
  if (logged?.modelId) tracked.modelId = logged.modelId
  if (options.register) {
    const name = options.register
    if (logged) {
      const registered = await tracker.attempt(`a version of registered model "${name}"`, () =>
        registerModelVersion(client, {name, source: logged.source, modelId: logged.modelId, runId, tags: evaluation ? {f1: evaluation.f1.toFixed(4)} : undefined}),
      )
      if (registered) tracked.registered = {name, version: registered.version}
    } else {
      tracker.skipped(`a version of registered model "${name}"`, 'the model folder was not logged')
    }
  }
  if (!tracker.complete) {
    const missing = tracker.failures.map((f) => f.what).join(', ')
    await tracker.attempt('the incomplete-run tag', () => client.setTags(runId, {'flare.not_logged': missing.slice(0, 5000)}))
  }
  // A run missing some of its parts must not read as a good one in the MLflow UI.
  tracked.status = tracker.complete ? 'FINISHED' : 'FAILED'
  if (tracked.status === 'FINISHED') {
    await tracker.attempt('the run status', () => client.endRun(runId, 'FINISHED'))
  } else if (!tracker.stopped) {
    // Tried even after a failing step made the tracker give up: a run left RUNNING reads as alive.
    // Not after an interrupt stopped it: the run is being ended as KILLED.
    try {
      await client.endRun(runId, 'FAILED')
    } catch {
      tracker.skipped('the run status (FAILED)', 'the server did not take it')
    }
  }
  return tracked
}
