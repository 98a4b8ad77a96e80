import {BaseDetector, hasMembers, type Detector} from './detect/detector.js'
import {expandRows, type UniqueRows} from './detect/dedupe.js'
import {checkDetectorFitsSessions, checkWindowFeatures, defaultDetectorFor, registryFor, type DetectorMaker} from './detect/catalog.js'
import {WindowRate, type WindowContext} from './detect/window-rate.js'
import {ExitCode, FlareError} from './errors.js'
import {evaluateLabels, labelledAny, type LabelList} from './evaluate/metrics.js'
import {buildFeatures, buildUniqueFeatures, featureColumns} from './features/build.js'
import {editedFeatures, resolveFeatures, type FeatureConfig, type FeatureEdits} from './features/config.js'
import {columnSlice, type FeatureMatrix} from './features/matrix.js'
import {Vocabulary} from './features/vocabulary.js'
import type {DraftIncident, IncidentOptions} from './incidents/build.js'
import type {IngestWarning} from './ingest/index.js'
import {openInput, type OpenedInput} from './ingest/input.js'
import {fetchLines} from './ingest/spool.js'
import {collectFully} from './io/full-collection.js'
import {mine, type MineResult, type MineVisitor} from './mining/mine.js'
import type {BundleManifest, ModelBundle} from './model-bundle.js'
import {expectedStreams} from './model-streams.js'
import {ResultsEnvelope, withAnomalyRows, type Anomaly, type Evaluation, type Incident, type Results} from './results.js'
import {sessionAt, SessionStore, type Session, type SessionKeyMode, type Sessions} from './sessions/store.js'
import {sessionIds} from './sessions/ids.js'
import type {StreamField} from './sessions/streams.js'
import type {LineBins} from './sessions/line-bins.js'
import type {LineEdges} from './sessions/line-edges.js'
import {terminalTemplateIds} from './sessions/terminal.js'
import {unassignedSummary, unassignedWarnings, type UnassignedLines} from './sessions/unassigned.js'
import {FLARE_VERSION} from './version.js'
import {Redactor} from './explain/redact.js'
import {setAsideClientBursts} from './incidents/client-bursts.js'
import type {TemplateMinerOptions} from './templates/config.js'

export type Stage = 'read' | 'labels' | 'features' | 'fit' | 'score' | 'incidents' | 'samples' | 'evaluate'

export interface DetectOptions {
  /** Path, .gz path, or `-` for stdin. */
  input: string
  format?: string
  /** Parser settings (the config file's) for a new miner; a model's miner keeps its own. */
  parser?: TemplateMinerOptions
  sessionKey?: SessionKeyMode
  windowMs?: number
  stepMs?: number
  /** Split windows into streams by these fields; 'auto' (default): by host when the log names 2-32 hosts. */
  by?: StreamField[] | 'auto'
  /** Stop with an error beyond this many sessions (default DEFAULT_MAX_SESSIONS in sessions/store.ts). */
  maxSessions?: number
  /** Undefined: invariants-mining for id sessions, window-rate for time windows (defaultDetectorFor). */
  detector?: string
  detectorParams?: Record<string, unknown>
  contamination?: number
  features?: FeatureConfig
  /** Without `features`: changes to the recommendation of the detector the run resolves (auto: by the session key). */
  featureEdits?: FeatureEdits
  labelsPath?: string
  /** Score with a fitted bundle instead of fitting (template state, vocabulary, detector). */
  model?: ModelBundle
  incidents?: Partial<IncidentOptions>
  onStage?: (stage: Stage, detail?: string) => void
  onProgress?: (lines: number, bytesRead: number, totalBytes?: number) => void
  onWarning?: (warning: IngestWarning) => void
  signal?: AbortSignal
  /** Epoch ms year-less timestamps are dated against (ingest/formats/year.ts). Default: now. */
  now?: number
  /**
   * false: every line goes through the record assembler and the string miner (MineOptions.fast:
   * the reference the fast path is tested against). Default: HDFS logs take the byte fast path
   * and the worker threads, which hand the sessions compact line events.
   */
  fast?: boolean
  /** Worker threads for the fast path (MineOptions.jobs): 0 or undefined = one per core, 1 = none. */
  jobs?: number
  /** Raise one client network's bursts (scans, crawls) as incidents too, not apart (incidents/client-bursts.ts). */
  raiseClientBursts?: boolean
}

export interface DetectOutput {
  results: Results
  bundle: ModelBundle
  mined: MineResult
  sessions: Sessions
  /** The session features as the detector took them (SessionRows). */
  rows: SessionRows
  /** The dense feature matrix, a row per session: made from `rows` on each access (tests, tools). */
  readonly matrix: FeatureMatrix
  scores: Float64Array
  predicted: Uint8Array
  /** Per session: true/false when labelled, undefined otherwise. */
  labels?: LabelList
  /** How the session key was chosen. */
  sessionReason: string
  timings: Record<string, number>
}


/** A label file as a run uses it: each session's label, read once (see labelSessions). */
export interface SessionLabels {
  /** Per session: true/false when its id is labelled, undefined otherwise. */
  bySession: LabelList
  /** Distinct ids the file labels (some may name no session of this log). */
  count: number
}

/** What every consumer of one input shares: the mined templates, the sessions and the labels. */
export interface PreparedInput {
  /** As given (`-` for stdin). */
  input: string
  /** Display name: the path, or <stdin>. */
  inputName: string
  /** The input, opened once for the run: every pass reads through it (streams are spooled). */
  source: OpenedInput
  mined: MineResult
  sessions: Sessions
  /** The session key actually used (auto resolved), and how it reads in a summary. */
  sessionKey: string
  sessionDescription: string
  sessionReason: string
  windowMs: number
  stepMs: number
  /** Sliding windows (step < window): each line once, by stream, template and time (incidents count lines with it). */
  lineBins?: LineBins
  /** Timed windows: each stream's first and last line per step and template (where a silence's incident starts and ends). */
  lineEdges?: LineEdges
  /** Windows: the fields they were split into streams by (empty: one stream). */
  streamBy: StreamField[]
  /** With a label file: each session's label (see labelSessions). */
  labels?: SessionLabels
  labelsPath?: string
  /** Records with no id of the session key: in no session, not scored (warned about). */
  unassigned: UnassignedLines
  /** Template index (pipeline-local) → stable template id. */
  idOf: (templateIndex: number) => string
  /** Closes the input (and removes a spool file); call once when done. */
  cleanup: () => Promise<void>
}

/** Lines from which a read (and its labels) ends with a full collection (below, what it leaves behind is small). */
const FULL_COLLECTION_LINES = 1_000_000
/** Labelled ids from which reading them onto the sessions ends with a full collection. */
const FULL_COLLECTION_LABELS = 250_000

export type PrepareOptions = Pick<DetectOptions, 'input' | 'format' | 'parser' | 'sessionKey' | 'windowMs' | 'stepMs' | 'by' | 'maxSessions' | 'labelsPath' | 'model' | 'onStage' | 'onProgress' | 'onWarning' | 'signal' | 'now' | 'fast' | 'jobs'>

/**
 * Stage one: read, mine templates and group sessions, then the labels (the top of their file is
 * checked first, so a malformed one fails before minutes of parsing). A sweep calls this once and
 * fits every detector on the result.
 */
export async function prepareInput(options: PrepareOptions): Promise<PreparedInput & {timings: Record<string, number>}> {
  // (the label reader, the model checks and each kind of incidents load only for a run that uses them: start-up time)
  const labelReader = options.labelsPath ? await import('./evaluate/labels.js') : undefined
  // The label file's top is checked now (a wrong file fails before the long read), and the labels
  // are read after it, straight onto the sessions: nothing of them is held through the read.
  if (labelReader && options.labelsPath) await labelReader.checkLabels(options.labelsPath)

  const source = await openInput(options.input, {signal: options.signal})
  const cleanup = () => source.close()
  try {
    const model = options.model
    // No window given: the session store picks one from the timestamps (window mode only).
    const windowMs = options.windowMs ?? model?.manifest.window_ms
    const stepMs = options.stepMs ?? model?.manifest.step_ms
    const sessionKey = options.sessionKey ?? (model?.manifest.session_key as SessionKeyMode | undefined) ?? 'auto'
    // (a model's windows are split as at its fit: nothing re-decided from this log's sample)
    const by = (options.by === 'auto' ? undefined : options.by) ?? model?.manifest.window_by ?? 'auto'
    const store = new SessionStore({mode: sessionKey, windowMs, stepMs, by, expectedStreams: model ? expectedStreams(model, by) : undefined, maxSessions: options.maxSessions})
    const inputName = options.input === '-' ? '<stdin>' : options.input
    // A model scores only logs like the one it was fitted on: check before the long read.
    const fit = model ? await import('./model-fit.js') : undefined
    const fitWarnings = model && fit ? fit.checkModelOptions(model, {...options, input: inputName}) : []
    if (model && fit) await fit.checkModelFormat(model, source, inputName)

    options.onStage?.('read')
    const t0 = performance.now()
    const mined = await mine(
      {input: source, format: options.format ?? (model ? model.manifest.format : 'auto'), miner: model?.miner, parser: options.parser, onWarning: options.onWarning, signal: options.signal, now: options.now, onProgress: (p) => options.onProgress?.(p.lines, p.bytesRead, p.totalBytes), fast: options.fast, jobs: options.jobs},
      sessionSink(store),
    )
    const readMs = Math.round(performance.now() - t0)
    // (the store's lookups by id stay for the labels, which are read onto the sessions through them)
    const sessions = store.finish({keepLookups: labelReader !== undefined})
    if (mined.records === 0) {
      throw new FlareError(`no log records in ${options.input === '-' ? 'stdin' : options.input}`, {exitCode: ExitCode.badInput, hint: 'the input is empty or holds only blank lines'})
    }
    if (sessions.length === 0) {
      const hint = model ? `the model scores sessions by ${store.resolved}; score this log with a model fitted on it: flare detect -i ${inputName} --save-model DIR` : 'try --session-key auto or --session-key window'
      throw new FlareError(`no sessions: none of the ${mined.records} records carries a ${store.resolved} id`, {exitCode: ExitCode.badInput, hint})
    }
    // A large read leaves its read buffers, its workers' slots and the store's lookups by id
    // (~80 bytes a session) unreachable: collected now, before the stages after it allocate on top
    // of them (see full-collection.ts). With labels, the lookups stay until the labels are read
    // onto the sessions, and go with a second collection.
    const large = mined.lines >= FULL_COLLECTION_LINES
    if (large) collectFully()
    const idOf = (index: number): string => mined.templates[index].id
    // (before the labels: a model's warnings may say why no label matches, e.g. another session key)
    if (model && fit) fitWarnings.push(...fit.checkVocabularyFit(model, fit.vocabularyFit(model, sessions, idOf), inputName))
    for (const w of fitWarnings) options.onWarning?.(w)
    const unassigned = {lines: store.unassigned, errors: store.unassignedErrors}
    for (const w of unassignedWarnings(unassigned, store.resolved ?? 'auto')) options.onWarning?.(w)
    let labels: SessionLabels | undefined
    let labelsMs = 0
    if (labelReader && options.labelsPath) {
      options.onStage?.('labels')
      const t1 = performance.now()
      const {idColumn, ...read} = await labelSessions(labelReader, options.labelsPath, store, sessions)
      if (!labelledAny(read.bySession)) {
        throw labelReader.noSessionLabelled(sessions.length, store.describe(), sessions.at(0)?.id, options.labelsPath, idColumn)
      }
      labels = read
      labelsMs = Math.round(performance.now() - t1)
      store.release()
      // (with the ids of no session, a full label file against a small log leaves tens of MB)
      if (large || labels.count >= FULL_COLLECTION_LABELS) collectFully()
    }
    return {
      input: options.input,
      inputName,
      source,
      mined,
      sessions,
      sessionKey: store.resolved ?? 'auto',
      sessionDescription: store.describe(),
      sessionReason: store.windowReason ? `${store.reason}; ${store.windowReason}` : store.reason,
      windowMs: store.windowMs,
      stepMs: store.stepMs,
      lineBins: store.lineBins,
      lineEdges: store.lineEdges,
      streamBy: store.streamed ? store.streamFields : [],
      labels,
      labelsPath: options.labelsPath,
      unassigned,
      idOf,
      cleanup,
      timings: {read_ms: readMs, ...(labels ? {labels_ms: labelsMs} : {})},
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/**
 * What mine() hands records and line events to. Made here, not in prepareInput: the closures of a
 * function share one context, and prepareInput returns one (cleanup) that lives the whole run — a
 * closure there naming the store would keep the store (its id map, ~80 bytes a session) alive.
 */
function sessionSink(store: SessionStore): MineVisitor {
  return {record: (record, index) => store.add(record, index), events: (batch) => store.addBatch(batch), partials: store}
}

/** Warns when the input changed under the run (truncated, rotated, deleted): the results stand, for the file as opened. */
export async function reportInputChanges(prepared: Pick<PreparedInput, 'source'>, onWarning?: (warning: IngestWarning) => void): Promise<void> {
  for (const message of await prepared.source.changes()) onWarning?.({code: 'input-changed', message})
}

/** Session feature vectors; the vocabulary is fitted on these sessions unless one is given (a model's). */
export function sessionFeatures(prepared: PreparedInput, features: FeatureConfig, vocabulary?: Vocabulary): {vocabulary: Vocabulary; matrix: FeatureMatrix} {
  const vocab = vocabulary ?? Vocabulary.fit(prepared.sessions, prepared.idOf, features.maxBigrams)
  return {vocabulary: vocab, matrix: buildFeatures(prepared.sessions, vocab, features, prepared.idOf)}
}

/**
 * Each session's label from the label file at `path`, its rows read straight onto the sessions
 * through the store's lookups by id (SessionStore.labelSink): no table of every id is made, and
 * the labels serve every evaluation and the caller.
 */
async function labelSessions(reader: typeof import('./evaluate/labels.js'), path: string, store: SessionStore, sessions: Sessions): Promise<SessionLabels & {idColumn: string}> {
  const set = await reader.readLabelsInto(path, () => store.labelSink())
  return {bySession: set.labels.labelsOf(sessions), count: set.labels.size, idColumn: set.idColumn}
}

/** Precision/recall/F1 of per-session predictions against the prepared labels (none without labels). */
export function evaluatePredictions(prepared: PreparedInput, predicted: Uint8Array): {evaluation?: Evaluation; labels?: LabelList} {
  const labels = prepared.labels
  if (!labels) return {}
  return {evaluation: evaluateLabels(labels.bySession, predicted, labels.count), labels: labels.bySession}
}

/**
 * Session features: a dense matrix (a row per session), or for a detector that fits on distinct
 * rows (BaseDetector.fitsDistinctRows) those rows and each session's row among them: at a million
 * sessions a dense row each is hundreds of megabytes, the distinct rows a few hundred.
 */
export type SessionRows = FeatureMatrix | UniqueRows

function isUnique(rows: SessionRows): rows is UniqueRows {
  return 'inverse' in rows
}

/** The dense matrix, a row per session. */
export function denseRows(rows: SessionRows): FeatureMatrix {
  return isUnique(rows) ? expandRows(rows) : rows
}

function takesDistinctRows(detector: Detector): boolean {
  return detector instanceof BaseDetector && detector.fitsDistinctRows
}

/** Scores and the 0/1 prediction (score strictly above the fitted threshold) for every row. */
export function scoreSessions(detector: Detector, X: SessionRows): {scores: Float64Array; predicted: Uint8Array} {
  let scores: Float64Array
  if (!isUnique(X)) scores = detector.score(X)
  else scores = detector instanceof BaseDetector ? detector.scoreUnique(X) : detector.score(expandRows(X))
  const predicted = new Uint8Array(scores.length)
  for (let i = 0; i < scores.length; i++) predicted[i] = scores[i] > detector.threshold ? 1 : 0
  return {scores, predicted}
}

/** The manifest of a bundle fitted on `prepared`. */
export function bundleManifest(prepared: Pick<PreparedInput, 'sessionKey' | 'windowMs' | 'stepMs' | 'streamBy' | 'inputName' | 'idOf'> & {mined: Pick<MineResult, 'format' | 'lines'>; sessions: Sessions}, fitted: {features: FeatureConfig; vocabulary: Vocabulary; detector: Detector}, created = new Date().toISOString()): BundleManifest {
  const gap = prepared.sessionKey === 'window' ? undefined : sessionGapMs(prepared.sessions)
  // Id sessions: the templates that always end one (live detection closes a session on them).
  const terminal = prepared.sessionKey === 'window' ? undefined : terminalTemplateIds(prepared.sessions, prepared.idOf)
  return {
    kind: 'flare-model',
    version: 1,
    flare_version: FLARE_VERSION,
    created,
    format: prepared.mined.format,
    session_key: prepared.sessionKey,
    window_ms: prepared.windowMs,
    step_ms: prepared.stepMs,
    ...(prepared.sessionKey === 'window' ? {window_by: prepared.streamBy} : {}),
    features: fitted.features,
    detector: fitted.detector.name,
    threshold: fitted.detector.threshold,
    feature_columns: featureColumns(fitted.vocabulary, fitted.features),
    training: {input: prepared.inputName, sessions: prepared.sessions.length, lines: prepared.mined.lines},
    ...(gap === undefined ? {} : {session_gap_ms: gap}),
    ...(terminal === undefined ? {} : {terminal_templates: terminal}),
  }
}

/**
 * The longest quiet gap inside a session that is not a rare outlier: the 99.9th percentile of the
 * sessions' longest gaps between consecutive events (undefined without sessions).
 */
export function sessionGapMs(sessions: Sessions): number | undefined {
  if (sessions.length === 0) return undefined
  const gaps = new Float64Array(sessions.length)
  for (let i = 0; i < sessions.length; i++) gaps[i] = sessionAt(sessions, i).gapMax
  gaps.sort()
  return gaps[Math.min(gaps.length - 1, Math.floor(0.999 * gaps.length))]
}

/**
 * The one detection pipeline: read → templates → sessions → features → detector → incidents →
 * (evaluation). Commands, the server and the sweep all call this (the sweep through its stages).
 */
export async function detect(options: DetectOptions): Promise<DetectOutput> {
  const started = performance.now()
  // a time-window detector on id sessions: refused before the read when the key is given, after it when auto resolves it
  if (options.detector && !options.model) checkDetectorFitsSessions(options.detector, options.sessionKey ?? 'auto', options.detectorParams)
  if (options.detector && !options.model) checkWindowFeatures(options.detector, options.features && resolveFeatures(options.features), options.detectorParams)
  const prepared = await prepareInput(options)
  const timings: Record<string, number> = {...prepared.timings}
  const lap = (name: string, t0: number): void => void (timings[name] = Math.round(performance.now() - t0))
  try {
    const {mined, sessions, idOf} = prepared
    const model = options.model
    const detectorName = options.detector ?? defaultDetectorFor(prepared.sessionKey)
    if (!model) checkDetectorFitsSessions(detectorName, prepared.sessionKey, options.detectorParams)

    options.onStage?.('features', `${sessions.length} sessions`)
    let t0 = performance.now()
    let fitted: FittedDetection
    if (model) {
      fitted = scoringDetection(prepared, model)
      lap('features_ms', t0)
    } else {
      fitted = fitDetection(prepared, {...options, detector: detectorName}, await registryFor(detectorName), {
        onFeatures: () => {
          lap('features_ms', t0)
          options.onStage?.('fit')
          t0 = performance.now()
        },
      })
      lap('fit_ms', t0)
    }
    const {features, vocabulary, detector, rows: X} = fitted
    options.onStage?.('score')
    t0 = performance.now()
    const {scores, predicted} = scoreSessions(detector, X)
    // a fitted model keeps the normal profile its batch incidents are described against (live uses it)
    if (!model) vocabulary.fitNormalProfile(sessions, predicted, idOf)
    lap('score_ms', t0)

    options.onStage?.('incidents')
    t0 = performance.now()
    const templateText = (index: number): string => mined.miner.template(idOf(index))?.template ?? idOf(index)
    let drafts: DraftIncident[]
    if (detector instanceof WindowRate) {
      const templateOfColumn = columnTemplates(prepared, fitted.columnIds ?? vocabulary.templateIds)
      const {buildWindowIncidents} = await import('./incidents/windows.js')
      drafts = buildWindowIncidents({sessions, episodes: detector.episodes(), windowMs: prepared.windowMs, stepMs: prepared.stepMs, lines: prepared.lineBins, edges: prepared.lineEdges, templateOfColumn, templates: mined.templates, templateText, normalRate: (stream, column) => detector.normalRate(stream, column), sampleLines: options.incidents?.sampleLines})
    } else {
      const {buildIncidents} = await import('./incidents/build.js')
      drafts = buildIncidents({sessions, scores, anomalous: predicted, X: incidentFeatures(isUnique(X) ? X.unique : X), rowOf: isUnique(X) ? X.inverse : undefined, templates: mined.templates, templateText, options: options.incidents})
    }
    lap('incidents_ms', t0)

    options.onStage?.('samples')
    t0 = performance.now()
    const texts = await fetchLines(prepared.source, drafts.flatMap((d) => d.pending.map((p) => p.line)))
    const {describedTemplate, profileParameters} = await import('./incidents/parameters.js')
    const profiles = await profileParameters(drafts, {source: prepared.source, format: mined.format, miner: mined.miner, sessions, streamBy: prepared.streamBy})
    await reportInputChanges(prepared, options.onWarning)
    // A password or key a log line holds is masked in the document (the table, -o, --json, serve,
    // MLflow's results.json), with one numbering per incident; the log itself keeps it.
    const described: Incident[] = drafts.map(({pending, quiet: _quiet, ...d}, i) => {
      const mask = new Redactor({personal: false})
      const redact = (text: string): string => mask.redact(text)
      return {...d, templates: d.templates.map((t) => describedTemplate(t, profiles.incidents[i].parameters.get(t.id), redact)), sample_lines: pending.map((p) => ({...p, text: redact(texts.get(p.line) ?? '')}))}
    })
    const {raised: incidents, bursts} = options.raiseClientBursts ? {raised: described, bursts: []} : setAsideClientBursts(described, profiles.incidents.map((p, i) => (drafts[i].quiet ? undefined : p.clients)), profiles.clients)
    lap('samples_ms', t0)

    if (prepared.labels) options.onStage?.('evaluate')
    const {evaluation, labels} = evaluatePredictions(prepared, predicted)

    const anomalyCount = predicted.reduce((a, b) => a + b, 0)
    const envelope = ResultsEnvelope.parse({
      version: 1,
      summary: {
        input: prepared.inputName,
        lines: mined.lines,
        parsed: mined.records,
        skipped: mined.skipped,
        ...unassignedSummary(prepared.unassigned),
        sessions: sessions.length,
        anomalies: anomalyCount,
        incidents: incidents.length,
        ...(bursts.length > 0 ? {client_bursts: bursts.length} : {}),
        templates: mined.miner.size,
        format: mined.format,
        session_key: prepared.sessionDescription,
        detector: detector.name,
        threshold: round(detector.threshold),
        elapsed_ms: Math.round(performance.now() - started),
      },
      incidents,
      ...(bursts.length > 0 ? {client_bursts: bursts} : {}),
      ...(evaluation ? {evaluation} : {}),
    })
    const results: Results = withAnomalyRows(envelope, sessions.length, anomalyRow(sessions, scores, predicted))
    return {
      results,
      bundle: fittedBundle(model?.manifest, {sessionKey: prepared.sessionKey, windowMs: prepared.windowMs, stepMs: prepared.stepMs, streamBy: prepared.streamBy, inputName: prepared.inputName, idOf, mined, sessions}, {features, vocabulary, detector}),
      mined,
      sessions,
      rows: X,
      get matrix() {
        return denseRows(X)
      },
      scores,
      predicted,
      labels,
      sessionReason: prepared.sessionReason,
      timings,
    }
  } finally {
    await prepared.cleanup()
  }
}

/**
 * A session's row of the results (an id, a finite rounded score, a flag, a count), valid by
 * construction: not copied by a schema parse, and made only when read (withAnomalyRows). Made
 * here, apart from detect(), so that it keeps the ids and counts it needs, not the sessions (a
 * closure of detect() would share its context, and keep them and the feature rows too).
 */
function anomalyRow(sessions: Sessions, scores: Float64Array, predicted: Uint8Array): (i: number) => Anomaly {
  const idOf = sessionIds(sessions)
  const events = new Int32Array(sessions.length) // (an Int32 in a session's slot too)
  for (let i = 0; i < sessions.length; i++) events[i] = sessionAt(sessions, i).events
  return (i) => ({session_id: idOf(i), score: round(scores[i]), is_anomaly: predicted[i] === 1, event_count: events[i]})
}

/**
 * The bundle of a run: the model's manifest, or one made when first read (--save-model,
 * tracking): a fitted manifest's session gap and terminal templates read every session (half a
 * second at half a million), which most runs never need. Its `created` is the fit's time.
 */
function fittedBundle(given: BundleManifest | undefined, fittedOn: Parameters<typeof bundleManifest>[0] & {mined: Pick<MineResult, 'miner'>}, fitted: Parameters<typeof bundleManifest>[1]): ModelBundle {
  const created = new Date().toISOString()
  let manifest = given
  return {
    get manifest(): BundleManifest {
      return (manifest ??= bundleManifest(fittedOn, fitted, created))
    },
    miner: fittedOn.mined.miner,
    vocabulary: fitted.vocabulary,
    detector: fitted.detector,
  }
}

/** What fitting and scoring need of a prepared input (a live stream's training stretch has the same). */
export type DetectionInput = Pick<PreparedInput, 'sessions' | 'idOf' | 'sessionKey' | 'stepMs'> & {mined: Pick<MineResult, 'templates' | 'miner'>}

export interface FittedDetection {
  features: FeatureConfig
  vocabulary: Vocabulary
  detector: Detector
  rows: SessionRows
  /** Template id of each column the detector scored, when more than the vocabulary's (templates a model never saw). */
  columnIds?: string[]
}

/**
 * Vocabulary, features and a detector fitted on `input`'s sessions (what detect does without
 * --model). `registry`: registry.ts's, or catalog.ts's registryFor(detector) (that one's module alone).
 */
export function fitDetection(input: DetectionInput, options: Pick<DetectOptions, 'detector' | 'detectorParams' | 'contamination' | 'features' | 'featureEdits'>, registry: DetectorMaker, hooks: {onFeatures?: () => void} = {}): FittedDetection {
  const detectorName = options.detector ?? defaultDetectorFor(input.sessionKey)
  const features = resolveFeatures(options.features ?? editedFeatures(registry.features(detectorName, options.detectorParams), options.featureEdits))
  checkWindowFeatures(detectorName, features, options.detectorParams)
  const vocabulary = Vocabulary.fit(input.sessions, input.idOf, features.maxBigrams)
  const params = {...options.detectorParams}
  if (options.contamination !== undefined) params.contamination = options.contamination
  const detector = registry.create(detectorName, params)
  const rows = sessionRows(input, vocabulary, features, detector)
  hooks.onFeatures?.()
  giveContext(detector, input, vocabulary)
  if (isUnique(rows)) (detector as BaseDetector).fitUnique(rows)
  else detector.fit(rows)
  return {features, vocabulary, detector, rows}
}

/** The sessions' features, as distinct rows when the detector fits and scores on those. */
function sessionRows(input: DetectionInput, vocabulary: Vocabulary, features: FeatureConfig, detector: Detector): SessionRows {
  return takesDistinctRows(detector) ? buildUniqueFeatures(input.sessions, vocabulary, features, input.idOf) : buildFeatures(input.sessions, vocabulary, features, input.idOf)
}

/** A fitted model's features of `input`'s sessions, its detector ready to score them. */
export function scoringDetection(input: DetectionInput, model: ModelBundle): FittedDetection {
  const features = model.manifest.features
  const detector = model.detector
  // Windows scored one by one against the model's profiles also see the templates it never saw:
  // a column each (batch detect --model and the live engine alike: this is where both score).
  const columns = detector instanceof WindowRate && detector.scoresWindowsAlone ? model.vocabulary.withColumns(model.vocabulary.unseenIn(input.sessions, input.idOf)) : model.vocabulary
  const rows = sessionRows(input, columns, features, detector)
  giveContext(detector, input, columns)
  return {features, vocabulary: model.vocabulary, detector, rows, columnIds: columns.templateIds}
}

/** Feature column (template id) → pipeline template index (−1 when the template does not occur in this log). */
function columnTemplates(prepared: DetectionInput, ids: readonly string[]): number[] {
  const indexOf = new Map(prepared.mined.templates.map((t, i) => [t.id, i]))
  return ids.map((id) => indexOf.get(id) ?? -1)
}

/**
 * What a detector must know of the rows beyond their features, given before it fits or scores
 * them: window-rate, each row's stream and window and each column's template (`vocabulary`: the
 * one the rows' columns were built from). Every fit goes through here (detect, a sweep's
 * children, a model's scoring), and an ensemble passes it on to its members: without it
 * window-rate takes the rows as one stream of unlevelled templates, and scores them otherwise
 * than `flare detect -d window-rate` does.
 */
export function giveContext(detector: Detector, input: DetectionInput, vocabulary: Vocabulary): void {
  if (detector instanceof WindowRate) detector.setContext(windowContext(input, vocabulary))
  else if (hasMembers(detector)) detector.prepareMembers((member) => giveContext(member, input, vocabulary))
}

/** What window-rate must know: each row's stream and window, each column's template. */
function windowContext(prepared: DetectionInput, vocabulary: Vocabulary): WindowContext {
  const {mined, sessions} = prepared
  const columns = columnTemplates(prepared, vocabulary.templateIds).map((index, j) => {
    if (index < 0) return {text: mined.miner.template(vocabulary.templateIds[j])?.template ?? vocabulary.templateIds[j]}
    const meta = mined.templates[index]
    return {level: meta.level, component: meta.component, text: mined.miner.template(meta.id)?.template ?? meta.id}
  })
  return {
    streams: Array.from(sessions, (s) => s.stream ?? ''),
    windowStart: Array.from(sessions, (s, i) => s.windowStart ?? i),
    stepMs: prepared.sessionKey === 'window' && sessions.at(0)?.windowStart !== undefined ? prepared.stepMs : 1,
    columns,
  }
}

/**
 * The columns incidents are clustered and explained on: for an ensemble's side-by-side member
 * blocks, the widest one (names without the member prefix), so no column counts twice.
 */
function incidentFeatures(X: FeatureMatrix): FeatureMatrix {
  if (!X.blocks) return X
  let start = 0
  let best = {start: 0, width: 0}
  for (const width of X.blocks) {
    if (width > best.width) best = {start, width}
    start += width
  }
  const view = columnSlice(X, best.start, best.width)
  return {...view, columns: view.columns?.map((c) => c.slice(c.indexOf('/') + 1))}
}

function round(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE
  return Math.round(x * 1e6) / 1e6
}
