import {FlareError, ExitCode} from '../errors.js'
import type {FeatureConfig} from '../features/config.js'
import type {BaseDetector, Detector, DetectorJSON, ParamValue} from './detector.js'
import {ellipticEnvelope} from './elliptic-envelope.js'
import {ensemble} from './ensemble.js'
import type {DetectorArgs, DetectorEntry, DetectorRegistry} from './entry.js'
import {invariantsMining} from './invariants-mining.js'
import {isolationForest} from './isolation-forest.js'
import {localOutlierFactor} from './local-outlier-factor.js'
import {oneClassSvm} from './one-class-svm.js'
import {pca} from './pca.js'
import {rareTemplate} from './rare-template.js'
import {windowRate} from './window-rate.js'
import {describeIssues} from './schema.js'
import {checkedDetector, detectorNames} from './catalog.js'

export {DEFAULT_DETECTOR, DEFAULT_WINDOW_DETECTOR, defaultDetectorFor, detectorHelp, detectorNames} from './catalog.js'

/** Every detector, in catalog.ts's (`--help`) order. Adding one: its file exports a DetectorEntry; list it here and in catalog.ts. */
const ENTRIES: readonly DetectorEntry[] = [isolationForest, localOutlierFactor, oneClassSvm, ellipticEnvelope, pca, invariantsMining, rareTemplate, windowRate, ensemble]

const byName = new Map(ENTRIES.map((e) => [e.name, e]))

/** The entry of a detector; unknown names are a usage error listing the known ones. */
export function detectorEntry(name: string): DetectorEntry {
  const entry = byName.get(name)
  if (entry === undefined) {
    throw new FlareError(`unknown detector "${name}"`, {exitCode: ExitCode.usage, hint: `Choose one of: ${detectorNames().join(', ')}`})
  }
  return entry
}

/** The features a detector is fitted on unless told otherwise (an ensemble's depend on its members). */
export function detectorFeatures(name: string, params: DetectorArgs = {}): FeatureConfig {
  const {features} = detectorEntry(name)
  return typeof features === 'function' ? features(params, registry) : features
}

/** Each detector's default sweep grid: detector → parameter → values. */
export function detectorGrids(): Record<string, Record<string, ParamValue[]>> {
  return Object.fromEntries(ENTRIES.map((e) => [e.name, Object.fromEntries(Object.entries(e.grid).map(([k, v]) => [k, [...v]]))]))
}

/** A new, unfitted detector; unknown hyper-parameter names are rejected so typos do not pass silently. */
export function createDetector(name: string, params: DetectorArgs = {}): Detector {
  return build(name, params)
}

function build(name: string, params: DetectorArgs): BaseDetector {
  return checkedDetector(detectorEntry(name), params, registry)
}

/** A model file that fails validation: exit 3 with what is wrong, never a JS error from deep inside. */
export function invalidModel(detail: string): FlareError {
  return new FlareError(`invalid model: ${detail}`, {exitCode: ExitCode.badInput, hint: 'the saved model was damaged or edited; refit it with flare detect --save-model DIR'})
}

/**
 * Restore a fitted detector saved with toJSON(); its scores are identical to the original's. The
 * JSON is untrusted: it is checked against the detector's schema (entry.schema) first.
 */
export function detectorFromJSON(json: DetectorJSON | string | unknown): Detector {
  let obj: unknown = json
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json)
    } catch {
      throw invalidModel('the detector is not valid JSON')
    }
  }
  const name = (obj as {name?: unknown} | null)?.name
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || typeof name !== 'string') throw invalidModel('not a saved Flare detector (no detector name)')
  const entry = byName.get(name)
  if (entry === undefined) throw invalidModel(`unknown detector "${name.slice(0, 60)}" (known: ${detectorNames().join(', ')})`)
  const parsed = entry.schema.safeParse(obj)
  if (!parsed.success) throw invalidModel(`${name}: ${describeIssues(parsed.error)}`)
  const saved = parsed.data as DetectorJSON
  let d: BaseDetector
  try {
    d = build(name, saved.params as DetectorArgs)
  } catch (error) {
    throw error instanceof FlareError ? invalidModel(`${name}: ${error.message}`) : error
  }
  d.restore(saved)
  return d
}

/** Every detector, as entries built on others see the registry (catalog.ts's registryFor gives it for those). */
export const registry: DetectorRegistry = {create: createDetector, load: detectorFromJSON, features: detectorFeatures}
