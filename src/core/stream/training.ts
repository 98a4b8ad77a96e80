import {ExitCode, FlareError} from '../errors.js'
import type {BundleManifest, ModelBundle} from '../model-bundle.js'
import {registry} from '../detect/registry.js'
import {bundleManifest, fitDetection, type DetectOptions} from '../pipeline.js'
import {SessionStore, type SessionKeyMode} from '../sessions/store.js'
import type {StreamField} from '../sessions/streams.js'
import type {LiveRecord, LiveParser} from './live-parse.js'
import type {SessionKeying} from './live-sessions.js'

/** How long the stream trains: a stretch of event time, or a number of records. */
export type TrainFor = {ms: number} | {records: number}

export interface TrainingOptions extends Pick<DetectOptions, 'detector' | 'detectorParams' | 'contamination' | 'features'> {
  sessionKey?: SessionKeyMode
  windowMs?: number
  stepMs?: number
  by?: StreamField[] | 'auto'
}

/**
 * The first stretch of a stream, fitted exactly as `flare detect` fits a file (the same session
 * store, features and detector), so a model trained live and one saved by detect are the same kind.
 */
export class TrainingStretch {
  private readonly store: SessionStore
  private records = 0
  private firstTime = Number.NaN

  constructor(readonly until: TrainFor, private readonly options: TrainingOptions) {
    this.store = new SessionStore({mode: options.sessionKey ?? 'auto', windowMs: options.windowMs, stepMs: options.stepMs, by: options.by ?? 'auto'})
  }

  /** False once the stretch is over (this record then belongs to scoring). */
  accepts(r: LiveRecord): boolean {
    if ('records' in this.until) return this.records < this.until.records
    if (Number.isNaN(this.firstTime) && Number.isFinite(r.time)) this.firstTime = r.time
    return !(r.time - this.firstTime >= this.until.ms)
  }

  add(r: LiveRecord): void {
    this.records++
    this.store.add(r.record, r.template)
  }

  get size(): number {
    return this.records
  }

  /** The model fitted on the stretch; its manifest lists the terminal templates of id sessions (as detect's does). */
  fit(parser: LiveParser, inputName: string): {bundle: ModelBundle; keying: SessionKeying} {
    const sessions = this.store.finish()
    const miner = parser.miner
    if (sessions.length < 2 || !miner) {
      throw new FlareError(`the training stretch held ${this.records} records in ${sessions.length} session${sessions.length === 1 ? '' : 's'}: too few to learn what normal looks like`, {exitCode: ExitCode.badInput, hint: 'train for longer (--train-for 1h or 100000), or give a model fitted with flare detect --save-model'})
    }
    const idOf = (index: number): string => parser.templates.id(index)
    const input = {sessions, idOf, sessionKey: this.store.resolved ?? 'window', stepMs: this.store.stepMs, mined: {templates: parser.templates.metas, miner}}
    const fitted = fitDetection(input, this.options, registry)
    const lines = parser.lines
    const manifest: BundleManifest = bundleManifest({sessionKey: input.sessionKey, windowMs: this.store.windowMs, stepMs: this.store.stepMs, streamBy: this.store.streamed ? this.store.streamFields : [], inputName, idOf, mined: {format: parser.formatName ?? 'generic', lines}, sessions}, fitted)
    const keying: SessionKeying = {mode: this.store.resolved ?? 'window', windowMs: this.store.windowMs, stepMs: this.store.stepMs, by: this.store.streamFields}
    return {bundle: {manifest, miner, vocabulary: fitted.vocabulary, detector: fitted.detector}, keying}
  }
}
