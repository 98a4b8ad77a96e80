import type {IngestWarning} from '../ingest/index.js'
import {modelFingerprint, type ModelBundle} from '../model-bundle.js'
import type {Incident} from '../results.js'
import {scoreSessions, scoringDetection} from '../pipeline.js'
import type {SessionKeyMode} from '../sessions/store.js'
import type {StreamField} from '../sessions/streams.js'
import type {TemplateMiner, TemplateMinerOptions} from '../templates/index.js'
import type {IncidentEvent, LiveIncident, LiveLine, ResolvedReason} from './contracts.js'
import {releaseAll} from './line-acks.js'
import {DEFAULT_MAX_LINE} from '../ingest/reader.js'
import {maskSecrets} from '../explain/redact.js'
import {LiveBytes, type LiveByteBatch, type MinedRegion} from './live-bytes.js'
import {expectedStreams} from '../model-streams.js'
import {episodeTemplates, IncidentTracker, resolvedEvent, type OpenIncidentState} from './live-incidents.js'
import {LiveParser, type LiveMiner, type LiveRecord} from './live-parse.js'
import {OpenSessions, type ClosedSession, type SessionCounters, type SessionKeying, type SessionLimits} from './live-sessions.js'
import {TrainingStretch, type TrainFor, type TrainingOptions} from './training.js'
import {CarriedSessions, saveSessions, type SavedSessions} from './session-state.js'
import {defaultIdleMs, ENGINE_DEFAULTS} from './engine-limits.js'

export {defaultIdleMs, ENGINE_DEFAULTS} from './engine-limits.js'

/** Templates unseen in training that get a note each (the rest are counted; see noteUnseen). */
const UNSEEN_NAMED = 50

export interface EngineOptions extends TrainingOptions {
  /** A fitted model to score with; or `trainFor` to fit one on the stream's first stretch. */
  model?: ModelBundle
  trainFor?: TrainFor
  format?: string
  /** Parser settings (--config) for mining without a model; a model mines with the settings it was fitted with. */
  parser?: TemplateMinerOptions
  /** Template state to continue (a restored --state): template ids stay those of the last run. */
  miner?: TemplateMiner
  /**
   * The model fingerprint the restored state was written with (LiveState.model). With `model`, a
   * state written with another model is not used (one warning; mining starts from the model's
   * templates); undefined (not recorded) uses the state as before.
   */
  minerModel?: string
  idleMs?: number
  maxSessionMs?: number
  latenessMs?: number
  maxOpen?: number
  incidentGapMs?: number
  /** First incident number (a restored state continues the numbering). */
  nextIncident?: number
  /** Incidents open when the last run stopped (a restored state): they go on open. */
  openIncidents?: readonly OpenIncidentState[]
  /** Sessions open when the last run stopped (a restored state): they go on open when cut for this model (session-state.ts). */
  openSessions?: SavedSessions
  /** The engine's "now", epoch ms: the wall clock live, the replay's position in a replay. */
  clock?: () => number
  /** Name of the stream for a model trained on it (its manifest's training input). */
  inputName?: string
  onWarning?: (warning: IngestWarning) => void
  onNote?: (note: string) => void
  /** Every scored session (replay evaluates them against labels). */
  onScored?: (scored: ScoredSession) => void
  /** A model fitted on the training stretch (to save it). */
  onTrained?: (bundle: ModelBundle) => void
}

export interface ScoredSession {
  id: string
  score: number
  anomalous: boolean
  /** Event time of its first event, and the engine clock when it closed (epoch ms). */
  firstSeen: number
  closedAt: number
  reason: ClosedSession['reason']
  events: number
}

/** Closed sessions are scored in batches of this many (or when the caller's batch of lines ends). */
const SCORE_BATCH = 512
/** Records held to resolve an automatic session key or stream split, as batch detect samples them. */
const RESOLVE_SAMPLE = 2000
const MAX_AUTO_HOSTS = 32
/** Longer lines take the line path (the reader cuts a line at its own limit anyway). */
export const MAX_LINE_BYTES = DEFAULT_MAX_LINE

export interface EngineStats {
  phase: 'resolving' | 'training' | 'scoring'
  lines: number
  records: number
  trainingRecords: number
  templates: number
  /** Templates first seen after the model was fitted (sessions with them score as unusual). */
  unseenTemplates: number
  openSessions: number
  /** Most sessions open at once so far (bounded by --max-open). */
  maxOpenSessions: number
  sessions: SessionCounters
  scored: number
  anomalous: number
  incidentsOpened: number
  /** Incidents open at the last stop that this run went on with (a restored --state). */
  incidentsResumed: number
  incidentsResolved: number
  openIncidents: number
  watermark: number
}

interface Held {
  closed: ClosedSession
  closedAt: number
}

/**
 * The live detection engine: lines → records and templates (the batch ingest and miner) →
 * sessions on event time → features and the detector (the batch functions) → incidents. It is
 * synchronous and driven only by the records it is given and the clock, so a replay is
 * reproducible at any speed; the runner around it does the waiting, the sources and the sinks.
 */
export class LiveEngine {
  readonly parser: LiveParser
  private model: ModelBundle | undefined
  private training: TrainingStretch | undefined
  private sessions: OpenSessions | undefined
  private tracker: IncidentTracker | undefined
  private held: LiveRecord[] = []
  private toScore: Held[] = []
  private events: IncidentEvent[] = []
  private readonly clock: () => number
  private limits: SessionLimits
  private records = 0
  private scored = 0
  private anomalous = 0
  /** Templates already checked against the vocabulary. */
  private checked = new Set<number>()
  private unseen = new Set<number>()
  /** Newest event time and the newest arrival (wall) time seen: a quiet stream's clock. */
  private lastEvent = Number.NEGATIVE_INFINITY
  private lastArrival = Number.NEGATIVE_INFINITY
  /** Restored incidents (options.openIncidents) until the tracker takes them over (startScoring). */
  private restored: OpenIncidentState[] = []
  /** How many were restored, and how many of them resolved before the tracker took the rest. */
  private resumed = 0
  private resolvedRestored = 0
  /** The first tick's wall time: on a silent stream, restored incidents go quiet from then on. */
  private firstTick: number | undefined
  /** Template indices that end an id session: the model's terminal_templates, as their records arrive (noteUnseen). */
  private readonly terminal = new Set<number>()
  private terminalIds = new Set<string>()
  /** The model's fingerprint (modelFingerprint), recorded in a --state saved from here. */
  private fingerprint: string | undefined
  /** False when the given state (options.miner) was written with another model and not used. */
  readonly stateUsed: boolean
  /** The byte path (ingestBytes), made at its first use. */
  private bytes: LiveBytes | undefined
  /** Records the model was fitted on in the stream (0 with a given model). */
  private trainedOn = 0
  /** options.openSessions until the sessions take them (startScoring); the sessions a stop with 'kept' left open (finish). */
  private carried: CarriedSessions | undefined
  private kept: SavedSessions | undefined

  constructor(private readonly options: EngineOptions) {
    this.clock = options.clock ?? Date.now
    this.model = options.model
    let miner = options.miner
    if (options.model) {
      this.useModel(options.model)
      if (miner && options.minerModel !== undefined && options.minerModel !== this.fingerprint) {
        options.onWarning?.({code: 'state-other-model', message: `the --state file was written with another model (${options.minerModel}; this one is ${this.fingerprint}): its templates are ignored, starting from the model's`})
        miner = undefined
      }
    }
    this.stateUsed = miner !== undefined || options.miner === undefined
    if (this.stateUsed) {
      this.restored = [...(options.openIncidents ?? [])]
      this.resumed = this.restored.length
    }
    else {
      // Their signatures name the other model's templates: nothing of this run can join them.
      // (the wall clock: the engine's own may read the engine, not made yet)
      const at = new Date().toISOString()
      for (const r of options.openIncidents ?? []) this.events.push(resolvedEvent(r.incident, at, 'stopped'))
    }
    const kept = options.model ? new Set(options.model.miner.templates().map((t) => t.id)) : undefined
    this.parser = new LiveParser({format: options.format ?? options.model?.manifest.format, miner: miner ?? options.model?.miner, parser: options.parser, kept, onWarning: options.onWarning})
    if (options.openSessions && miner && options.minerModel === this.fingerprint) this.carried = new CarriedSessions(options.openSessions, this.parser)
    this.limits = {
      idleMs: options.idleMs ?? ENGINE_DEFAULTS.idleMs,
      maxSessionMs: options.maxSessionMs ?? ENGINE_DEFAULTS.maxSessionMs,
      latenessMs: options.latenessMs ?? ENGINE_DEFAULTS.latenessMs,
      maxOpen: options.maxOpen ?? ENGINE_DEFAULTS.maxOpen,
    }
    if (!this.model) this.training = new TrainingStretch(options.trainFor ?? {records: 50_000}, options)
  }

  /** Feeds lines; returns the incident events they caused. */
  ingest(lines: readonly LiveLine[]): IncidentEvent[] {
    const records: LiveRecord[] = []
    for (const line of lines) {
      this.parser.push(line, records)
      if (line.arrivedAt > this.lastArrival) this.lastArrival = line.arrivedAt
    }
    for (const r of records) this.route(r)
    this.scorePending()
    return this.drainEvents()
  }

  /**
   * Feeds a region of complete lines as bytes (buf[start, end), the newline after the last line
   * excluded): the byte path when the stream is an HDFS log scored by block sessions and every
   * line of the region takes it, with the same records, sessions and incidents as ingest() of
   * its lines. Undefined, and nothing done, when the region must go through ingest() instead
   * (still resolving or training, another format or session key, a parser with user rules, a line
   * the byte path does not take). `nextStartsRecord`: false when the line after the region may
   * continue its last record (a stack trace), which the byte path cannot join. `from`: the source
   * and arrival time its lines would have had as LiveLines (a live source; a replay has neither):
   * only that source's held record ends here, and a line without a timestamp is dated by arrival.
   */
  ingestBytes(buf: Buffer, start: number, end: number, nextStartsRecord = true, from?: {source: string; arrivedAt: number}): {events: IncidentEvent[]; lines: number} | undefined {
    const miner = this.takesBytes(nextStartsRecord)
    if (!miner) return undefined
    const bytes = (this.bytes ??= new LiveBytes(MAX_LINE_BYTES))
    const lines = bytes.accept(buf, start, end)
    if (lines === undefined) return undefined
    const arrivedAt = this.beforeBytes(from)
    return {events: this.addBatch(bytes.mine(buf, start, end, this.parser.takeLines(lines), miner, this.parser.templates), arrivedAt), lines}
  }

  /**
   * The miner ingestBytes() would mine a region with now, or undefined when it would decline any
   * region (it then goes through ingest()); see there for `nextStartsRecord`.
   */
  takesBytes(nextStartsRecord = true): LiveMiner | undefined {
    const sessions = this.sessions
    if (!nextStartsRecord || !sessions || this.training || this.held.length > 0 || sessions.keying.mode === 'window') return undefined
    return this.parser.byteMiner
  }

  /**
   * ingestBytes() of a region a worker thread has mined already, when takesBytes() says the
   * region's turn may take the byte path (a replay's worker pool, live-pool.ts): the same records,
   * sessions and incidents. The worker's clusters are counted by the caller (FastMiner.addCount).
   */
  ingestMined(mined: MinedRegion, from?: {source: string; arrivedAt: number}): IncidentEvent[] {
    const arrivedAt = this.beforeBytes(from)
    const bytes = (this.bytes ??= new LiveBytes(MAX_LINE_BYTES))
    return this.addBatch(bytes.readMined(mined, this.parser.takeLines(mined.lines), this.parser.templates), arrivedAt)
  }

  /**
   * The record the line path still holds ends here: what ingestBytes() does first, for a caller
   * that knows the next region will be taken as bytes (live-pool.ts: before judging a worker's
   * templates current, so the held record's new shapes come first, as on one thread).
   */
  flushHeld(): void {
    this.beforeBytes(undefined)
  }

  /** True while the line path holds a record that a region taken as bytes would end (flushHeld). */
  get holdsRecord(): boolean {
    return this.parser.holding
  }

  /** Before a region's records: the record the line path still holds ends where the region's first line starts. */
  private beforeBytes(from: {source: string; arrivedAt: number} | undefined): number {
    const records: LiveRecord[] = []
    this.parser.flush(records, from?.source)
    for (const r of records) this.route(r)
    const arrivedAt = from?.arrivedAt ?? Number.NaN
    if (arrivedAt > this.lastArrival) this.lastArrival = arrivedAt
    return arrivedAt
  }

  /** A region's batch into the sessions; the incident events it caused. */
  private addBatch(read: LiveByteBatch, arrivedAt: number): IncidentEvent[] {
    const sessions = this.sessions!
    const {n, time, template} = read.batch
    sessions.startBatch()
    for (let i = 0; i < n; i++) {
      this.records++
      // As the parser and route(): no timestamp, the arrival time, else the time of the record before it.
      if (!Number.isFinite(time[i])) time[i] = arrivedAt
      if (!Number.isFinite(time[i]) && Number.isFinite(this.lastEvent)) time[i] = this.lastEvent
      if (time[i] > this.lastEvent) this.lastEvent = time[i]
      this.noteUnseen(template[i])
      sessions.addFromBatch(read, i)
    }
    this.scorePending()
    return this.drainEvents()
  }

  /**
   * Whether the first non-blank line of buf[start, end) is a record the byte path takes: the line
   * after a region, which tells ingestBytes whether the region's last record is complete.
   */
  startsRecord(buf: Buffer, start: number, end: number): boolean {
    return (this.bytes ??= new LiveBytes(MAX_LINE_BYTES)).startsWithRecord(buf, start, end)
  }

  /**
   * Live only (a replay never calls it): when no line has arrived for `quietMs` of wall time,
   * event time is taken to move on with the wall clock from the newest event, so idle sessions
   * close and incidents resolve on a quiet stream.
   */
  tick(now: number, quietMs = 2000): IncidentEvent[] {
    if (!this.tracker && this.restored.length > 0) this.expireRestored(now, quietMs)
    const quiet = now - this.lastArrival
    if (this.sessions && quiet >= quietMs && Number.isFinite(this.lastEvent)) {
      this.sessions.advanceTo(this.lastEvent + quiet)
      this.scorePending()
      this.events.push(...this.tracker!.expire(this.sessions.watermark, this.clock()))
    }
    return this.drainEvents()
  }

  /**
   * The end of the stream or a stop: held records out, every session closed and scored; then every
   * open incident resolved with `reason`. With 'kept' (a stop with a --state file to keep them) the
   * sessions and incidents are left open for keptSessions and openIncidentStates to save.
   */
  finish(reason: Exclude<ResolvedReason, 'quiet'> | 'kept' = 'end of input'): IncidentEvent[] {
    const records: LiveRecord[] = []
    this.parser.flush(records)
    for (const r of records) this.route(r)
    if (this.training && this.training.size > 0) this.endTraining()
    if (!this.sessions && (this.held.length > 0 || (this.carried && reason !== 'kept'))) this.resolveKeying()
    if (reason === 'kept') this.kept = this.sessions ? saveSessions(this.sessions, this.parser, this.lastEvent) : this.carried?.saved
    else this.sessions?.closeAll()
    this.scorePending()
    // (every session is matched: those quiet by the last watermark resolve as quiet)
    if (this.tracker) this.events.push(...this.tracker.expire(this.sessions!.watermark, this.clock()))
    if (reason !== 'kept') {
      if (this.tracker) this.events.push(...this.tracker.resolveAll(this.clock(), reason))
      else if (this.restored.length > 0) {
        // (restored incidents, but nothing scored yet: a stretch still training)
        const at = isoNow(this.clock())
        for (const r of this.restored.splice(0)) {
          this.events.push(resolvedEvent(r.incident, at, reason))
          this.resolvedRestored++
        }
      }
    }
    return this.drainEvents()
  }

  /**
   * Before a source gives up its input (a Kafka rebalance): held records out, every open session
   * closed and scored, so their lines can be committed; incidents stay open.
   */
  flushSessions(): IncidentEvent[] {
    const records: LiveRecord[] = []
    this.parser.flush(records)
    for (const r of records) this.route(r)
    this.sessions?.closeAll()
    this.scorePending()
    return this.drainEvents()
  }

  /** An open incident in the batch shape (templates, sample lines): what the explainer reads. */
  incidentDetail(id: string): Incident | undefined {
    return this.tracker?.detailOf(id)
  }

  /** An explanation of an incident (--summarize): its later events carry it too. */
  annotate(id: string, summary: LiveIncident['summary']): void {
    this.tracker?.annotate(id, summary)
  }

  /** The newest event time seen (a replay's clock: where the replayed log has got to). */
  get eventTime(): number {
    return this.lastEvent
  }

  get openIncidents(): LiveIncident[] {
    return this.tracker?.openIncidents ?? this.restored.map((r) => r.incident)
  }

  /** The sessions a stop with a --state file left open (finish('kept')), those restored and not taken yet (no line since), or (`now`: a periodic save) those open now, as the file keeps them. */
  keptSessions(now = false): SavedSessions | undefined {
    return this.kept ?? (now && this.sessions ? saveSessions(this.sessions, this.parser, this.lastEvent, false) : this.carried?.saved)
  }

  /** The open incidents as a --state file keeps them (the restored ones until scoring starts). */
  get openIncidentStates(): OpenIncidentState[] {
    return this.tracker?.snapshot() ?? [...this.restored]
  }

  /**
   * Restored incidents before the tracker takes them (no line scored yet): on a quiet stream, event
   * time moves on with the wall clock (as tick() does for sessions) from the newest line, or with
   * none yet from the newest restored incident, and those a gap behind it resolve.
   */
  private expireRestored(now: number, quietMs: number): void {
    this.firstTick ??= now
    const since = Number.isFinite(this.lastEvent) ? this.lastArrival : this.firstTick
    const quiet = now - since
    if (!(quiet >= quietMs)) return
    const newest = Number.isFinite(this.lastEvent) ? this.lastEvent : Math.max(...this.restored.map((r) => r.last))
    const gapMs = this.options.incidentGapMs ?? ENGINE_DEFAULTS.incidentGapMs
    const at = isoNow(this.clock())
    this.restored = this.restored.filter((r) => {
      if (r.last + gapMs >= newest + quiet) return true
      this.events.push(resolvedEvent(r.incident, at, 'quiet'))
      this.resolvedRestored++
      return false
    })
  }

  /** The model in use (given, or fitted on the training stretch); undefined while training. */
  get bundle(): ModelBundle | undefined {
    return this.model
  }

  /** The fingerprint of the model in use (modelFingerprint); undefined while a stretch trains. */
  get modelFingerprint(): string | undefined {
    return this.fingerprint
  }

  get nextIncident(): number {
    return this.tracker?.nextId ?? this.options.nextIncident ?? 1
  }

  stats(): EngineStats {
    const s = this.sessions
    const miner = this.parser.miner
    return {
      phase: this.training ? 'training' : s ? 'scoring' : 'resolving',
      lines: this.parser.lines,
      records: this.records,
      trainingRecords: this.training?.size ?? this.trainedOn,
      templates: miner?.size ?? 0,
      unseenTemplates: this.unseen.size,
      openSessions: s?.size ?? 0,
      maxOpenSessions: s?.maxSize ?? 0,
      sessions: s?.counters ?? {opened: 0, closed: {idle: 0, terminal: 0, 'max-age': 0, window: 0, 'max-open': 0, end: 0}, late: 0, lateDropped: 0, unassigned: 0},
      scored: this.scored,
      anomalous: this.anomalous,
      incidentsOpened: this.tracker?.opened ?? 0,
      incidentsResumed: this.resumed,
      incidentsResolved: (this.tracker?.resolved ?? 0) + this.resolvedRestored,
      openIncidents: this.openIncidents.length,
      watermark: s?.watermark ?? Number.NaN,
    }
  }

  private route(r: LiveRecord): void {
    this.records++
    // No timestamp and no arrival time (a replay): the time of the record before it.
    if (!Number.isFinite(r.time) && Number.isFinite(this.lastEvent)) r.time = this.lastEvent
    if (r.time > this.lastEvent) this.lastEvent = r.time
    if (this.training) {
      if (this.training.accepts(r)) {
        this.training.add(r)
        releaseAll(r.acks)
        return
      }
      this.endTraining()
    }
    if (this.sessions) {
      this.noteUnseen(r.template)
      this.sessions.add(r)
      releaseAll(r.acks)
      return
    }
    this.held.push(r)
    if (this.held.length >= RESOLVE_SAMPLE || !this.needsSample()) this.resolveKeying()
  }

  private noteUnseen(template: number): void {
    if (this.checked.has(template)) return
    this.checked.add(template)
    const id = this.parser.templates.id(template)
    if (this.terminalIds.has(id)) this.terminal.add(template)
    if (this.model!.vocabulary.index.has(id)) return
    this.unseen.add(template)
    // Each of the first ones is named; past that, one note per power of ten (a log unlike the
    // model's would otherwise print a line per template, thousands of them).
    const n = this.unseen.size
    if (n <= UNSEEN_NAMED) this.options.onNote?.(`template ${id} unseen in training: ${maskSecrets(this.parser.templates.text(template))}`)
    else if (/^10+$/.test(String(n))) this.options.onNote?.(`${n.toLocaleString('en-US')} templates unseen in training so far (only the first ${UNSEEN_NAMED} are named): is this the log the model was fitted on?`)
  }

  private endTraining(): void {
    const training = this.training!
    this.training = undefined
    this.trainedOn = training.size
    const {bundle, keying} = training.fit(this.parser, this.options.inputName ?? 'stream')
    // The fitted templates keep their ids; templates mined from here on are named by their text.
    this.parser.templates.keepOnly(new Set(bundle.miner.templates().map((t) => t.id)))
    this.model = bundle
    this.useModel(bundle)
    const terminal = this.terminalIds.size
    this.options.onNote?.(`trained ${bundle.manifest.detector} on ${training.size} records (${bundle.manifest.training.sessions} sessions by ${keying.mode}${terminal ? `, ${terminal} terminal template${terminal === 1 ? '' : 's'}` : ''}); scoring from here`)
    this.options.onTrained?.(bundle)
    this.startScoring(keying)
  }

  /** What the engine keeps of the model it scores with: its fingerprint and its terminal templates (id sessions). */
  private useModel(model: ModelBundle): void {
    this.fingerprint = modelFingerprint(model.manifest)
    this.terminalIds = new Set(model.manifest.session_key === 'window' ? [] : (model.manifest.terminal_templates ?? []))
  }

  /** With a model, only windows split by `auto` streams need a sample (how many hosts), and only when the model does not record its split. */
  private needsSample(): boolean {
    const m = this.model!.manifest
    return m.session_key === 'window' && (this.options.by ?? 'auto') === 'auto' && m.window_by === undefined
  }

  private resolveKeying(): void {
    const m = this.model!.manifest
    let by: StreamField[] = []
    if (m.session_key === 'window') {
      // `auto`: the model's own split (as batch detect --model), else decided from the sample as at fit
      const option = this.options.by ?? 'auto'
      if (option === 'auto' && m.window_by) by = m.window_by
      else if (option === 'auto') {
        const hosts = new Set(this.held.map((r) => r.record.host).filter((h) => h !== undefined))
        by = hosts.size >= 2 && hosts.size <= MAX_AUTO_HOSTS ? ['host'] : []
      } else by = option
    }
    this.startScoring({mode: m.session_key as Exclude<SessionKeyMode, 'auto'>, windowMs: m.window_ms, stepMs: m.step_ms, by})
  }

  private startScoring(keying: SessionKeying): void {
    const model = this.model!
    if (this.options.idleMs === undefined && keying.mode !== 'window') {
      this.limits = {...this.limits, idleMs: defaultIdleMs(model, this.limits.maxSessionMs)}
      if (model.manifest.session_gap_ms !== undefined) this.options.onNote?.(`sessions close after ${Math.round(this.limits.idleMs / 60_000)} min without a line (the longest quiet gap in a training session was ${Math.round(model.manifest.session_gap_ms / 60_000)} min)`)
    }
    this.sessions = new OpenSessions(keying, {...this.limits, terminal: this.terminalIds.size > 0 ? this.terminal : undefined}, (closed) => this.toScore.push({closed, closedAt: this.clock()}))
    this.sessions.expect(expectedStreams(model, keying.by) ?? [])
    const carried = this.carried
    this.carried = undefined
    if (carried?.into(this.sessions)) this.lastEvent = Math.max(this.lastEvent, carried.lastEvent)
    else if (carried) this.options.onNote?.(`${carried.size} session${carried.size === 1 ? '' : 's'} open at the last stop dropped: sessions are cut otherwise now`)
    this.tracker = new IncidentTracker({
      gapMs: this.options.incidentGapMs ?? ENGINE_DEFAULTS.incidentGapMs,
      lagMs: keying.mode === 'window' ? keying.windowMs : this.limits.idleMs,
      ...(keying.mode === 'window' ? {edges: this.sessions.edges, windowMs: keying.windowMs} : {}),
      vocabulary: model.vocabulary,
      templates: this.parser.templates,
      templateText: (index) => this.parser.templates.text(index),
      nextId: this.options.nextIncident,
      restored: this.restored.splice(0),
    })
    const held = this.held
    this.held = []
    for (const r of held) {
      this.noteUnseen(r.template)
      this.sessions.add(r)
      releaseAll(r.acks)
    }
  }

  private scorePending(): void {
    while (this.toScore.length > 0) {
      const batch = this.toScore.splice(0, SCORE_BATCH)
      this.scoreBatch(batch)
    }
  }

  private scoreBatch(batch: Held[]): void {
    const model = this.model!
    const sessions = batch.map((h) => h.closed.session)
    const idOf = (index: number): string => this.parser.templates.id(index)
    this.parser.templates.refresh()
    const fitted = scoringDetection({sessions, idOf, sessionKey: this.sessions!.keying.mode, stepMs: this.sessions!.keying.stepMs, mined: {templates: this.parser.templates.metas, miner: this.parser.miner!}}, model)
    const {scores, predicted} = scoreSessions(fitted.detector, fitted.rows)
    const hot = episodeTemplates(fitted.detector, batch.length, fitted.columnIds ?? model.vocabulary.templateIds)
    const tracker = this.tracker!
    for (let i = 0; i < batch.length; i++) {
      const {closed, closedAt} = batch[i]
      const s = closed.session
      this.scored++
      tracker.scoredSessions++
      const anomalous = predicted[i] === 1
      // Incidents resolve on the watermarks sessions closed at (the same at any replay speed), each
      // once the sessions closed at it are matched.
      this.events.push(...tracker.closing(closed.watermark, closedAt))
      if (anomalous) {
        this.anomalous++
        const event = tracker.observe(s, scores[i], closedAt, hot?.[i])
        if (event) this.events.push(event)
      }
      this.options.onScored?.({id: s.id, score: scores[i], anomalous, firstSeen: s.firstSeen, closedAt, reason: closed.reason, events: s.events})
      s.release()
    }
  }

  private drainEvents(): IncidentEvent[] {
    const events = this.events
    this.events = []
    return events
  }
}

/** An ISO time of the engine clock (the wall clock where it is not a number yet: a replay before its first line). */
function isoNow(t: number): string {
  return new Date(Number.isFinite(t) ? t : Date.now()).toISOString()
}
