import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, type Detector, type DetectorJSON, type DetectorParams, type ThresholdParams} from './detector.js'
import {quantile, sortedCopy, type ThresholdInfo} from './threshold.js'

/**
 * Ensemble of detectors. Each member's score is put on a common scale by its own fitted threshold:
 * z = (s − median_train) / (threshold − median_train), so z > 1 exactly when the member flags the
 * row. Combined score = max over members (`combine: 'max'`, "any member flags") or mean
 * (`'mean'`). Natural threshold: 1.
 */
export interface EnsembleParams extends ThresholdParams {
  /** Comma-separated registry names, e.g. 'invariants-mining,isolation-forest'. */
  members?: string
  combine?: 'max' | 'mean'
  seed?: number
}

export type DetectorFactory = (name: string, params: Record<string, unknown>) => Detector
export type DetectorLoader = (json: DetectorJSON) => Detector

export class Ensemble extends BaseDetector {
  readonly name = 'ensemble'
  readonly members: string
  readonly combine: 'max' | 'mean'
  readonly seed: number | null
  detectors: Detector[] = []
  private centre: Float64Array = new Float64Array(0)
  private scale: Float64Array = new Float64Array(0)

  constructor(
    p: EnsembleParams,
    private readonly create: DetectorFactory,
    private readonly load: DetectorLoader,
  ) {
    super(p)
    this.members = p.members ?? 'invariants-mining,pca'
    this.combine = p.combine ?? 'max'
    this.seed = p.seed ?? null
  }

  params(): DetectorParams {
    return {members: this.members, combine: this.combine, seed: this.seed, contamination: this.contamination}
  }

  protected fitModel(X: FeatureMatrix): void {
    const names = this.members.split(',').map((s) => s.trim()).filter(Boolean)
    this.detectors = names.map((n) => {
      const plain = this.create(n, {})
      return this.seed !== null && 'seed' in plain.params() ? this.create(n, {seed: this.seed}) : plain
    })
    this.centre = new Float64Array(names.length)
    this.scale = new Float64Array(names.length)
    this.detectors.forEach((d, k) => {
      d.fit(X)
      const med = quantile(sortedCopy(d.score(X)), 0.5)
      this.centre[k] = med
      const gap = d.threshold - med
      this.scale[k] = Number.isFinite(gap) && gap > 0 ? gap : 1e-12
    })
  }

  protected override naturalThreshold(): ThresholdInfo {
    return {threshold: 1, rule: `ensemble-${this.combine}(member thresholds)`}
  }

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const out = new Float64Array(X.rows).fill(this.combine === 'max' ? Number.NEGATIVE_INFINITY : 0)
    this.detectors.forEach((d, k) => {
      const s = d.score(X)
      for (let i = 0; i < X.rows; i++) {
        const z = (s[i] - this.centre[k]) / this.scale[k]
        if (this.combine === 'max') out[i] = Math.max(out[i], z)
        else out[i] += z / this.detectors.length
      }
    })
    return out
  }

  protected stateJSON(): unknown {
    return {detectors: this.detectors.map((d) => d.toJSON()), centre: Array.from(this.centre), scale: Array.from(this.scale)}
  }

  protected restoreState(state: unknown): void {
    const s = state as {detectors: DetectorJSON[]; centre: number[]; scale: number[]}
    this.detectors = s.detectors.map((j) => this.load(j))
    this.centre = Float64Array.from(s.centre)
    this.scale = Float64Array.from(s.scale)
  }
}
