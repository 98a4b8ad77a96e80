import {FlareError, ExitCode} from '../errors.js'
import {combineMemberFeatures} from '../features/config.js'
import {columnSlice, type FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, type Detector, type DetectorJSON, type DetectorParams, type ThresholdParams, type WithMembers} from './detector.js'
import type {DetectorArgs, DetectorEntry, DetectorRegistry} from './entry.js'
import * as z from '../zod.js'
import {contamination, expectLength, finite, finiteArray, nFeatures, savedDetector, seed} from './schema.js'
import {quantile, sortedCopy, type ThresholdInfo} from './threshold.js'

/**
 * Ensemble of detectors. Each member's score is put on a common scale by its own fitted threshold:
 * z = (s − median_train) / (threshold − median_train), so z > 1 exactly when the member flags the
 * row. Combined score = max over members (`combine: 'max'`, "any member flags") or mean
 * (`'mean'`). Natural threshold: 1.
 *
 * Each member reads its own features: when the matrix comes in blocks (FeatureConfig.members, one
 * per member) member k is fitted and scored on block k; otherwise every member reads all columns.
 */
export interface EnsembleParams extends ThresholdParams {
  /** Comma-separated registry names, e.g. 'invariants-mining,isolation-forest'. */
  members?: string
  combine?: 'max' | 'mean'
  seed?: number
}

/**
 * Rare-template agrees with invariants-mining on HDFS and adds what invariants miss (templates
 * no normal session shows), so "any member flags" keeps the best member's recall at little
 * precision cost; PCA on damped counts flags many normal blocks (bench/README.md).
 */
export const DEFAULT_MEMBERS = 'invariants-mining,rare-template'

export function memberNames(members: string): string[] {
  return members.split(',').map((s) => s.trim()).filter(Boolean)
}

export class Ensemble extends BaseDetector implements WithMembers {
  readonly name = 'ensemble'
  readonly members: string
  readonly combine: 'max' | 'mean'
  readonly seed: number | null
  detectors: Detector[] = []
  private centre: Float64Array = new Float64Array(0)
  private scale: Float64Array = new Float64Array(0)
  /** Member k reads columns [start, start + width) of the matrix. */
  private slices: Array<[number, number]> = []
  /** What each member is told before it fits or scores (prepareMembers). */
  private prepare?: (member: Detector) => void
  /**
   * Each member's block of the matrices it fitted on: scoring those rows hands a member the very
   * matrix it fitted (window-rate gives its fit's own analysis for it, as `-d window-rate` does;
   * another matrix, even a copy, it scores window by window against its profiles).
   */
  private fittedInputs = new WeakMap<FeatureMatrix, FeatureMatrix[]>()

  constructor(
    p: EnsembleParams,
    private readonly registry: Pick<DetectorRegistry, 'create' | 'load'>,
  ) {
    super(p)
    this.members = p.members ?? DEFAULT_MEMBERS
    this.combine = p.combine ?? 'max'
    if (this.combine !== 'max' && this.combine !== 'mean') throw new FlareError(`ensemble combine must be max or mean, got "${this.combine}"`, {exitCode: ExitCode.usage})
    this.seed = p.seed ?? null
    const names = memberNames(this.members)
    if (names.length === 0) throw new FlareError('an ensemble needs at least one member', {exitCode: ExitCode.usage})
    if (names.includes('ensemble')) throw new FlareError('an ensemble cannot have an ensemble as a member', {exitCode: ExitCode.usage})
  }

  /**
   * Tells each member what it must know of the rows beyond its columns, now (a saved ensemble's
   * members) and as fit() makes them: a window-rate member its rows' streams and windows, so that
   * it scores as `-d window-rate` does, not as one stream of rows numbered in order.
   */
  prepareMembers(prepare: (member: Detector) => void): void {
    this.prepare = prepare
    for (const d of this.detectors) prepare(d)
  }

  params(): DetectorParams {
    return {members: this.members, combine: this.combine, seed: this.seed, contamination: this.contamination}
  }

  protected fitModel(X: FeatureMatrix): void {
    const names = memberNames(this.members)
    this.detectors = names.map((n) => {
      const plain = this.registry.create(n, {})
      return this.seed !== null && 'seed' in plain.params() ? this.registry.create(n, {seed: this.seed}) : plain
    })
    for (const d of this.detectors) this.prepare?.(d)
    const blocks = X.blocks?.length === names.length ? X.blocks : names.map(() => X.cols)
    let start = 0
    this.slices = blocks.map((width) => {
      const slice: [number, number] = [X.blocks ? start : 0, width]
      if (X.blocks) start += width
      return slice
    })
    this.centre = new Float64Array(names.length)
    this.scale = new Float64Array(names.length)
    this.fittedInputs = new WeakMap([[X, this.slices.map(([start, width]) => columnSlice(X, start, width))]])
    this.detectors.forEach((d, k) => {
      const Xk = this.memberInput(X, k)
      d.fit(Xk)
      const med = quantile(sortedCopy(d.score(Xk)), 0.5)
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
      const s = d.score(this.memberInput(X, k))
      for (let i = 0; i < X.rows; i++) {
        const z = (s[i] - this.centre[k]) / this.scale[k]
        if (this.combine === 'max') out[i] = Math.max(out[i], z)
        else out[i] += z / this.detectors.length
      }
    })
    return out
  }

  private memberInput(X: FeatureMatrix, k: number): FeatureMatrix {
    const fitted = this.fittedInputs.get(X)
    if (fitted) return fitted[k]
    const [start, width] = this.slices[k]
    return columnSlice(X, start, width)
  }

  protected stateJSON(): unknown {
    return {detectors: this.detectors.map((d) => d.toJSON()), centre: Array.from(this.centre), scale: Array.from(this.scale), slices: this.slices}
  }

  protected restoreState(state: unknown): void {
    const s = state as {detectors: DetectorJSON[]; centre: number[]; scale: number[]; slices?: Array<[number, number]>}
    this.detectors = s.detectors.map((j) => this.registry.load(j))
    this.centre = Float64Array.from(s.centre)
    this.scale = Float64Array.from(s.scale)
    // Saved before members had features of their own: every member read every column.
    this.slices = s.slices ?? this.detectors.map(() => [0, this.nFeatures])
  }
}

/**
 * Members are checked by their own schemas when restored (registry.load); here, that there is one
 * saved member per listed name, and that each reads a column block inside the matrix.
 */
const EnsembleJSON = savedDetector(
  'ensemble',
  z.strictObject({members: z.string().min(1), combine: z.enum(['max', 'mean']), seed: seed.nullable(), contamination}),
  z.object({
    nFeatures,
    detectors: z.array(z.looseObject({name: z.string(), state: z.looseObject({nFeatures: z.number()})})).min(1),
    centre: finiteArray,
    scale: z.array(finite.positive()),
    slices: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])).optional(),
  }),
).superRefine((m, ctx) => {
  const s = m.state
  const names = memberNames(m.params.members)
  if (!expectLength(ctx, ['state', 'detectors'], s.detectors.length, names.length)) return
  s.detectors.forEach((d, k) => {
    if (d.name !== names[k]) ctx.addIssue({code: 'custom', path: ['state', 'detectors', k, 'name'], message: `is "${d.name}", params.members lists "${names[k]}"`})
  })
  for (const key of ['centre', 'scale'] as const) if (!expectLength(ctx, ['state', key], s[key].length, names.length)) return
  const slices = s.slices ?? names.map((): [number, number] => [0, s.nFeatures])
  if (!expectLength(ctx, ['state', 'slices'], slices.length, names.length)) return
  slices.forEach(([start, width], k) => {
    if (start + width > s.nFeatures) ctx.addIssue({code: 'custom', path: ['state', 'slices', k], message: `columns ${start}..${start + width - 1} are outside the ${s.nFeatures} features`})
    else if (s.detectors[k].state.nFeatures !== width) ctx.addIssue({code: 'custom', path: ['state', 'detectors', k, 'state', 'nFeatures'], message: `member fitted on ${s.detectors[k].state.nFeatures} features reads a block of ${width}`})
  })
})

export const ensemble: DetectorEntry = {
  name: 'ensemble',
  create: (p, registry) => new Ensemble(p, registry),
  features: (p: DetectorArgs, registry) =>
    combineMemberFeatures(memberNames(String(p.members ?? DEFAULT_MEMBERS)).map((detector) => ({detector, features: registry.features(detector)}))),
  grid: {members: ['invariants-mining,pca', 'invariants-mining,rare-template', 'isolation-forest,pca']},
  schema: EnsembleJSON,
}
