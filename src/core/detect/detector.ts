import type {FeatureMatrix} from '../features/matrix.js'
import {FlareError, ExitCode} from '../errors.js'
import {chooseThreshold, type ThresholdInfo} from './threshold.js'
import {expandRows, expandValues, type UniqueRows} from './dedupe.js'

/**
 * Every detector has the same small surface, like a scikit-learn estimator, so a sweep, the model
 * bundle and MLflow logging need no special cases.
 *
 * SIGN CONVENTION (once, for all detectors): `score()` returns an ANOMALY score — higher means
 * more anomalous. `predict()` flags a row (1) when its score is strictly greater than
 * `threshold`, which `fit()` chooses from the training scores (see threshold.ts).
 */
export interface Detector {
  /** Registry name, e.g. 'isolation-forest'. */
  readonly name: string
  /** Chosen by fit(); rows scoring strictly above it are anomalies. */
  threshold: number
  fit(X: FeatureMatrix): void
  /** Anomaly score per row: higher = more anomalous. */
  score(X: FeatureMatrix): Float64Array
  /** 1 = anomaly (score > threshold), 0 = normal. */
  predict(X: FeatureMatrix): Uint8Array
  /** Hyper-parameters as a plain JSON object (what MLflow logs as params). */
  params(): DetectorParams
  /** The fitted state; `detectorFromJSON()` in registry.ts restores it with identical scores. */
  toJSON(): DetectorJSON
}

/**
 * A detector built on others (ensemble): `prepare` is applied to each member it holds and to each it
 * makes, before the member fits or scores (pipeline.ts giveContext: a window-rate member's rows).
 */
export interface WithMembers {
  prepareMembers(prepare: (member: Detector) => void): void
}

export function hasMembers(d: Detector): d is Detector & WithMembers {
  return typeof (d as Partial<WithMembers>).prepareMembers === 'function'
}

export type ParamValue = number | string | boolean | null
export type DetectorParams = Record<string, ParamValue>

export interface DetectorJSON {
  name: string
  version: 1
  params: DetectorParams
  threshold: number
  thresholdRule: string
  /** Detector-specific fitted state; typed arrays are stored as plain number arrays. */
  state: unknown
}

/** Hyper-parameters every detector accepts. */
export interface ThresholdParams {
  /**
   * Expected share of anomalies in the training data, in (0, 0.5]. When set, the threshold is the
   * (1 - contamination) quantile of the training scores. When null (default) the detector's
   * data-driven rule is used, which does not assume any anomaly share.
   */
  contamination?: number | null
}

/**
 * Shared plumbing: fit() = fitModel() + threshold from the training scores. Subclasses implement
 * fitModel/scoreRows/naturalThreshold and the (de)serialisation of their state.
 */
export abstract class BaseDetector implements Detector {
  abstract readonly name: string
  threshold = Number.POSITIVE_INFINITY
  /** How the threshold was chosen, for the results file and MLflow. */
  thresholdRule = 'unfitted'
  protected fitted = false
  protected nFeatures = 0
  readonly contamination: number | null

  constructor(p: ThresholdParams) {
    const c = p.contamination ?? null
    if (c !== null && !(c > 0 && c <= 0.5)) {
      throw new FlareError(`contamination must be in (0, 0.5], got ${c}`, {exitCode: ExitCode.usage})
    }
    this.contamination = c
  }

  fit(X: FeatureMatrix): void {
    if (X.rows === 0) throw new FlareError('cannot fit a detector on zero sessions', {exitCode: ExitCode.badInput})
    this.nFeatures = X.cols
    this.fitModel(X)
    this.fitted = true
    this.thresholdFrom(this.trainingScores(X))
  }

  /**
   * True when fitting needs only the distinct rows and their counts (fitDistinct) and scoreRows()
   * scores each row by itself: fitUnique() and scoreUnique() then never build the dense matrix.
   */
  get fitsDistinctRows(): boolean {
    return false
  }

  /** fit() on the rows `u` stands for: the same model and threshold, bit for bit. */
  fitUnique(u: UniqueRows): void {
    if (!this.fitsDistinctRows) return this.fit(expandRows(u))
    if (u.inverse.length === 0) throw new FlareError('cannot fit a detector on zero sessions', {exitCode: ExitCode.badInput})
    this.nFeatures = u.unique.cols
    this.fitDistinct(u.unique, u.weights)
    this.fitted = true
    // (trainingScores is scoreRows for these: each distinct row scored once, spread over its copies)
    this.thresholdFrom(expandValues(this.scoreRows(u.unique), u.inverse))
  }

  /** score() of the rows `u` stands for. */
  scoreUnique(u: UniqueRows): Float64Array {
    if (!this.fitsDistinctRows) return this.score(expandRows(u))
    this.checkInput(u.unique)
    return expandValues(this.scoreRows(u.unique), u.inverse)
  }

  /** fitModel() from the distinct rows and how many rows each stands for (fitsDistinctRows detectors). */
  protected fitDistinct(_unique: FeatureMatrix, _weights: Float64Array): void {
    throw new Error(`${this.name} fits on every row, not on distinct rows`)
  }

  private thresholdFrom(train: Float64Array): void {
    const t = this.contamination === null ? this.naturalThreshold(train) : null
    const info: ThresholdInfo = t ?? chooseThreshold(train, {contamination: this.contamination})
    this.threshold = info.threshold
    this.thresholdRule = info.rule
  }

  score(X: FeatureMatrix): Float64Array {
    this.checkInput(X)
    return this.scoreRows(X)
  }

  predict(X: FeatureMatrix): Uint8Array {
    const s = this.score(X)
    const out = new Uint8Array(s.length)
    for (let i = 0; i < s.length; i++) out[i] = s[i] > this.threshold ? 1 : 0
    return out
  }

  abstract params(): DetectorParams

  toJSON(): DetectorJSON {
    if (!this.fitted) throw new FlareError(`${this.name}: cannot save an unfitted detector`)
    return {
      name: this.name,
      version: 1,
      params: this.params(),
      threshold: this.threshold,
      thresholdRule: this.thresholdRule,
      state: {nFeatures: this.nFeatures, ...(this.stateJSON() as object)},
    }
  }

  /** Restore fitted state written by toJSON (called by the registry after construction). */
  restore(json: DetectorJSON): void {
    const s = json.state as {nFeatures: number}
    this.nFeatures = s.nFeatures
    this.restoreState(json.state)
    this.threshold = json.threshold
    this.thresholdRule = json.thresholdRule
    this.fitted = true
  }

  protected abstract fitModel(X: FeatureMatrix): void
  protected abstract scoreRows(X: FeatureMatrix): Float64Array
  protected abstract stateJSON(): unknown
  protected abstract restoreState(state: unknown): void

  /** Scores of the training rows used to pick the threshold (LOF overrides: leave-self-out). */
  protected trainingScores(X: FeatureMatrix): Float64Array {
    return this.scoreRows(X)
  }

  /** The detector's own rule (e.g. PCA's Q-statistic); null means "use the shared robust rule". */
  protected naturalThreshold(_train: Float64Array): ThresholdInfo | null {
    return null
  }

  protected checkInput(X: FeatureMatrix): void {
    if (!this.fitted) throw new FlareError(`${this.name}: call fit() before score() or predict()`)
    if (X.cols !== this.nFeatures) {
      throw new FlareError(`${this.name}: fitted on ${this.nFeatures} features but got ${X.cols}`, {
        exitCode: ExitCode.badInput,
        hint: 'Score with the same vocabulary (model bundle) the detector was fitted with.',
      })
    }
  }
}

export function toArray(a: ArrayLike<number>): number[] {
  return Array.from(a)
}
