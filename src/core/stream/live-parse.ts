import {RecordAssembler, type IngestWarning, type LogRecord} from '../ingest/index.js'
import type {TemplateMeta} from '../mining/mine.js'
import {LEVEL_RANK} from '../severity.js'
import {createHash} from 'node:crypto'
import {FastMiner} from '../mining/fast-miner.js'
import {configForFormat, TemplateMiner, type TemplateMinerOptions} from '../templates/index.js'
import type {LiveLine} from './contracts.js'
import {PendingAcks, releaseAll, type LineAck} from './line-acks.js'

/** A record of the live stream with its template and the times the engine orders it by. */
export interface LiveRecord {
  record: LogRecord
  /** Dense template index (see LiveTemplates). */
  template: number
  /** Event time, epoch ms: the log's timestamp, else the transport's, else the arrival time. */
  time: number
  /** True when `time` is the arrival time (the line and its transport carried none). */
  arrivalTime: boolean
  /** The record's first physical line, for sample lines. */
  text: string
  /** True when the miner created the template on this record. */
  newTemplate: boolean
  /** Acks of the lines this record was made of (only from sources that ask for them). */
  acks?: LineAck[]
}

/**
 * Template index → id and what was seen of it: the same bookkeeping as batch mining (mining/run.ts).
 *
 * Templates of the model (or of a training stretch) keep the miner's ids. A template first mined
 * live is named after its text instead — `N` and the start of the text's SHA-256 — so instances of
 * one consumer group, each with its own miner and its own traffic, name it identically without
 * talking. The name follows the template's current text: while a new template still generalises
 * (its first few lines) its name moves with it, the same way on every instance.
 */
export class LiveTemplates {
  readonly metas: TemplateMeta[] = []
  /** The miner's own id per index. */
  private readonly minerIds: string[] = []
  /** Per index: the miner version its derived name was made at; -1 for a kept (trained) id. */
  private readonly namedAt: number[] = []
  private readonly indexOf = new Map<string, number>()
  private readonly names = new TextNames()
  /** Miner ids that keep their id; undefined: every template does (no model yet). */
  private kept: ReadonlySet<string> | undefined
  private miner: LiveMiner | undefined

  /** `kept`: the ids of the model's templates; without it every id is kept until keepOnly(). */
  constructor(kept?: ReadonlySet<string>) {
    this.kept = kept
  }

  /** The miner whose texts name new templates (set by LiveParser). */
  attach(miner: LiveMiner): void {
    this.miner = miner
  }

  /** From now on only these miner ids are kept (the templates a model was just fitted on); later ones are named by text. */
  keepOnly(ids: ReadonlySet<string>): void {
    this.kept = ids
  }

  index(templateId: string, record: Pick<LogRecord, 'level' | 'component'>): number {
    const index = this.indexOf.get(templateId)
    if (index === undefined) return this.register(templateId, record.level, record.component, 1)
    this.count(index, record.level)
    return index
  }

  /**
   * A template as an earlier run saw it (a --state file's open sessions, session-state.ts): its
   * index, registered with that run's level, component and count when new to this run.
   */
  restore(templateId: string, level: string | undefined, component: string | undefined, count: number): number {
    return this.indexOf.get(templateId) ?? this.register(templateId, level, component, count)
  }

  private register(templateId: string, level: string | undefined, component: string | undefined, count: number): number {
    const index = this.metas.length
    this.indexOf.set(templateId, index)
    this.metas.push({id: templateId, level, component, count})
    this.minerIds.push(templateId)
    const derived = this.kept !== undefined && !this.kept.has(templateId) && this.miner !== undefined
    this.namedAt.push(derived ? Number.NaN : -1)
    return index
  }

  /** The miner's own id of a template (id() may name it by its text instead). */
  minerId(index: number): string {
    return this.minerIds[index]
  }

  /** One more record of a known template (what index() does for it). */
  count(index: number, level: string | undefined): void {
    const meta = this.metas[index]
    if (level !== undefined && (meta.level === undefined || (LEVEL_RANK[level] ?? 2) > (LEVEL_RANK[meta.level] ?? 2))) meta.level = level
    meta.count++
  }

  /** The template's id: the miner's for a trained one, else named after its current text. */
  id(index: number): string {
    const at = this.namedAt[index]
    if (at === -1) return this.metas[index].id
    const miner = this.miner!
    const version = miner.missCount
    if (at !== version) {
      // Templates only change on a miss: the name holds until the next one.
      const texts = miner.templateTexts(this.minerIds[index])
      if (texts.length > 0) this.metas[index].id = this.names.nameOf(texts)
      this.namedAt[index] = version
    }
    return this.metas[index].id
  }

  /** The template's current text (its id when the miner no longer holds it). */
  text(index: number): string {
    return this.miner?.template(this.minerIds[index])?.template ?? this.id(index)
  }

  /** Miner id → name of every template named by its text (written to --state beside the miner, for readers of the file). */
  derivedNames(): Record<string, string> {
    const out: Record<string, string> = {}
    for (let i = 0; i < this.metas.length; i++) if (this.namedAt[i] !== -1) out[this.minerIds[i]] = this.id(i)
    return out
  }

  /** Brings every derived name up to date (before metas are read as a whole). */
  refresh(): void {
    for (let i = 0; i < this.metas.length; i++) if (this.namedAt[i] !== -1) this.id(i)
  }
}

/** Derived names, checked for collisions within the process: a clash takes a longer prefix of the hash. */
class TextNames {
  private readonly owner = new Map<string, string>()

  /** The name of a template whose clusters' texts are `texts` (sorted, so the order they formed in does not matter). */
  nameOf(texts: string[]): string {
    const key = texts.length === 1 ? texts[0] : [...texts].sort().join('\n')
    const hash = createHash('sha256').update(key).digest('hex')
    for (const length of NAME_LENGTHS) {
      const name = `N${hash.slice(0, length)}`
      const taken = this.owner.get(name)
      if (taken === undefined) this.owner.set(name, key)
      if (taken === undefined || taken === key) return name
    }
    return `N${hash}`
  }
}

/** Hex digits of a derived name: 40 bits, then longer only on a clash. */
const NAME_LENGTHS = [10, 16]

/** The live miner: a FastMiner that tells the texts of a template's clusters (what a derived name is made of). */
export class LiveMiner extends FastMiner {
  templateTexts(templateId: string): string[] {
    const group = this.byId.get(templateId)
    return group ? group.clusters.map((c) => c.template) : []
  }
}

/** Lines kept for sample texts: enough to cover a held detection sample and a long stack trace. */
const TEXT_RING = 2048

/**
 * Turns live lines into mined records with the batch ingest: a RecordAssembler per source (so one
 * source's stack trace is not joined to another's line) and one template miner (a model's, a
 * restored state's, or a new one once the format is known).
 */
export class LiveParser {
  readonly templates: LiveTemplates
  private readonly assemblers = new Map<string, RecordAssembler>()
  private readonly pendingAcks = new Map<string, PendingAcks>()
  private readonly ring: Array<LiveLine | undefined> = new Array(TEXT_RING)
  private readonly ringIds = new Float64Array(TEXT_RING)
  private nextLineId = 1
  /** Reused for the records of one line (usually none or one). */
  private readonly scratch: LogRecord[] = []
  private minerValue: LiveMiner | undefined
  formatName: string | undefined
  lines = 0

  /** `kept`: ids of the model's templates, which keep their ids (see LiveTemplates); none while a stretch trains. */
  /** `parser`: the user's parser settings (--config) for a miner made here; a given miner (a model's, a state's) keeps its own. */
  constructor(private readonly options: {format?: string; miner?: TemplateMiner; parser?: TemplateMinerOptions; kept?: ReadonlySet<string>; onWarning?: (w: IngestWarning) => void}) {
    this.templates = new LiveTemplates(options.kept)
    if (options.miner !== undefined) this.useMiner(asLiveMiner(options.miner))
  }

  private useMiner(miner: LiveMiner): LiveMiner {
    this.minerValue = miner
    this.templates.attach(miner)
    return miner
  }

  get miner(): TemplateMiner | undefined {
    return this.minerValue
  }

  /**
   * The miner for the byte path (live-bytes.ts), once the format is HDFS; undefined when the
   * lines must go through strings (another format, or user rules and extra delimiters, which
   * rewrite a line as a string first).
   */
  get byteMiner(): LiveMiner | undefined {
    const format = this.formatName ?? this.options.format
    if (format !== 'hdfs') return undefined
    const miner = this.minerValue ?? this.useMiner(new LiveMiner(configForFormat(format, this.options.parser)))
    return miner.preprocesses ? undefined : miner
  }

  /** The id the next line gets. */
  get nextLine(): number {
    return this.nextLineId
  }

  /** Line ids go on from `next` (an earlier run's, whose open sessions hold its line ids: session-state.ts). */
  continueLines(next: number): void {
    if (next > this.nextLineId) this.nextLineId = next
  }

  /** Line ids for `n` lines the byte path reads itself: the first of them. */
  takeLines(n: number): number {
    const first = this.nextLineId
    this.nextLineId += n
    this.lines += n
    return first
  }

  /** Parses one line; completed records (usually the one before it) go to `out`. */
  push(line: LiveLine, out: LiveRecord[]): void {
    const lineId = this.nextLineId++
    this.lines++
    this.ring[lineId % TEXT_RING] = line
    this.ringIds[lineId % TEXT_RING] = lineId
    const records = this.scratch
    const pending = line.ack ? this.pendingOf(line.source) : this.pendingAcks.get(line.source)
    pending?.add(line)
    this.assembler(line.source).pushLine(line.text, lineId, records)
    const from = out.length
    for (let i = 0; i < records.length; i++) out.push(this.mine(records[i]))
    records.length = 0
    if (pending && out.length > from) attachAcks(pending.take(false), out, from)
  }

  /** True while some source's record waits for its next line (flush() would emit it). */
  get holding(): boolean {
    for (const a of this.assemblers.values()) if (a.holding) return true
    return false
  }

  /** Emits every held record (a quiet source's last line, a short detection sample), or only `only`'s. */
  flush(out: LiveRecord[], only?: string): void {
    for (const [source, a] of this.assemblers) {
      if (only !== undefined && source !== only) continue
      const from = out.length
      for (const r of a.finish()) out.push(this.mine(r))
      const acks = this.pendingAcks.get(source)?.take(true)
      // Lines that made no record (blank, skipped) are done with.
      if (out.length > from) attachAcks(acks, out, from)
      else releaseAll(acks)
    }
  }

  private pendingOf(source: string): PendingAcks {
    let p = this.pendingAcks.get(source)
    if (!p) this.pendingAcks.set(source, (p = new PendingAcks()))
    return p
  }

  private assembler(source: string): RecordAssembler {
    let a = this.assemblers.get(source)
    if (!a) {
      a = new RecordAssembler({format: this.formatName ?? this.options.format ?? 'auto', onWarning: this.options.onWarning, onFormat: (d) => (this.formatName ??= d.format.name)})
      this.assemblers.set(source, a)
    }
    return a
  }

  private mine(record: LogRecord): LiveRecord {
    const slot = record.lineId % TEXT_RING
    // A record held longer than the ring (a quiet source's stack trace) keeps its content only.
    const live = this.ringIds[slot] === record.lineId ? this.ring[slot] : undefined
    // What the transport knew fills what the line itself does not say.
    if (live) {
      record.host ??= live.host
      record.component ??= live.component
      record.level ??= live.level
    }
    const miner = this.minerValue ?? this.useMiner(new LiveMiner(configForFormat(this.formatName, this.options.parser)))
    // User rules and extra delimiters rewrite the line as a string first: the byte path cannot take them.
    const templateId = miner.preprocesses ? miner.add(record.content).templateId : miner.addString(record.content).templateId
    const template = this.templates.index(templateId, record)
    let time = record.timestamp
    let arrivalTime = false
    if (time === undefined || !Number.isFinite(time)) {
      time = live?.eventTime ?? live?.arrivedAt ?? Number.NaN
      arrivalTime = live?.eventTime === undefined
    }
    return {record, template, time, arrivalTime, text: live?.text ?? record.content, newTemplate: miner.lastChange === 'new'}
  }
}

/** The lines of several records emitted at once are not told apart: each of them holds them all. */
function attachAcks(acks: LineAck[] | undefined, records: LiveRecord[], from: number): void {
  if (!acks) return
  for (let i = from; i < records.length; i++) {
    if (i > from) for (const a of acks) a.hold()
    records[i].acks = acks
  }
}

/**
 * The miner as a LiveMiner, a FastMiner whose plan cache maps lines of known shapes without
 * masking them: the same templates and ids as the TemplateMiner (a model's or a state's, rebuilt
 * from its state as loading it from disk does).
 */
export function asLiveMiner(miner: TemplateMiner): LiveMiner {
  return miner instanceof LiveMiner ? miner : LiveMiner.fromJSON(miner.toJSON())
}
