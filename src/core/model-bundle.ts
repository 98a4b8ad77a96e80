import {createHash} from 'node:crypto'
import {readFile, rename, writeFile} from 'node:fs/promises'
import {writeFolderAtomic, type OutputSpec} from './io/output.js'
import {join} from 'node:path'
import * as z from './zod.js'
import type {Detector, DetectorJSON} from './detect/detector.js'
import {describeIssues, expectLength} from './detect/schema.js'
import {ExitCode, FlareError} from './errors.js'
import {featureColumns} from './features/build.js'
import {FeatureConfig} from './features/config.js'
import {STREAM_FIELDS, type StreamField} from './sessions/streams.js'
import {Vocabulary} from './features/vocabulary.js'
import {TemplateMiner} from './templates/index.js'
import {parseTemplateState} from './templates/state-schema.js'

/**
 * A fitted pipeline on disk: everything needed to score new logs without refitting.
 *   bundle.json     manifest (this schema)
 *   templates.json  template miner state (stable template ids)
 *   vocab.json      vocabulary: template id → feature column, idf, normal profile
 *   detector.json   fitted detector with its threshold
 * All plain JSON: loading a bundle never executes anything.
 */
export const BundleManifest = z.object({
  kind: z.literal('flare-model'),
  version: z.literal(1),
  flare_version: z.string(),
  created: z.string(),
  format: z.string(),
  session_key: z.string(),
  window_ms: z.number(),
  step_ms: z.number(),
  /** Windows: the fields they were split into streams by at fit ([]: one stream); scoring splits the same way. Absent in older bundles. */
  window_by: z.array(z.enum(STREAM_FIELDS as [StreamField, ...StreamField[]])).optional(),
  features: FeatureConfig,
  detector: z.string(),
  threshold: z.number(),
  feature_columns: z.array(z.string()),
  training: z.object({input: z.string(), sessions: z.number().int(), lines: z.number().int()}),
  /** Id sessions: the longest quiet gap inside a training session (p99.9), ms; live detection's default --idle derives from it. */
  session_gap_ms: z.number().optional(),
  /**
   * Id sessions: the templates that end every training session they appear in (sessions/terminal.ts);
   * live detection closes a session on one. Absent in older bundles (none then).
   */
  terminal_templates: z.array(z.string()).optional(),
})
export type BundleManifest = z.infer<typeof BundleManifest>

export interface ModelBundle {
  manifest: BundleManifest
  miner: TemplateMiner
  vocabulary: Vocabulary
  detector: Detector
}

/**
 * Which model this is, for files written while scoring with it (a --state): `sha256:` and the
 * first 16 hex digits of the SHA-256 of the manifest (bundle.json) as its schema writes it (the
 * schema fixes the key order and drops absent members, so a fitted manifest and one loaded from
 * disk give the same text). The manifest is written once at fit time and never changed by scoring
 * (the miner is: live templates join it), and it names the fit itself (its `created` time,
 * training input, threshold), so a refit or a registry alias moved to another version gives
 * another fingerprint while the same folder, loaded or downloaded again, gives the same one.
 */
export function modelFingerprint(manifest: BundleManifest): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(BundleManifest.parse(manifest))).digest('hex').slice(0, 16)}`
}

export const BUNDLE_FILES = ['bundle.json', 'templates.json', 'vocab.json', 'detector.json'] as const

/** `--save-model DIR` as an output: a new or empty folder, or an earlier model's (nothing else in it is replaced). */
export function modelFolderOutput(path: string): OutputSpec {
  return {path, flag: '--save-model', kind: 'folder', replaces: BUNDLE_FILES}
}

/** Written whole into a staging folder that then replaces `dir`: an interrupted save leaves the old model. */
export async function saveBundle(dir: string, bundle: ModelBundle): Promise<void> {
  await writeFolderAtomic(dir, (staging) => writeBundleFiles(staging, bundle), {flag: '--save-model'})
}

async function writeBundleFiles(dir: string, bundle: ModelBundle): Promise<void> {
  const files: Record<string, unknown> = {
    'templates.json': bundle.miner.toJSON(),
    'vocab.json': bundle.vocabulary.toJSON(),
    'detector.json': bundle.detector.toJSON(),
    // manifest last: a folder with a manifest is complete
    'bundle.json': bundle.manifest,
  }
  for (const [name, value] of Object.entries(files)) {
    const tmp = join(dir, `.${name}.tmp`)
    await writeFile(tmp, JSON.stringify(value, null, name === 'bundle.json' ? 2 : 0))
    await rename(tmp, join(dir, name))
  }
}

export async function loadBundle(dir: string): Promise<ModelBundle> {
  const read = async (name: string): Promise<unknown> => {
    let text: string
    try {
      text = await readFile(join(dir, name), 'utf8')
    } catch {
      throw new FlareError(`model folder ${dir} has no ${name}`, {exitCode: ExitCode.badInput, hint: 'point --model at a folder written by flare detect --save-model'})
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new FlareError(`model file ${join(dir, name)} is not valid JSON`, {exitCode: ExitCode.badInput, hint: 'the saved model was damaged or edited; refit it with flare detect --save-model DIR'})
    }
  }
  const parsed = BundleManifest.safeParse(await read('bundle.json'))
  if (!parsed.success) throw invalidFile(dir, 'bundle.json', describeIssues(parsed.error))
  let miner: TemplateMiner
  try {
    miner = TemplateMiner.fromJSON(parseTemplateState(await read('templates.json')))
  } catch (error) {
    if (error instanceof FlareError) throw error
    throw invalidFile(dir, 'templates.json', (error as Error).message)
  }
  const manifest = parsed.data
  const vocab = VocabularyFile.safeParse(await read('vocab.json'))
  if (!vocab.success) throw invalidFile(dir, 'vocab.json', describeIssues(vocab.error))
  const vocabulary = Vocabulary.fromJSON(vocab.data)
  const detectorJSON = (await read('detector.json')) as DetectorJSON
  checkConsistent(dir, manifest, vocabulary, detectorJSON)
  let detector: Detector
  try {
    // (every detector's module loads here: a saved model may hold any of them)
    detector = (await import('./detect/registry.js')).detectorFromJSON(detectorJSON)
  } catch (error) {
    if (error instanceof FlareError && error.message.startsWith('invalid model: ')) throw invalidFile(dir, 'detector.json', error.message.slice('invalid model: '.length))
    throw error
  }
  if (detector.name !== manifest.detector) throw invalidFile(dir, 'detector.json', `holds a ${detector.name} detector, bundle.json says ${manifest.detector}`)
  return {manifest, miner, vocabulary, detector}
}

/** What Vocabulary.fromJSON reads; the optional parts default as it does (older bundles lack them). */
const VocabularyFile = z
  .object({
    version: z.literal(1),
    template_ids: z.array(z.string()),
    idf: z.array(z.number()),
    session_share: z.array(z.number().min(0).max(1)).optional(),
    mean_count: z.array(z.number().nonnegative()).optional(),
    bigrams: z.array(z.tuple([z.string(), z.string()])).optional(),
    training_sessions: z.number().int().nonnegative().optional(),
    normal_mean: z.array(z.number().nonnegative()).optional(),
  })
  .superRefine((v, ctx) => {
    for (const key of ['idf', 'session_share', 'mean_count', 'normal_mean'] as const) {
      const a = v[key]
      if (a !== undefined) expectLength(ctx, [key], a.length, v.template_ids.length)
    }
  })

function invalidFile(dir: string, file: string, detail: string): FlareError {
  return new FlareError(`invalid model: ${join(dir, file)}: ${detail}`, {exitCode: ExitCode.badInput, hint: 'the files of a model folder are written by flare detect --save-model DIR; refit rather than edit them'})
}

/**
 * The files of a bundle must come from one fit: the vocabulary must give the feature columns the
 * manifest lists, and the detector must have been fitted on that many. A folder whose files were
 * mixed from two fits would otherwise score garbage, or fail deep inside a detector.
 */
function checkConsistent(dir: string, manifest: BundleManifest, vocabulary: Vocabulary, detector: DetectorJSON): void {
  const hint = 'the files of a model folder belong together; refit with flare detect --save-model DIR'
  const columns = featureColumns(vocabulary, manifest.features)
  const listed = manifest.feature_columns
  if (columns.length !== listed.length || columns.some((c, j) => c !== listed[j])) {
    const j = columns.findIndex((c, k) => c !== listed[k])
    const at = j < 0 ? `${columns.length} columns, bundle.json lists ${listed.length}` : `column ${j + 1} is ${columns[j] ?? 'missing'}, bundle.json says ${listed[j] ?? 'nothing'}`
    throw new FlareError(`model folder ${dir}: vocab.json does not match bundle.json (${at})`, {exitCode: ExitCode.badInput, hint})
  }
  const fitted = (detector as {state?: {nFeatures?: unknown}} | null)?.state?.nFeatures
  if (typeof fitted === 'number' && fitted !== listed.length) {
    throw new FlareError(`model folder ${dir}: detector.json was fitted on ${fitted} features, bundle.json lists ${listed.length}`, {exitCode: ExitCode.badInput, hint})
  }
}
