import {readFile} from 'node:fs/promises'
import {z} from 'zod'
import type {Detector, ParamValue} from './detect/detector.js'
import {createDetector, detectorFeatures, detectorGrids, detectorNames} from './detect/registry.js'
import {ExitCode, FlareError} from './errors.js'
import {detectionMetrics} from './evaluate/run-metrics.js'
import type {FeatureConfig} from './features/config.js'
import type {FeatureMatrix} from './features/matrix.js'
import type {Vocabulary} from './features/vocabulary.js'
import type {ModelBundle} from './model-bundle.js'
import {bundleManifest, evaluatePredictions, type PrepareOptions, type PreparedInput, prepareInput, scoreSessions, sessionFeatures} from './pipeline.js'
import type {Evaluation} from './results.js'

/**
 * Hyper-parameter sweeps: every detector × parameter combination is fitted and scored on ONE
 * parse of the input. Templates, sessions and the vocabulary are computed once; feature matrices
 * once per distinct feature configuration (most detectors share one). Nothing here talks to
 * MLflow: the caller logs each child as it finishes (`onChild`).
 */

/** detector → parameter → values to try. */
export type SweepGrid = Record<string, Record<string, ParamValue[]>>

/** What a small grid tries per detector: each registry entry's `grid`. */
export const DEFAULT_GRIDS: SweepGrid = detectorGrids()

export const SWEEP_METRICS = ['f1', 'precision', 'recall'] as const
export type SweepMetric = (typeof SWEEP_METRICS)[number]

const ParamValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()])
/** A grid file: {"<detector>": {"<param>": [values] or one value}}. */
export const GridFile = z.record(z.string(), z.record(z.string(), z.union([ParamValueSchema, z.array(ParamValueSchema).min(1, 'needs at least one value')])))

/**
 * Validates a grid (parsed JSON) and returns it with every value as a list. Errors name the bad
 * key: an unknown detector, a parameter the detector does not have, or a value it rejects.
 */
export function parseGrid(json: unknown, source = 'grid'): SweepGrid {
  const parsed = GridFile.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const at = issue.path.length ? ` at "${issue.path.join('.')}"` : ''
    throw new FlareError(`${source}: invalid grid${at}: ${issue.message}`, {
      exitCode: ExitCode.usage,
      hint: 'A grid maps detector → parameter → list of values, e.g. {"isolation-forest": {"nEstimators": [50, 100]}}',
    })
  }
  const grid: SweepGrid = {}
  for (const [detector, params] of Object.entries(parsed.data)) {
    if (!detectorNames().includes(detector)) {
      throw new FlareError(`${source}: unknown detector "${detector}"`, {exitCode: ExitCode.usage, hint: `Grid keys are detector names: ${detectorNames().join(', ')}`})
    }
    const known = Object.keys(createDetector(detector).params())
    grid[detector] = {}
    for (const [param, values] of Object.entries(params)) {
      if (!known.includes(param)) {
        throw new FlareError(`${source}: detector "${detector}" has no parameter "${param}" (at "${detector}.${param}")`, {exitCode: ExitCode.usage, hint: `Parameters of ${detector}: ${known.join(', ')}`})
      }
      const list = Array.isArray(values) ? values : [values]
      for (const value of list) {
        try {
          createDetector(detector, {[param]: value})
        } catch (error) {
          throw new FlareError(`${source}: bad value ${JSON.stringify(value)} at "${detector}.${param}": ${(error as Error).message}`, {exitCode: ExitCode.usage})
        }
      }
      grid[detector][param] = list
    }
  }
  return grid
}

export async function readGridFile(path: string): Promise<SweepGrid> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new FlareError(`cannot read grid file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new FlareError(`grid file ${path} is not valid JSON: ${(error as Error).message}`, {exitCode: ExitCode.usage})
  }
  return parseGrid(json, `grid file ${path}`)
}

export interface SweepCandidate {
  detector: string
  /** Only the swept values; the detector's defaults fill the rest. */
  overrides: Record<string, ParamValue>
}

/**
 * Every detector × parameter combination, detectors in the order given. A detector the grid does
 * not mention runs once with its defaults. The last parameter varies fastest.
 */
export function expandGrid(detectors: readonly string[], grid: SweepGrid): SweepCandidate[] {
  const out: SweepCandidate[] = []
  for (const detector of detectors) {
    if (!detectorNames().includes(detector)) {
      throw new FlareError(`unknown detector "${detector}"`, {exitCode: ExitCode.usage, hint: `Choose from: ${detectorNames().join(', ')}`})
    }
    let combos: Array<Record<string, ParamValue>> = [{}]
    for (const [param, values] of Object.entries(grid[detector] ?? {})) {
      combos = combos.flatMap((combo) => values.map((value) => ({...combo, [param]: value})))
    }
    for (const overrides of combos) out.push({detector, overrides})
  }
  return out
}

export interface SweepChild extends SweepCandidate {
  /** 1-based, in sweep order. */
  index: number
  /** All hyper-parameters of the fitted detector, defaults included. */
  params: Record<string, ParamValue>
  features: FeatureConfig
  featureColumns: string[]
  metrics: Record<string, number>
  evaluation: Evaluation
  scores: Float64Array
  predicted: Uint8Array
  labels: Array<boolean | undefined>
  /** The fitted pipeline, for logging as a model; released after `onChild` unless it is the best so far. */
  bundle?: ModelBundle
}

export interface SweepOptions extends Omit<PrepareOptions, 'model' | 'labelsPath'> {
  labelsPath: string
  candidates: readonly SweepCandidate[]
  metric?: SweepMetric
  /** After each child is fitted and scored; awaited, so logging it to MLflow finishes first. */
  onChild?: (child: SweepChild, total: number, shared: SweepShared) => Promise<void> | void
}

/** What every child of a sweep shares: one parse, one session grouping, one vocabulary. */
export interface SweepShared {
  format: string
  sessionKey: string
  sessions: number
  vocabularySize: number
}

export interface SweepResult {
  prepared: Omit<PreparedInput, 'cleanup' | 'idOf'>
  vocabularySize: number
  /** Best first by the metric; ties keep sweep order. */
  ranked: SweepChild[]
  best: SweepChild
  metric: SweepMetric
  timings: Record<string, number>
}

export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  if (options.candidates.length === 0) throw new FlareError('nothing to sweep: no detectors selected', {exitCode: ExitCode.usage})
  const metric = options.metric ?? 'f1'
  const started = performance.now()
  const prepared = await prepareInput(options)
  const timings: Record<string, number> = {...prepared.timings}
  try {
    let vocabulary: Vocabulary | undefined
    const matrices = new Map<string, FeatureMatrix>()
    const matrixFor = (features: FeatureConfig): FeatureMatrix => {
      const key = JSON.stringify(features)
      let m = matrices.get(key)
      if (!m) {
        const t0 = performance.now()
        const built = sessionFeatures(prepared, features, vocabulary)
        vocabulary = built.vocabulary
        m = built.matrix
        matrices.set(key, m)
        timings.features_ms = (timings.features_ms ?? 0) + Math.round(performance.now() - t0)
      }
      return m
    }

    const children: SweepChild[] = []
    let best: SweepChild | undefined
    for (const [i, candidate] of options.candidates.entries()) {
      options.signal?.throwIfAborted()
      const features = detectorFeatures(candidate.detector, candidate.overrides)
      const X = matrixFor(features)
      let t0 = performance.now()
      const detector: Detector = createDetector(candidate.detector, candidate.overrides)
      detector.fit(X)
      const fitMs = performance.now() - t0
      t0 = performance.now()
      const {scores, predicted} = scoreSessions(detector, X)
      const scoreMs = performance.now() - t0
      const {evaluation, labels} = evaluatePredictions(prepared, predicted)
      const metrics = {...detectionMetrics({scores, predicted, threshold: detector.threshold, evaluation}), fit_ms: Math.round(fitMs), score_ms: Math.round(scoreMs)}
      const bundle: ModelBundle = {
        manifest: bundleManifest(prepared, {features, vocabulary: vocabulary!, detector}),
        miner: prepared.mined.miner,
        vocabulary: vocabulary!,
        detector,
      }
      const child: SweepChild = {
        ...candidate,
        index: i + 1,
        params: detector.params(),
        features,
        featureColumns: bundle.manifest.feature_columns,
        metrics,
        evaluation: evaluation!,
        scores,
        predicted,
        labels: labels!,
        bundle,
      }
      const shared: SweepShared = {format: prepared.mined.format, sessionKey: prepared.sessionDescription, sessions: prepared.sessions.length, vocabularySize: vocabulary!.size}
      await options.onChild?.(child, options.candidates.length, shared)
      if (!best || child.metrics[metric]! > best.metrics[metric]!) {
        if (best) best.bundle = undefined
        best = child
      } else {
        child.bundle = undefined
      }
      children.push(child)
    }
    timings.elapsed_ms = Math.round(performance.now() - started)
    const ranked = [...children].sort((a, b) => b.metrics[metric]! - a.metrics[metric]! || a.index - b.index)
    const {cleanup: _cleanup, idOf: _idOf, ...info} = prepared
    return {prepared: info, vocabularySize: vocabulary?.size ?? 0, ranked, best: best!, metric, timings}
  } finally {
    await prepared.cleanup?.()
  }
}
