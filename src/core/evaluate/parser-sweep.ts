/**
 * `flare parse --sweep`: Drain settings tried on one log held in memory, each scored against a
 * ground truth (GA, then FGA, PA, FTA) or, without one, by unsupervised signals:
 *
 * - templates: how many templates the setting makes;
 * - singletonShare: share of lines alone in their template (over-splitting leaves many);
 * - generalisedShare: share of a line's template tokens that Drain turned into `<*>` after
 *   masking, weighted by lines (merging different words into one template makes many);
 * - stability: how much the grouping of each half of the log, mined on its own, agrees with the
 *   grouping of the whole log (GA of one against the other, averaged over the two halves).
 *
 * Unsupervised score = stability − singletonShare − generalisedShare (higher is better): a
 * heuristic that penalises splitting and merging alike; a ground truth is always the better judge.
 */
import {ExitCode, FlareError} from '../errors.js'
import {configForFormat, mergeOptions, type TemplateMinerOptions} from '../templates/config.js'
import {TemplateMiner, type DrainConfig} from '../templates/index.js'
import {compareWithTruth, type GroundTruth, type ParsedLog, type TruthComparison} from './parse-truth.js'
import {parsingMetrics} from './parsing.js'

export type SweepSetting = Partial<Pick<DrainConfig, 'simThreshold' | 'depth' | 'maxChildren' | 'maxClusters'>>

const SWEEP_KEYS: Record<string, {key: keyof SweepSetting; min: number; max: number; integer: boolean}> = {
  sim: {key: 'simThreshold', min: 0, max: 1, integer: false},
  simthreshold: {key: 'simThreshold', min: 0, max: 1, integer: false},
  depth: {key: 'depth', min: 3, max: 32, integer: true},
  children: {key: 'maxChildren', min: 2, max: 100_000, integer: true},
  maxchildren: {key: 'maxChildren', min: 2, max: 100_000, integer: true},
  clusters: {key: 'maxClusters', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true},
  maxclusters: {key: 'maxClusters', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true},
}

export const MAX_SWEEP_SETTINGS = 200

function usage(message: string): FlareError {
  return new FlareError(`--sweep: ${message}`, {exitCode: ExitCode.usage, hint: "e.g. --sweep 'sim=0.4,0.5,0.6;depth=3,4,5' (keys: sim, depth, children, clusters)"})
}

/** Every combination of `sim=0.4,0.5;depth=3,4` (a key's values after `=`, keys split by `;`). */
export function parseSweepSpec(spec: string): SweepSetting[] {
  let settings: SweepSetting[] = [{}]
  const seen = new Set<string>()
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=')
    if (eq < 0) throw usage(`"${part}" is not key=values`)
    const name = part.slice(0, eq).trim().toLowerCase()
    const def = SWEEP_KEYS[name]
    if (!def) throw usage(`unknown key "${part.slice(0, eq).trim()}"`)
    if (seen.has(def.key)) throw usage(`${name} is given twice`)
    seen.add(def.key)
    const values = part.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean)
    if (values.length === 0) throw usage(`${name} has no values`)
    const numbers = values.map((v) => {
      const x = Number(v)
      if (!Number.isFinite(x) || (def.integer && !Number.isInteger(x)) || x < def.min || x > def.max) {
        throw usage(`${name}=${v}: ${def.integer ? 'an integer' : 'a number'} in [${def.min}, ${def.max === Number.MAX_SAFE_INTEGER ? '∞' : def.max}] is needed`)
      }
      return x
    })
    settings = settings.flatMap((s) => [...new Set(numbers)].map((x) => ({...s, [def.key]: x})))
    if (settings.length > MAX_SWEEP_SETTINGS) throw usage(`more than ${MAX_SWEEP_SETTINGS} combinations`)
  }
  if (seen.size === 0) throw usage('no settings given')
  return settings
}

export interface SweepScore {
  index: number
  setting: SweepSetting
  /** The Drain settings the setting ran with (the config file's and the defaults filled in). */
  drain: DrainConfig
  templates: number
  singletonShare: number
  generalisedShare: number
  stability: number
  truth?: TruthComparison
  /** What ranks it: GA with a truth, else the unsupervised score. */
  score: number
  rank: number
  elapsedMs: number
}

interface Mined {
  ids: string[]
  miner: TemplateMiner
  /** Template id → its text when it was created (the first line's masked tokens). */
  initial: Map<string, string>
}

function mineAll(contents: readonly string[], options: TemplateMinerOptions): Mined {
  const miner = new TemplateMiner(options)
  const ids: string[] = new Array(contents.length)
  const initial = new Map<string, string>()
  for (let k = 0; k < contents.length; k++) {
    const added = miner.add(contents[k])
    ids[k] = added.templateId
    if (added.change === 'new') initial.set(added.templateId, added.template)
  }
  return {ids, miner, initial}
}

function wildcards(template: string): number {
  let n = 0
  for (let i = template.indexOf('<*>'); i >= 0; i = template.indexOf('<*>', i + 3)) n++
  return n
}

function tokenCount(template: string): number {
  return template === '' ? 1 : template.split(' ').length
}

export interface ParserSweepOptions {
  format?: string
  /** The config file's settings: each setting's Drain values go on top. */
  parser?: TemplateMinerOptions
  truth?: GroundTruth
  onSetting?: (score: SweepScore, done: number, total: number) => void | Promise<void>
}

/** Scores every setting on the parsed log and ranks them, best first (rank 1). */
export async function runParserSweep(parsed: ParsedLog, settings: readonly SweepSetting[], options: ParserSweepOptions = {}): Promise<SweepScore[]> {
  const {contents} = parsed
  const n = contents.length
  const half = Math.floor(n / 2)
  const scores: SweepScore[] = []
  for (const [index, setting] of settings.entries()) {
    const t0 = performance.now()
    const minerOptions = configForFormat(options.format, mergeOptions(options.parser ?? {}, {drain: setting}))
    const whole = mineAll(contents, minerOptions)
    const counts = new Map<string, number>()
    for (const id of whole.ids) counts.set(id, (counts.get(id) ?? 0) + 1)
    let singletons = 0
    let generalised = 0
    for (const [id, count] of counts) {
      if (count === 1) singletons++
      const final = whole.miner.template(id)?.template
      const first = whole.initial.get(id)
      if (final !== undefined && first !== undefined) generalised += (count * Math.max(0, wildcards(final) - wildcards(first))) / tokenCount(final)
    }
    const first = mineAll(contents.slice(0, half), minerOptions)
    const second = mineAll(contents.slice(half), minerOptions)
    const agreeFirst = half === 0 ? 1 : parsingMetrics(first.ids, whole.ids.slice(0, half)).ga
    const agreeSecond = n - half === 0 ? 1 : parsingMetrics(second.ids, whole.ids.slice(half)).ga
    const score: SweepScore = {
      index,
      setting,
      drain: {...minerOptions.drain},
      templates: counts.size,
      singletonShare: n === 0 ? 0 : singletons / n,
      generalisedShare: n === 0 ? 0 : generalised / n,
      stability: (agreeFirst + agreeSecond) / 2,
      score: 0,
      rank: 0,
      elapsedMs: 0,
    }
    if (options.truth) {
      const templates = new Map(whole.miner.templates().map((t) => [t.id, t.template]))
      score.truth = compareWithTruth(parsed, whole.ids, templates, options.truth)
      score.score = score.truth.ga
    } else score.score = score.stability - score.singletonShare - score.generalisedShare
    score.elapsedMs = performance.now() - t0
    scores.push(score)
    await options.onSetting?.(score, index + 1, settings.length)
  }
  const ranked = [...scores].sort((a, b) => compareScores(a, b))
  ranked.forEach((s, i) => (s.rank = i + 1))
  return ranked
}

/** Higher score first; with a truth, ties go by FGA, PA, FTA; then fewer templates; then input order. */
function compareScores(a: SweepScore, b: SweepScore): number {
  const keys = (s: SweepScore): number[] => (s.truth ? [s.truth.ga, s.truth.fga, nan0(s.truth.pa), nan0(s.truth.fta)] : [s.score])
  const ka = keys(a)
  const kb = keys(b)
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i] - ka[i]
  return a.templates - b.templates || a.index - b.index
}

function nan0(x: number): number {
  return Number.isNaN(x) ? 0 : x
}
