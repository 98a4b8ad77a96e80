/**
 * The detectors by name, without loading them: `--help` text and defaults, and a registry for
 * one detector that loads that detector's module alone. A plain `flare detect` fits one detector;
 * importing all nine (their code and zod schemas) cost tens of ms of every start (issue 14).
 * registry.ts loads every entry, for the sweep, saved models and anything built on other detectors.
 */
import {ExitCode, FlareError} from '../errors.js'
import type {FeatureBlock, FeatureConfig} from '../features/config.js'
import type {ZodType} from '../zod.js'
import type {BaseDetector} from './detector.js'
import type {DetectorArgs, DetectorEntry, DetectorRegistry} from './entry.js'

interface CatalogEntry {
  readonly name: string
  /** One line for `--help`. */
  readonly description: string
  /** The entry; undefined for one built on other detectors, which needs the whole registry. */
  readonly load?: () => Promise<DetectorEntry>
}

/** Every detector, in `--help` order. Adding one: list it here and in registry.ts's ENTRIES. */
export const CATALOG: readonly CatalogEntry[] = [
  {name: 'isolation-forest', description: 'Isolation Forest: isolated quickly by random splits', load: async () => (await import('./isolation-forest.js')).isolationForest},
  {name: 'lof', description: 'Local Outlier Factor: sparser than its neighbours', load: async () => (await import('./local-outlier-factor.js')).localOutlierFactor},
  {name: 'one-class-svm', description: 'one-class SVM (RBF): outside the boundary of normal', load: async () => (await import('./one-class-svm.js')).oneClassSvm},
  {name: 'elliptic-envelope', description: 'robust Mahalanobis distance (FastMCD)', load: async () => (await import('./elliptic-envelope.js')).ellipticEnvelope},
  {name: 'pca', description: 'PCA residual above the Q-statistic', load: async () => (await import('./pca.js')).pca},
  {name: 'invariants-mining', description: 'breaks integer relations between template counts', load: async () => (await import('./invariants-mining.js')).invariantsMining},
  {name: 'rare-template', description: 'holds a template rare or unseen in training', load: async () => (await import('./rare-template.js')).rareTemplate},
  {name: 'window-rate', description: 'template rates per stream and window vs own baseline', load: async () => (await import('./window-rate.js')).windowRate},
  {name: 'ensemble', description: 'any member flags, each member on its own features'},
]

/** The detector `flare detect` uses when none is named, for id-keyed sessions (blocks, requests, pids). */
export const DEFAULT_DETECTOR = 'invariants-mining'

/**
 * The detector for time windows: template rates against each stream's own baseline. Counts of
 * a window mix whatever happened to run in it, so the integer relations invariants mining looks
 * for hold between ids' events, not between windows' (bench/INCIDENTS.md has the measurements).
 */
export const DEFAULT_WINDOW_DETECTOR = 'window-rate'

/** The default detector for sessions of this key. */
export function defaultDetectorFor(sessionKey: string): string {
  return sessionKey === 'window' ? DEFAULT_WINDOW_DETECTOR : DEFAULT_DETECTOR
}

/** Detectors that score time windows only (each window against its stream's earlier ones): on id sessions they find nothing. */
export const WINDOW_ONLY_DETECTORS: readonly string[] = ['window-rate']

/** True when `detector` (an ensemble by its `members` parameter) can score sessions of this key. */
export function detectorFitsSessions(detector: string, sessionKey: string, params?: Record<string, unknown>): boolean {
  if (sessionKey === 'window' || sessionKey === 'auto') return true
  const names = detector === 'ensemble' && typeof params?.members === 'string' ? params.members.split(',').map((s) => s.trim()) : [detector]
  return !names.some((name) => WINDOW_ONLY_DETECTORS.includes(name))
}

/**
 * Refuses a time-window detector on id sessions (it would flag nothing and say all is well), naming
 * the detectors that fit them. `sessionKey`: given or resolved ('auto' passes: checked once resolved).
 */
export function checkDetectorFitsSessions(detector: string, sessionKey: string, params?: Record<string, unknown>): void {
  if (detectorFitsSessions(detector, sessionKey, params)) return
  const fitting = detectorNames().filter((name) => !WINDOW_ONLY_DETECTORS.includes(name))
  throw new FlareError(`${detector === 'ensemble' ? `an ensemble with ${WINDOW_ONLY_DETECTORS.join('/')}` : `--detector ${detector}`} scores time windows, but the sessions here are by ${sessionKey} id: it would flag nothing`, {
    exitCode: ExitCode.usage,
    hint: `for ${sessionKey} sessions use one of ${fitting.join(', ')} (default ${DEFAULT_DETECTOR}), or group lines by time with --session-key window`,
  })
}

/**
 * Refuses features a time-window detector cannot score (exit 2). Window-rate reads each window's raw
 * template counts, one column per template (its context: each column's level, text, component):
 * extras (durations, gaps in seconds, totals), bigrams, an unseen column, tf-idf, presence or log1p
 * are not lines of a template, and fitted on them it would model seconds and damped counts as
 * Poisson counts of lines. `features`: resolved (resolveFeatures); an ensemble's window-rate member
 * is checked on its own block.
 */
export function checkWindowFeatures(detector: string, features: FeatureConfig | undefined, params?: Record<string, unknown>): void {
  if (!features) return
  const names = detector === 'ensemble' ? (typeof params?.members === 'string' ? params.members.split(',').map((s) => s.trim()) : []) : [detector]
  const windowOnly = names.filter((name) => WINDOW_ONLY_DETECTORS.includes(name))
  if (windowOnly.length === 0) return
  const blocks: FeatureBlock[] = features.members ? features.members.filter((b) => windowOnly.includes(b.detector)) : [{sets: features.sets, transform: features.transform as FeatureBlock['transform'], maxBigrams: features.maxBigrams}]
  const bad = blocks.find((b) => b.sets.join() !== 'counts' || b.transform !== 'none')
  if (!bad) return
  const flags = [...(bad.sets.join() === 'counts' ? [] : [['--features', bad.sets.join(',')]]), ...(bad.transform === 'none' ? [] : [['--transform', bad.transform]])]
  const drop = `drop ${flags.map((f) => f[0]).join(' and ')}`
  const instead = detector === 'ensemble' ? `${drop} (each member then reads its own features), or leave ${windowOnly[0]} out of the members` : `${drop} (it reads counts alone), or use a detector that does, such as -d isolation-forest`
  throw new FlareError(`${detector === 'ensemble' ? `an ensemble's ${windowOnly[0]} member` : windowOnly[0]} scores raw template counts per window and cannot use ${flags.map((f) => f.join(' ')).join(' ')}: ${instead}`, {exitCode: ExitCode.usage})
}

export function detectorNames(): string[] {
  return CATALOG.map((e) => e.name)
}

/** One line per detector, `name  description`, for a `--detector` flag's help. */
export function detectorHelp(): string {
  const width = Math.max(...CATALOG.map((e) => e.name.length))
  return CATALOG.map((e) => `${e.name.padEnd(width)}  ${e.description}`).join('\n')
}

/** A detector made by its entry; unknown hyper-parameter names are rejected so typos do not pass silently. */
export function checkedDetector(entry: DetectorEntry, params: DetectorArgs, registry: DetectorRegistry): BaseDetector {
  const d = entry.create(params, registry)
  const known = new Set(Object.keys(d.params()))
  for (const k of Object.keys(params)) {
    if (!known.has(k)) {
      throw new FlareError(`detector "${entry.name}" has no parameter "${k}"`, {exitCode: ExitCode.usage, hint: `Parameters: ${[...known].join(', ')}`})
    }
  }
  // The ranges a saved model's params must be in (entry.schema) hold for a new detector too: a
  // value outside them (nNeighbors -1) is refused here, not fitted into a meaningless result.
  const ranges = (entry.schema as {shape?: {params?: ZodType}}).shape?.params
  const given = d.params() as Record<string, unknown>
  const checked = ranges?.safeParse(given)
  if (checked && !checked.success) {
    const issue = checked.error.issues[0]!
    const value = issue.path.length > 0 ? ` ${JSON.stringify(given[String(issue.path[0])])}` : ''
    throw new FlareError(`detector "${entry.name}": ${issue.path.join('.') || 'params'}${value}: ${issue.message}`, {exitCode: ExitCode.usage})
  }
  return d
}

/** What fitting one detector needs of a registry. */
export type DetectorMaker = Pick<DetectorRegistry, 'create' | 'features'>

/**
 * A registry for fitting `name`: the detector's module alone for a detector that stands alone,
 * the whole registry (registry.ts) for one built on others, or for a name it does not know (which
 * its create() then refuses, listing the known ones).
 */
export async function registryFor(name: string): Promise<DetectorMaker> {
  const load = CATALOG.find((e) => e.name === name)?.load
  if (load === undefined) return (await import('./registry.js')).registry
  const entry = await load()
  const alone: DetectorRegistry = {
    create: (n, params = {}) => checkedDetector(only(n), params, alone),
    features: (n, params = {}) => {
      const {features} = only(n)
      return typeof features === 'function' ? features(params, alone) : features
    },
    load: () => {
      throw new Error(`the registry of ${name} alone restores no saved detector`)
    },
  }
  const only = (n: string): DetectorEntry => {
    if (n !== entry.name) throw new Error(`the registry of ${name} alone has no detector "${n}"`)
    return entry
  }
  return alone
}
