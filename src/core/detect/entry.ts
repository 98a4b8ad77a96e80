import type * as z from '../zod.js'
import type {FeatureConfig} from '../features/config.js'
import type {BaseDetector, Detector, DetectorJSON, ParamValue} from './detector.js'

export type DetectorArgs = Record<string, unknown>

/** The registry, as entries that build on other detectors (the ensemble) see it. */
export interface DetectorRegistry {
  create(name: string, params?: DetectorArgs): Detector
  load(json: DetectorJSON): Detector
  features(name: string, params?: DetectorArgs): FeatureConfig
}

/**
 * Everything about one detector, in the detector's own file; registry.ts lists the entries
 * (catalog.ts their names and `--help` lines). The sweep and the model bundle learn all they need from here.
 */
export interface DetectorEntry {
  /** Registry name, as on the command line (`--detector lof`). */
  readonly name: string
  /** A new, unfitted detector; the registry rejects parameter names it does not have. */
  create(params: DetectorArgs, registry: DetectorRegistry): BaseDetector
  /** The features it is fitted on by default; a function when they depend on its parameters. */
  readonly features: FeatureConfig | ((params: DetectorArgs, registry: DetectorRegistry) => FeatureConfig)
  /** What `flare model sweep` tries by default: the knobs that move results most, a few values each. */
  readonly grid: Readonly<Record<string, ParamValue[]>>
  /**
   * What a saved model of this detector (its toJSON()) must look like: params, threshold and state,
   * with ranges, array lengths and column indices checked (see schema.ts). Model files are
   * untrusted input; `detectorFromJSON` refuses anything this schema rejects.
   */
  readonly schema: z.ZodType
}
