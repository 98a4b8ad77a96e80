import {FlareError, ExitCode} from '../errors.js'
import type {BaseDetector, Detector, DetectorJSON} from './detector.js'
import {EllipticEnvelope} from './elliptic-envelope.js'
import {Ensemble} from './ensemble.js'
import {InvariantsMining} from './invariants-mining.js'
import {IsolationForest} from './isolation-forest.js'
import {LocalOutlierFactor} from './local-outlier-factor.js'
import {OneClassSVM} from './one-class-svm.js'
import {PCADetector} from './pca.js'
import {RareTemplate} from './rare-template.js'

type Params = Record<string, unknown>

const constructors: Record<string, (p: Params) => BaseDetector> = {
  'isolation-forest': (p) => new IsolationForest(p),
  lof: (p) => new LocalOutlierFactor(p),
  'one-class-svm': (p) => new OneClassSVM(p),
  'elliptic-envelope': (p) => new EllipticEnvelope(p),
  pca: (p) => new PCADetector(p),
  'invariants-mining': (p) => new InvariantsMining(p),
  'rare-template': (p) => new RareTemplate(p),
  ensemble: (p) => new Ensemble(p, createDetector, detectorFromJSON),
}

/** The detector `flare detect` uses when none is named. */
export const DEFAULT_DETECTOR = 'invariants-mining'

export function detectorNames(): string[] {
  return Object.keys(constructors)
}

/** A new, unfitted detector; unknown hyper-parameter names are rejected so typos do not pass silently. */
export function createDetector(name: string, params: Params = {}): Detector {
  return build(name, params)
}

function build(name: string, params: Params): BaseDetector {
  const make = constructors[name]
  if (make === undefined) {
    throw new FlareError(`unknown detector "${name}"`, {exitCode: ExitCode.usage, hint: `Choose one of: ${detectorNames().join(', ')}`})
  }
  const d = make(params)
  const known = new Set(Object.keys(d.params()))
  for (const k of Object.keys(params)) {
    if (!known.has(k)) {
      throw new FlareError(`detector "${name}" has no parameter "${k}"`, {exitCode: ExitCode.usage, hint: `Parameters: ${[...known].join(', ')}`})
    }
  }
  return d
}

/** Restore a fitted detector saved with toJSON(); its scores are identical to the original's. */
export function detectorFromJSON(json: DetectorJSON | string): Detector {
  const obj: DetectorJSON = typeof json === 'string' ? JSON.parse(json) : json
  if (obj?.version !== 1 || typeof obj.name !== 'string') {
    throw new FlareError('not a saved Flare detector (missing name/version)', {exitCode: ExitCode.badInput})
  }
  const d = build(obj.name, obj.params as Params)
  d.restore(obj)
  return d
}
