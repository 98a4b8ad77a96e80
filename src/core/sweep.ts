import {readFile} from 'node:fs/promises'
import * as z from './zod.js'
import type {Detector, ParamValue} from './detect/detector.js'
import {createDetector, defaultDetectorFor, detectorFeatures, detectorGrids, detectorNames} from './detect/registry.js'
import {checkDetectorFitsSessions, detectorFitsSessions, WINDOW_ONLY_DETECTORS} from './detect/catalog.js'
import {ExitCode, FlareError} from './errors.js'
import {detectionMetrics} from './evaluate/run-metrics.js'
import type {LabelList} from './evaluate/metrics.js'
import {type FeatureConfig, FeatureSetName} from './features/config.js'
import type {FeatureMatrix} from './features/matrix.js'
import type {Vocabulary} from './features/vocabulary.js'
import type {ModelBundle} from './model-bundle.js'
import {bundleManifest, evaluatePredictions, giveContext, type PrepareOptions, type PreparedInput, prepareInput, scoreSessions, sessionFeatures} from './pipeline.js'
import type {Evaluation} from './results.js'

/**
 * Hyper-parameter sweeps: every detector × parameter combination is fitted and scored on ONE
 * parse of the input. Templates, sessions and the vocabulary are computed once; feature matrices
 * once per distinct feature configuration (most detectors share one). Nothing here talks to
 * MLflow: the caller logs each child as it finishes (`onChild`).
 */

/** detector → parameter → values to try. `features` and `transform` are dimensions of every detector but ensemble. */
export type SweepGrid = Record<string, Record<string, ParamValue[]>>

/** Grid keys that vary the features rather than a detector parameter. */
const FEATURE_KEYS = ['features', 'transform'] as const
const TRANSFORMS = ['none', 'log1p'] as const

/** "counts+extras" → ['counts', 'extras'], validated; a usage error names the bad set. */
export function parseFeatureVariant(text: string, source = '--features'): FeatureConfig['sets'] {
  const sets = text.split('+').map((s) => s.trim()).filter(Boolean)
  if (sets.length === 0) throw new FlareError(`${source}: empty feature set in "${text}"`, {exitCode: ExitCode.usage, hint: 'e.g. --features counts,counts+extras,tfidf'})
  for (const set of sets) {
    if (!FeatureSetName.safeParse(set).success) throw new FlareError(`${source}: unknown feature set "${set}"`, {exitCode: ExitCode.usage, hint: `choose from ${FeatureSetName.options.join(', ')}; join sets with + (counts+extras)`})
  }
  return sets as FeatureConfig['sets']
}

function checkFeatureValues(key: (typeof FEATURE_KEYS)[number], values: ParamValue[], source: string): void {
  for (const value of values) {
    if (key === 'features') parseFeatureVariant(String(value), source)
    else if (!TRANSFORMS.includes(value as never)) throw new FlareError(`${source}: transform must be one of ${TRANSFORMS.join(', ')}, got ${JSON.stringify(value)}`, {exitCode: ExitCode.usage})
  }
}

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
      if ((FEATURE_KEYS as readonly string[]).includes(param)) {
        if (WINDOW_ONLY_DETECTORS.includes(detector)) {
          throw new FlareError(`${source}: ${detector} reads raw template counts per window: "${param}" is not one of its dimensions (at "${detector}.${param}")`, {exitCode: ExitCode.usage, hint: `Parameters of ${detector}: ${known.join(', ')}`})
        }
        const list = Array.isArray(values) ? values : [values]
        checkFeatureValues(param as (typeof FEATURE_KEYS)[number], list, `${source} at "${detector}.${param}"`)
        grid[detector][param] = list
        continue
      }
      if (!known.includes(param)) {
        throw new FlareError(`${source}: detector "${detector}" has no parameter "${param}" (at "${detector}.${param}")`, {exitCode: ExitCode.usage, hint: `Parameters of ${detector}: ${[...known, ...FEATURE_KEYS].join(', ')}`})
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
  /** Swept feature sets / transform; the detector's recommendation fills what is not swept. */
  featureVariant?: {sets?: FeatureConfig['sets']; transform?: 'none' | 'log1p'}
}

/** Feature dimensions given on the command line, applied to every detector whose grid does not set them. */
export interface FeatureDimensions {
  features?: string[]
  transform?: string[]
}

/**
 * Every detector × parameter combination, detectors in the order given. A detector the grid does
 * not mention runs once with its defaults. The last parameter varies fastest.
 */
export function expandGrid(detectors: readonly string[], grid: SweepGrid, dimensions: FeatureDimensions = {}): SweepCandidate[] {
  if (dimensions.transform) checkFeatureValues('transform', dimensions.transform, '--transform')
  const out: SweepCandidate[] = []
  for (const detector of detectors) {
    if (!detectorNames().includes(detector)) {
      throw new FlareError(`unknown detector "${detector}"`, {exitCode: ExitCode.usage, hint: `Choose from: ${detectorNames().join(', ')}`})
    }
    const {features, transform, ...params} = grid[detector] ?? {}
    let combos: Array<Record<string, ParamValue>> = [{}]
    for (const [param, values] of Object.entries(params)) {
      combos = combos.flatMap((combo) => values.map((value) => ({...combo, [param]: value})))
    }
    // ensemble's members each bring their own features, and window-rate reads each window's raw
    // template counts (as flare detect fits it: other columns would leave it without its context):
    // neither is a feature dimension's to vary
    const fixed = detector === 'ensemble' || WINDOW_ONLY_DETECTORS.includes(detector)
    const featureList = fixed ? [undefined] : (features ?? dimensions.features)?.map((v) => parseFeatureVariant(String(v))) ?? [undefined]
    const transformList = fixed ? [undefined] : ((transform ?? dimensions.transform) as Array<'none' | 'log1p'> | undefined) ?? [undefined]
    for (const overrides of combos) {
      for (const sets of featureList) {
        for (const t of transformList) {
          out.push(sets || t ? {detector, overrides, featureVariant: {...(sets ? {sets} : {}), ...(t ? {transform: t} : {})}} : {detector, overrides})
        }
      }
    }
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
  labels: LabelList
  /** The fitted pipeline, for logging as a model; released after `onChild` unless it is the best so far. */
  bundle?: ModelBundle
}

export interface SweepOptions extends Omit<PrepareOptions, 'model' | 'labelsPath'> {
  labelsPath: string
  candidates: readonly SweepCandidate[]
  metric?: SweepMetric
  /**
   * Candidates that do not fit the sessions (a time-window detector on id sessions): 'refuse'
   * (default: named ones, exit 2) or 'drop' (a default list of every detector: the rest are swept).
   */
  unfit?: 'refuse' | 'drop'
  /** Once the sessions are known, before the first child, when candidates that do not fit them were dropped (unfit 'drop'). */
  onLeftOut?: (leftOut: LeftOut) => void
  /** After each child is fitted and scored; awaited, so logging it to MLflow finishes first. */
  onChild?: (child: SweepChild, total: number, shared: SweepShared) => Promise<void> | void
}

/** Candidates a sweep dropped (unfit 'drop'): they cannot score the sessions the log was cut into. */
export interface LeftOut {
  /** Their detectors, each once, in sweep order. */
  detectors: string[]
  /** How many candidates were left out, of how many given: the sweep runs `of - runs`. */
  runs: number
  of: number
  /** Why, in a line: "window-rate scores time windows, but the sessions here are by request id". */
  reason: string
}

/** The candidates that fit sessions of this key, and what was left out (undefined: nothing). */
export function fittingCandidates(candidates: readonly SweepCandidate[], sessionKey: string): {fit: SweepCandidate[]; leftOut?: LeftOut} {
  const fit = candidates.filter((c) => detectorFitsSessions(c.detector, sessionKey, c.overrides))
  if (fit.length === candidates.length) return {fit}
  const detectors = [...new Set(candidates.filter((c) => !fit.includes(c)).map((c) => c.detector))]
  const what = detectors.map((d) => (d === 'ensemble' ? `ensemble (with ${WINDOW_ONLY_DETECTORS.join('/')})` : d)).join(', ')
  const reason = `${what} ${detectors.length === 1 ? 'scores' : 'score'} time windows, but the sessions here are by ${sessionKey} id`
  return {fit, leftOut: {detectors, runs: candidates.length - fit.length, of: candidates.length, reason}}
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
  /** Best first by the metric; ties broken by TIE_RULE. */
  ranked: SweepChild[]
  /** Candidates dropped because they do not fit the sessions (unfit 'drop'); undefined when none were. */
  leftOut?: LeftOut
  best: SweepChild
  metric: SweepMetric
  timings: Record<string, number>
}

/** How equal scores are ranked, in words for the sweep's output. */
export const TIE_RULE = 'ties go to the higher precision, then the default detector for the session kind, then the faster fit and score'

/** Negative when `a` ranks before `b`: the metric, then TIE_RULE, then sweep order. */
export function rankOrder(a: SweepChild, b: SweepChild, metric: SweepMetric, preferred: string): number {
  const cost = (c: SweepChild) => (c.metrics.fit_ms ?? 0) + (c.metrics.score_ms ?? 0)
  return (
    b.metrics[metric]! - a.metrics[metric]! ||
    (metric === 'precision' ? 0 : b.metrics.precision! - a.metrics.precision!) ||
    Number(b.detector === preferred) - Number(a.detector === preferred) ||
    cost(a) - cost(b) ||
    a.index - b.index
  )
}

/** Refuses candidates that cannot score sessions of this key (given, or resolved; 'auto' passes), unless they are to be dropped. */
export function checkCandidatesFit(candidates: readonly SweepCandidate[], sessionKey: string, unfit: SweepOptions['unfit']): void {
  if (unfit !== 'drop') for (const c of candidates) checkDetectorFitsSessions(c.detector, sessionKey, c.overrides)
}

export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  if (options.candidates.length === 0) throw new FlareError('nothing to sweep: no detectors selected', {exitCode: ExitCode.usage})
  const metric = options.metric ?? 'f1'
  const started = performance.now()
  checkCandidatesFit(options.candidates, options.sessionKey ?? 'auto', options.unfit)
  const prepared = await prepareInput(options)
  const timings: Record<string, number> = {...prepared.timings}
  try {
    checkCandidatesFit(options.candidates, prepared.sessionKey, options.unfit)
    const {fit: candidates, leftOut} = fittingCandidates(options.candidates, prepared.sessionKey)
    if (candidates.length === 0) throw new FlareError(`nothing to sweep: ${leftOut!.reason}`, {exitCode: ExitCode.usage, hint: 'group lines by time with --session-key window, or name detectors that fit these sessions'})
    if (leftOut) options.onLeftOut?.(leftOut)
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
    const preferred = defaultDetectorFor(prepared.sessionKey)
    for (const [i, candidate] of candidates.entries()) {
      options.signal?.throwIfAborted()
      const recommended = detectorFeatures(candidate.detector, candidate.overrides)
      const features: FeatureConfig = candidate.featureVariant ? {...recommended, ...candidate.featureVariant} : recommended
      const X = matrixFor(features)
      let t0 = performance.now()
      const detector: Detector = createDetector(candidate.detector, candidate.overrides)
      // (as detect fits it: window-rate is told each row's stream and window, each column's template)
      giveContext(detector, prepared, vocabulary!)
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
      await options.onChild?.(child, candidates.length, shared)
      if (!best || rankOrder(child, best, metric, preferred) < 0) {
        if (best) best.bundle = undefined
        best = child
      } else {
        child.bundle = undefined
      }
      children.push(child)
    }
    timings.elapsed_ms = Math.round(performance.now() - started)
    const ranked = [...children].sort((a, b) => rankOrder(a, b, metric, preferred))
    const {cleanup: _cleanup, idOf: _idOf, ...info} = prepared
    return {prepared: info, vocabularySize: vocabulary?.size ?? 0, ranked, ...(leftOut ? {leftOut} : {}), best: best!, metric, timings}
  } finally {
    await prepared.cleanup?.()
  }
}
