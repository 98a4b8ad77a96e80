import type {ReaderInput} from './ingest/reader.js'
import {ExitCode, FlareError} from './errors.js'
import {DETECTION_SAMPLE, detectFormat, FORMATS, type IngestWarning} from './ingest/index.js'
import {fetchLines} from './ingest/spool.js'
import type {ModelBundle} from './model-bundle.js'
import {SessionLists} from './sessions/lists.js'
import type {Session, Sessions} from './sessions/store.js'

/**
 * Does a log fit a saved model? A model knows the sessions it was fitted on and nothing else:
 * scored on another kind of log (another format, another session key, mostly templates it never
 * saw), every session looks anomalous and the results are noise. These checks run before scoring
 * and say so, with what to do instead.
 */

/** Above this share of events with templates the model never saw, a warning. */
export const UNSEEN_WARN_SHARE = 0.1
/** Above this share the log is not the kind the model knows: refused. */
export const UNSEEN_REFUSE_SHARE = 0.5
/** Below this share of sample lines in the model's format, the log is another kind: refused. */
export const FORMAT_MATCH_MIN = 0.5

const refit = (input: string, extra = ''): string => `score it with a model fitted on this kind of log: flare detect -i ${input}${extra} --save-model DIR`

/**
 * `--session-key`/`--format` given with `--model` are honoured when they agree with the model and
 * refused otherwise: the detector only knows sessions cut the way it was fitted on.
 */
export function checkModelOptions(model: ModelBundle, options: {sessionKey?: string; format?: string; windowMs?: number; input: string}): IngestWarning[] {
  const m = model.manifest
  if (options.sessionKey !== undefined && options.sessionKey !== 'auto' && options.sessionKey !== m.session_key) {
    throw new FlareError(`--session-key ${options.sessionKey} does not fit the model: it was fitted on sessions by ${m.session_key}, and its detector only knows what those look like`, {
      exitCode: ExitCode.usage,
      hint: `drop --session-key to score sessions by ${m.session_key}, or ${refit(options.input, ` --session-key ${options.sessionKey}`)}`,
    })
  }
  if (options.format !== undefined && options.format !== 'auto' && options.format !== m.format) {
    throw new FlareError(`--format ${options.format} does not fit the model: it was fitted on ${m.format} logs, whose templates it knows`, {
      exitCode: ExitCode.usage,
      hint: `drop --format to read the log as ${m.format}, or ${refit(options.input, ` --format ${options.format}`)}`,
    })
  }
  const warnings: IngestWarning[] = []
  if (m.session_key === 'window' && options.windowMs !== undefined && options.windowMs !== m.window_ms) {
    warnings.push(fitWarning(`--window ${options.windowMs} ms differs from the model's ${m.window_ms} ms: counts per window scale with its length, so expect more (longer) or fewer (shorter) flagged windows`))
  }
  return warnings
}

/** The first lines of the input must mostly be in the model's format (a JSON log scored by an HDFS model is refused). */
export async function checkModelFormat(model: ModelBundle, path: ReaderInput, inputName: string): Promise<void> {
  if (!formatOf(model)) return
  checkFormatSample(model, [...(await fetchLines(path, Array.from({length: DETECTION_SAMPLE}, (_, i) => i + 1))).values()], inputName)
}

/** The model's format when lines can be told apart by it (generic text matches anything: undefined). */
function formatOf(model: ModelBundle): (typeof FORMATS)[number] | undefined {
  const format = FORMATS.find((f) => f.name === model.manifest.format)
  return format === undefined || format.specificity === 0 ? undefined : format
}

/**
 * checkModelFormat on lines at hand (a live stream's first DETECTION_SAMPLE lines): refused when
 * fewer than FORMAT_MATCH_MIN of the non-blank ones are in the model's format. `refitOn`: the
 * input to name in the hint (a stream has no file to name: `fitOn` says what to fit on instead).
 */
export function checkFormatSample(model: ModelBundle, sample: readonly string[], inputName: string, refitOn = inputName): void {
  const format = formatOf(model)
  if (!format) return
  const formatName = format.name
  const lines = sample.filter((l) => l.trim().length > 0)
  if (lines.length === 0) return
  const matched = lines.filter((l) => format.matches(l)).length
  if (matched / lines.length >= FORMAT_MATCH_MIN) return
  const looks = detectFormat(lines).format.name
  throw new FlareError(
    `${inputName} does not fit the model: it was fitted on ${formatName} logs, but only ${matched} of the first ${lines.length} lines are ${formatName}${looks !== formatName ? ` (the log looks like ${looks})` : ''}`,
    {exitCode: ExitCode.badInput, hint: refit(refitOn)},
  )
}

export interface VocabularyFit {
  events: number
  /** Events whose template is not a column of the model's vocabulary. */
  unseenEvents: number
  /** Distinct templates of the log that the model never saw. */
  unseenTemplates: number
  templates: number
}

/** How much of the log the model's vocabulary covers. */
export function vocabularyFit(model: ModelBundle, sessions: Sessions, idOf: (templateIndex: number) => string): VocabularyFit {
  const known = model.vocabulary.index
  let events = 0
  let unseenEvents = 0
  const seen = new Set<number>()
  const unseen = new Set<number>()
  const lists = new SessionLists()
  for (const s of sessions) {
    s.readLists(lists, false)
    const t = lists.templates
    for (let k = 0; k < lists.templateWords; k += 3) {
      const count = t[k + 1]
      events += count
      seen.add(t[k])
      if (!known.has(idOf(t[k]))) {
        unseenEvents += count
        unseen.add(t[k])
      }
    }
  }
  return {events, unseenEvents, unseenTemplates: unseen.size, templates: seen.size}
}

/** Refuses a log most of whose events the model has never seen; warns when a notable share is new. */
export function checkVocabularyFit(model: ModelBundle, fit: VocabularyFit, inputName: string): IngestWarning[] {
  if (fit.events === 0) return []
  const share = fit.unseenEvents / fit.events
  const pct = `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`
  const what = `${pct} of its events (${fit.unseenTemplates} of ${fit.templates} templates) are templates the model (fitted on ${model.manifest.training.input}) never saw`
  if (share > UNSEEN_REFUSE_SHARE) {
    throw new FlareError(`${inputName} does not fit the model: ${what}, so nearly every session would look anomalous`, {exitCode: ExitCode.badInput, hint: refit(inputName)})
  }
  if (share > UNSEEN_WARN_SHARE) return [fitWarning(`${what}; sessions with them score as anomalous. If the log's normal behaviour has changed, refit the model on a recent normal period.`)]
  return []
}

/**
 * The ingest warning channel carries these too (the command prints every warning the same way);
 * its code list belongs to ingest, so a model-fit warning reuses the shape, not a listed code.
 */
function fitWarning(message: string): IngestWarning {
  return {code: 'model-fit', message} as unknown as IngestWarning
}
