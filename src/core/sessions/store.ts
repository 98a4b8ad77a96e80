import {ExitCode, FlareError} from '../errors.js'
import type {LineBatch, SessionFields} from '../mining/line-batch.js'
import {blockKey, BlockIds} from './block-ids.js'
import {ByteKeys} from './byte-keys.js'
import {SessionLabelSink} from './label-sink.js'
import {LineBins} from './line-bins.js'
import {LineEdges} from './line-edges.js'
import {LastWindows} from './last-windows.js'
import {ProfileTable} from './profiles.js'
import type {SessionIdSource} from './ids.js'
import {packSessions} from './packing.js'
import {Session, SessionList, SessionSlots, type Sessions} from './session.js'
import {oneToOne, ORDINAL_WORDS, PARTIALS_HEAD, PARTIALS_UNASSIGNED_ERRORS} from './partials.js'
import {CANONICAL_LEVELS, levelClass} from '../severity.js'
import {checkWindows, chooseWindow, DEFAULT_WINDOW_MS, formatDuration, windowsContaining, type WindowChoice} from './window.js'
import {expectedIn, streamOf, type StreamField} from './streams.js'

export {levelClass} from '../severity.js'
export {Session, SessionList, SessionSlots, sessionAt, type SessionNumbers, type Sessions} from './session.js'

export type SessionKeyMode = 'auto' | 'block' | 'request' | 'pid' | 'window'
export type ResolvedSessionKey = Exclude<SessionKeyMode, 'auto'>

export {chooseWindow, DEFAULT_WINDOW_MS, MAX_WINDOWS_PER_LINE} from './window.js'

export interface SessionStoreOptions {
  mode: SessionKeyMode
  /**
   * Window length for `window` mode, in ms. Undefined: chosen from the data once all records are
   * in (see chooseWindow), which means window-mode records are held until finish().
   */
  windowMs?: number
  /** Slide between windows, in ms (defaults to windowMs: tumbling windows). */
  stepMs?: number
  /** Records examined before `auto` decides between an id key and windows. */
  autoSample?: number
  /** Lines per window when the log carries no timestamps at all. */
  linesPerWindow?: number
  /**
   * Split windows into streams by these record fields (`host`, `component`); 'auto' splits by
   * host when the log names two hosts or more. Undefined or empty: one stream (the old behaviour).
   */
  by?: StreamField[] | 'auto'
  /** Streams that get every window though the log may not name them (a model's hosts: one dark all along is windows of zero lines). */
  expectedStreams?: string[]
  /** A run stops with an error rather than hold more sessions than this. Default DEFAULT_MAX_SESSIONS. */
  maxSessions?: number
  /** Packing of quiet sessions during a batch-fed read (see sweep()); defaults for real runs, small in tests. */
  packing?: {sweepSessions: number; quietLines: number}
}

/**
 * Sessions a run holds before it stops (at a run's peak about 0.13 KB each for HDFS blocks,
 * measured with `node bench/scale.mjs`; more for string ids, up to ~1 KB for windows): well above
 * the half million of the whole HDFS dataset, well below what runs the default Node heap out of
 * memory.
 */
export const DEFAULT_MAX_SESSIONS = 1_000_000
/** Sessions that start growing (new ones, or packed ones given another line) between two packing sweeps of a batch-fed store. */
const SWEEP_SESSIONS = 16_384
/** Lines without an event after which a session counts as quiet (packed; see sweep()). */
const QUIET_LINES = 262_144

interface Pending {
  record: SessionFields
  templateIndex: number
}

/**
 * Groups records into sessions as they stream by. In `auto` mode the first records are held back
 * until it is clear whether the log carries session ids (and of which kind) or needs time windows.
 */
/** Above this share of single-line sessions in the sample, `auto` does not use an id key. */
const MAX_SINGLE_EVENT_SHARE = 0.5
/** `--by auto` splits by host up to this many hosts. */
const MAX_AUTO_HOSTS = 32
/** Stream windows filled in (empty ones included) before giving up on completing them. */
const MAX_STREAM_WINDOWS = 2_000_000

/** A record after finish() would land in sessions already handed over (or open a second one for an id): a bug, said so. */
function afterFinish(): Error {
  return new Error('SessionStore: records added after finish()')
}

export class SessionStore {
  /** Where the sessions are kept, in order of first appearance (a session is its order there). */
  private readonly slots = new SessionSlots()
  /** The distinct profiles of the packed sessions (session.ts), shared by every packing. */
  private readonly profiles = new ProfileTable()
  /** Sessions by id, for every mode but `block` (whose sessions byBytes finds by their id's bytes). */
  private readonly byId = new Map<string, number>()
  resolved?: ResolvedSessionKey
  /** Why `auto` chose what it chose, for the summary. */
  reason = ''
  /** Records that could not be assigned to any session (no id of the chosen kind). */
  unassigned = 0
  /** Of the unassigned records, those at ERROR level or worse (what a warning must not let vanish). */
  unassignedErrors = 0
  /** True when window mode had to fall back to counting lines (no timestamps anywhere). */
  lineWindows = false
  private pending: Pending[] = []
  /**
   * Block sessions by their id's key (blockKey: the id packed, from the bytes batches of line
   * events name it by): the entry of a session's key is its order (its place in the list
   * finish() hands over).
   */
  private byBytes = new ByteKeys()
  /** The list finish() handed over, while labelSink() may look sessions up in it (until release()). */
  private handed: Sessions = []
  /** Where block sessions find their ids: the bytes byBytes keeps (a block session's order is its key's entry). */
  private readonly blockIds = new BlockIds(this.byBytes)
  private readonly batchSessions: Array<Session | undefined> = []
  /** Where keyOf() writes a block id's key. */
  private keyScratch = new Uint8Array(64)
  /** Orders of the sessions with growable arrays, packed by sweep() once quiet (batches of line events only). */
  private growing: number[] = []
  /** growing.length after the last sweep: a sweep comes once SWEEP_SESSIONS more sessions grow (new, or packed ones touched again). */
  private growingAtSweep = 0
  private lastTime = Number.NaN
  private windowSize: number | undefined
  private stepSize: number | undefined
  /** Window mode with an automatic size: records held as (template, line, level, time) until finish(). */
  private readonly held: {template: number[]; line: number[]; level: Array<string | undefined>; time: number[]; stream: string[]} = {template: [], line: [], level: [], time: [], stream: []}
  /** Fields windows are split by, once known ('auto' is resolved at flushHeld). */
  private by: StreamField[] | 'auto'
  private readonly streams = new Set<string>()
  private readonly hosts = new Set<string>()
  /** Sliding windows: each line once, by stream, template and time (what incidents count lines with). */
  private bins?: LineBins
  private readonly lastWindows = new LastWindows()
  /** Windows: each stream's first and last line per step and template (a silence's edges). */
  private edges?: LineEdges
  private windowChoice?: WindowChoice
  private readonly autoSample: number
  private readonly linesPerWindow: number
  private readonly maxSessions: number

  constructor(private readonly options: SessionStoreOptions) {
    checkWindows(options.windowMs, options.stepMs)
    this.windowSize = options.windowMs
    this.stepSize = options.stepMs ?? options.windowMs
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS
    this.autoSample = options.autoSample ?? 2000
    this.linesPerWindow = options.linesPerWindow ?? 200
    this.by = options.by ?? []
    if (options.mode !== 'auto') {
      this.resolved = options.mode
      this.reason = `--session-key ${options.mode}`
    }
  }

  add(record: SessionFields, templateIndex: number): void {
    if (this.finished) throw afterFinish()
    if (this.resolved === undefined) {
      this.pending.push({record, templateIndex})
      if (this.pending.length >= this.autoSample) this.resolve()
      return
    }
    this.assign(record, templateIndex)
  }

  /** Set by finish(): the store has handed its sessions over and takes no more records. */
  private finished = false
  /** Sessions made, the streams' empty windows included (every session's `order` is below this). */
  private made = 0

  /**
   * Call once after the last record. Returns sessions in order of first appearance. The lookups by
   * id are dropped unless `keepLookups` (for labelSink(); release() then drops them).
   */
  finish(options: {keepLookups?: boolean} = {}): Sessions {
    if (this.finished) throw new Error('SessionStore.finish() called twice')
    this.finished = true
    if (this.resolved === undefined) this.resolve()
    if (this.held.time.length > 0) this.flushHeld()
    if (this.by === 'auto') this.by = []
    this.growing = []
    this.growingAtSweep = 0
    const list = new SessionList(this.slots, this.slots.size)
    packSessions(list, this.profiles)
    const sessions = this.streamed ? this.completeStreams(list) : list
    this.made = this.slots.size
    // (block ids stay as the bytes the lookups kept, after the lookups go)
    if (this.byBytes.size > 0) {
      this.blockIds.keep()
      this.handed = sessions
    }
    if (!options.keepLookups) this.release()
    return sessions
  }

  /**
   * After finish(): a sink that reads a label file's rows straight onto the sessions, found by
   * their ids (see label-sink.ts). Fresh at each call.
   */
  labelSink(): SessionLabelSink {
    if (!this.finished) throw new Error('SessionStore.labelSink() before finish()')
    if (this.released) throw new Error('SessionStore.labelSink() after its lookups were released')
    const handed = this.handed
    const inBlocks = (buf: Uint8Array, a: number, b: number): Session | undefined => {
      const e = this.byBytes.entryOf(this.keyScratch, 0, this.keyOf(buf, a, b))
      if (e < 0) return undefined
      const s = handed.at(e)
      // (the list finish() handed over is looked up by entry: reordered, labels would land on the wrong sessions)
      if (s?.order !== e) throw new Error('SessionStore.labelSink(): the sessions finish() handed over were reordered before their labels were read')
      return s
    }
    const byBytes = (buf: Uint8Array, a: number, b: number): Session | undefined => {
      if (this.resolved === 'block') return inBlocks(buf, a, b)
      return this.byOrder(this.byId.get(Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8')))
    }
    const byId = (id: string): Session | undefined => {
      if (this.resolved !== 'block') return this.byOrder(this.byId.get(id))
      // Block ids are ASCII: a string with any other character is none of them.
      for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 127) return undefined
      const bytes = Buffer.from(id, 'latin1')
      return inBlocks(bytes, 0, bytes.length)
    }
    return new SessionLabelSink({byBytes, byId}, this.made)
  }

  /** The session of `order` (undefined: none). */
  private byOrder(order: number | undefined): Session | undefined {
    return order === undefined ? undefined : Session.of(this.slots, order)
  }

  /** Set by release(). */
  private released = false

  /** Drops the lookups by id (~80 bytes a session) once nothing needs them (labelSink). */
  release(): void {
    this.released = true
    this.byId.clear()
    this.lastWindows.clear()
    this.byBytes = new ByteKeys()
    this.handed = []
  }

  /** The sessions so far, in order of first appearance; none after finish(). */
  get all(): Sessions {
    return this.finished ? [] : new SessionList(this.slots, this.slots.size)
  }

  /** True when windows are split into streams (host, component): sessions then carry `stream`. */
  get streamed(): boolean {
    return this.resolved === 'window' && this.by !== 'auto' && this.by.length > 0 && !this.lineWindows
  }

  /** The fields windows were split by (empty: one stream). */
  get streamFields(): StreamField[] {
    return this.by === 'auto' ? [] : this.by
  }

  /**
   * Every stream gets every window from the first to the last, empty ones included: a stream that
   * goes silent must show as a window with zero lines, not as a missing row. Ordered by window,
   * then stream.
   */
  private completeStreams(list: SessionList): Sessions {
    if (list.length === 0) return []
    // (a loop: Math.min(...starts) overflows the stack past ~120K windows)
    let first = Number.POSITIVE_INFINITY
    let last = Number.NEGATIVE_INFINITY
    for (const s of list) {
      const start = s.windowStart ?? 0
      if (start < first) first = start
      if (start > last) last = start
    }
    const step = this.stepMs
    const lo = first / step
    const hi = last / step
    const streams = [...new Set([...this.streams, ...expectedIn(this.options.expectedStreams, this.streams)])].sort()
    if ((hi - lo + 1) * streams.length > MAX_STREAM_WINDOWS) return list
    const out: Session[] = []
    for (let k = lo; k <= hi; k++) {
      for (const stream of streams) out.push(this.windowSession(stream, k))
    }
    return out
  }

  /** The window length in force (chosen by finish() when it was automatic). */
  get windowMs(): number {
    return this.windowSize ?? DEFAULT_WINDOW_MS
  }

  get stepMs(): number {
    return this.stepSize ?? this.windowMs
  }

  /** Sliding windows (step < window): the lines by stream, template and time; undefined otherwise. */
  get lineBins(): LineBins | undefined {
    return this.bins
  }

  /** Timed windows: the lines' first and last times by stream, step and template; undefined otherwise. */
  get lineEdges(): LineEdges | undefined {
    return this.edges
  }

  describe(): string {
    if (this.resolved !== 'window') return this.resolved ?? 'auto'
    if (this.lineWindows) return `window (${this.linesPerWindow} lines; no timestamps)`
    const step = this.stepMs === this.windowMs ? '' : `, step ${formatDuration(this.stepMs)}`
    const by = this.streamed ? ` per ${this.streamFields.join('×')}, ${this.streams.size} stream${this.streams.size === 1 ? '' : 's'}` : ''
    return `window (${this.options.windowMs === undefined ? 'auto: ' : ''}${formatDuration(this.windowMs)}${step}${by})`
  }

  /** Why windows are as long as they are, when the length was chosen from the data. */
  get windowReason(): string | undefined {
    return this.windowChoice?.reason
  }

  private flushHeld(): void {
    const h = this.held
    // A fleet of a few hosts splits by host; hundreds of nodes (BGL) would leave each stream too
    // sparse to have a baseline of its own.
    if (this.by === 'auto') this.by = this.hosts.size >= 2 && this.hosts.size <= MAX_AUTO_HOSTS ? ['host'] : []
    const streamed = this.by.length > 0
    if (this.windowSize === undefined) {
      this.windowChoice = chooseWindow(h.time, streamed ? h.stream : undefined)
      this.windowSize = this.windowChoice.windowMs
    }
    this.stepSize ??= this.windowSize
    for (let i = 0; i < h.time.length; i++) this.addToWindows(h.template[i], h.line[i], h.level[i], h.time[i], streamed ? h.stream[i] : undefined)
    h.template.length = h.line.length = h.level.length = h.time.length = h.stream.length = 0
  }

  private resolve(): void {
    const byKind = new Map<string, number>()
    for (const {record} of this.pending) {
      if (record.sessionKeys.length > 0 && record.sessionKind) byKind.set(record.sessionKind, (byKind.get(record.sessionKind) ?? 0) + 1)
    }
    let best: string | undefined
    let bestCount = 0
    for (const [kind, count] of byKind) {
      if (count > bestCount) {
        best = kind
        bestCount = count
      }
    }
    const share = this.pending.length === 0 ? 0 : bestCount / this.pending.length
    const single = best ? this.singleEventShare(best) : 0
    // An id carried by a fifth of the lines is a real session key (HDFS puts block ids on ~95%;
    // service logs often log the request id on the access line and a few others only). But an id
    // that is new on nearly every line (a per-request id on a one-line access log) groups nothing:
    // a session of one event has no sequence or counts to judge.
    if (best && share >= 0.2 && single <= MAX_SINGLE_EVENT_SHARE) {
      this.resolved = best as ResolvedSessionKey
      this.reason = `${(share * 100).toFixed(0)}% of the first ${this.pending.length} records carry a ${best} id`
    } else {
      this.resolved = 'window'
      if (best && share >= 0.2) this.reason = `${best} ids rejected: ${(single * 100).toFixed(0)}% of their sessions in the first ${this.pending.length} records are a single line (a per-line id is not a session)`
      else this.reason = best ? `only ${(share * 100).toFixed(0)}% of records carry a ${best} id` : 'no session ids found'
    }
    const pending = this.pending
    this.pending = []
    for (const p of pending) this.assign(p.record, p.templateIndex)
  }

  /** Share of the sampled ids of this kind that occur on one record only. */
  private singleEventShare(kind: string): number {
    const perKey = new Map<string, number>()
    for (const {record} of this.pending) {
      if (record.sessionKind !== kind) continue
      for (const key of record.sessionKeys) perKey.set(key, (perKey.get(key) ?? 0) + 1)
    }
    let single = 0
    for (const n of perKey.values()) if (n === 1) single++
    return perKey.size === 0 ? 0 : single / perKey.size
  }

  /**
   * The records of a batch of line events, as add() would take them one by one: once sessions go
   * by an id, straight from the batch's columns, without an object per line.
   */
  addBatch(batch: LineBatch): void {
    if (this.finished) throw afterFinish()
    const n = batch.n
    let i = 0
    for (; i < n && this.resolved === undefined; i++) this.add(batch.fields(i), batch.template[i])
    if (i === n) return
    const mode = this.resolved!
    if (mode === 'window') {
      for (; i < n; i++) this.assignWindow(batch.fields(i), batch.template[i])
      return
    }
    const {keyEnd, keyRef, keyStart, keyStop, bytes} = batch
    // The session of each distinct key of the batch, looked up at its first use.
    const local = this.batchSessions
    local.length = 0
    for (let d = 0; d < batch.keys; d++) local.push(undefined)
    const kindMatches = batch.keyKind === mode
    for (; i < n; i++) {
      const from = i === 0 ? 0 : keyEnd[i - 1]
      const to = keyEnd[i]
      if (to === from || !kindMatches) {
        this.unassigned++
        if (batch.level[i] >= 0 && LEVEL_CLASS_OF_CODE[batch.level[i]] === 2) this.unassignedErrors++
        continue
      }
      const lineId = batch.lineId[i]
      const levelCode = batch.level[i] < 0 ? 0 : LEVEL_CLASS_OF_CODE[batch.level[i]]
      const time = batch.time[i]
      const template = batch.template[i]
      for (let k = from; k < to; k++) {
        const d = keyRef[k]
        let session = local[d]
        if (session === undefined) {
          session = this.blockSession(bytes, keyStart[d], keyStop[d])
          local[d] = session
        }
        session.addEvent(template, lineId, levelCode, time)
      }
    }
    if (this.growing.length - this.growingAtSweep >= (this.options.packing?.sweepSessions ?? SWEEP_SESSIONS) && n > 0) this.sweep(batch.lineId[n - 1])
  }

  /** True when partial sessions (partials.ts) can be added: sessions go by block id. */
  get takesPartials(): boolean {
    return this.resolved === 'block'
  }

  /**
   * A region's lines as partial sessions (partials.ts, at p[0...]; takesPartials must be true):
   * what addBatch() would make of its line events, a session at a time. `bytes`: the region (the
   * block ids' offsets point into it); `index`: cluster ordinal → template index.
   */
  addPartials(p: Float64Array, bytes: Buffer, firstLineId: number, index: Int32Array): void {
    if (!this.takesPartials) throw new Error('partial sessions given to a store that does not group by block')
    if (this.finished) throw afterFinish()
    this.unassigned += p[1] | 0
    this.unassignedErrors += p[PARTIALS_UNASSIGNED_ERRORS] | 0
    const blocks = p[3] | 0
    const ordinals = p[2] | 0
    const ids = PARTIALS_HEAD + ORDINAL_WORDS * ordinals
    const distinct = oneToOne(index, ordinals)
    let at = ids + 2 * blocks
    for (let d = 0; d < blocks; d++) at = this.blockSession(bytes, p[ids + 2 * d] | 0, p[ids + 2 * d + 1] | 0).merge(p, at, firstLineId, index, distinct)
    if (this.growing.length - this.growingAtSweep >= (this.options.packing?.sweepSessions ?? SWEEP_SESSIONS) && p[4] >= 0) this.sweep(firstLineId + p[4])
  }

  /** The session of the id bytes[a, b) (made when new), listed as growing when it is about to grow. */
  private blockSession(bytes: Buffer, a: number, b: number): Session {
    const n = this.keyOf(bytes, a, b)
    const e = this.byBytes.entryOf(this.keyScratch, 0, n)
    if (e < 0) {
      const session = this.newSession(this.blockIds)
      // (a block session's id is the key of the entry of its order: BlockIds)
      if (this.byBytes.add(this.keyScratch, 0, n) !== session.order) throw new Error('SessionStore: a block session whose key entry is not its order')
      this.growing.push(session.order)
      return session
    }
    const session = Session.of(this.slots, e)
    if (session.isPacked) this.growing.push(e)
    return session
  }

  /** Writes the key block id bytes[a, b) is looked up by (blockKey) to keyScratch; returns its length. */
  private keyOf(bytes: Uint8Array, a: number, b: number): number {
    if (this.keyScratch.length < b - a + 1) this.keyScratch = new Uint8Array(2 * (b - a + 1))
    return blockKey(bytes, a, b, this.keyScratch)
  }

  /**
   * Packs the sessions no line has touched for QUIET_LINES lines, so that their arrays do not pile
   * up for the collector until finish() (a session touched again is unpacked: only slower).
   */
  private sweep(lineId: number): void {
    const quiet: Session[] = []
    const still: number[] = []
    for (const order of this.growing) {
      const s = Session.of(this.slots, order)
      if (s.isPacked) continue
      if (s.lastLine < lineId - (this.options.packing?.quietLines ?? QUIET_LINES)) quiet.push(s)
      else still.push(order)
    }
    this.growing = still
    this.growingAtSweep = still.length
    packSessions(quiet, this.profiles)
  }

  private assign(record: SessionFields, templateIndex: number): void {
    const mode = this.resolved!
    if (mode === 'window') {
      this.assignWindow(record, templateIndex)
      return
    }
    if (record.sessionKeys.length === 0 || record.sessionKind !== mode) {
      this.unassigned++
      if (levelClass(record.level) === 2) this.unassignedErrors++
      return
    }
    for (const key of record.sessionKeys) this.session(key).add(templateIndex, record.lineId, record.level, record.timestamp)
  }

  private assignWindow(record: SessionFields, templateIndex: number): void {
    let t = record.timestamp
    if (t === undefined || !Number.isFinite(t)) t = Number.isNaN(this.lastTime) ? undefined : this.lastTime
    else this.lastTime = t
    if (t === undefined) {
      // No timestamp seen yet: count lines instead. Once a timestamped record appears later the
      // earlier lines stay in their line windows.
      this.lineWindows = true
      const k = Math.floor((record.lineId - 1) / this.linesPerWindow)
      const id = `lines ${k * this.linesPerWindow + 1}-${(k + 1) * this.linesPerWindow}`
      this.session(id).add(templateIndex, record.lineId, record.level, undefined)
      return
    }
    if (record.host !== undefined) this.hosts.add(record.host)
    // Streams need every record before the window and the streams are known: hold them.
    if (this.windowSize === undefined || this.by === 'auto' || this.by.length > 0) {
      const h = this.held
      h.template.push(templateIndex)
      h.line.push(record.lineId)
      h.level.push(record.level)
      h.time.push(t)
      h.stream.push(streamOf(record, this.by === 'auto' ? ['host'] : this.by))
      return
    }
    this.addToWindows(templateIndex, record.lineId, record.level, t)
  }

  private addToWindows(templateIndex: number, lineId: number, level: string | undefined, t: number, stream?: string): void {
    const {first, last} = windowsContaining(t, this.windowMs, this.stepMs)
    if (stream !== undefined) this.streams.add(stream)
    if (this.stepMs < this.windowMs) (this.bins ??= new LineBins(this.windowMs, this.stepMs)).add(stream ?? '', templateIndex, t)
    this.edges ??= new LineEdges(this.stepMs)
    this.edges.add(stream ?? '', templateIndex, t)
    for (let k = first; k <= last; k++) {
      const s = this.lastWindows.get(stream, k) ?? this.lastWindows.set(stream, k, stream === undefined ? this.session(new Date(k * this.stepMs).toISOString()) : this.windowSession(stream, k))
      s.windowStart ??= k * this.stepMs
      s.add(templateIndex, lineId, level, t)
    }
  }

  private windowSession(stream: string, k: number): Session {
    const id = `${stream} ${new Date(k * this.stepMs).toISOString()}`
    let s = this.byOrder(this.byId.get(id))
    if (!s) {
      s = this.session(id)
      s.stream = stream
      s.windowStart = k * this.stepMs
    }
    return s
  }

  private session(id: string): Session {
    if (this.resolved === 'block') {
      // Block ids are ASCII (blk_ and digits): as latin1 bytes they are the bytes line events name them by.
      const bytes = Buffer.from(id, 'latin1')
      return this.blockSession(bytes, 0, bytes.length)
    }
    let s = this.byOrder(this.byId.get(id))
    if (!s) {
      // An id cut out of a line by a regex is a slice of the decoded read buffer (megabytes): kept as
      // is, every session would keep its region of the input alive, and memory would grow with the
      // lines instead of the sessions. A copy of its own holds only the id.
      s = this.newSession(ownString(id))
      this.byId.set(s.id, s.order)
    }
    return s
  }

  private newSession(id: string | SessionIdSource): Session {
    if (this.slots.size >= this.maxSessions) throw this.tooManySessions()
    return new Session(id, this.slots.size, this.slots)
  }

  /** Stops the run before the sessions run it out of memory, saying how to get fewer of them. */
  private tooManySessions(): FlareError {
    const limit = this.maxSessions.toLocaleString('en-US')
    let fewer: string
    if (this.resolved !== 'window') fewer = `--session-key window (time windows, instead of one session per ${this.resolved} id)`
    else if (this.lineWindows) fewer = 'timestamps on the lines (windows are counted in lines without them)'
    else {
      fewer = `a longer --window (now ${formatDuration(this.windowMs)})`
      if (this.stepMs !== this.windowMs) fewer += ` or a larger --step (now ${formatDuration(this.stepMs)})`
      if (this.streamed) fewer += `, or fewer streams (--by none; now ${this.streams.size} by ${this.streamFields.join(',')})`
    }
    return new FlareError(`more than ${limit} sessions (${this.describe()}): stopped before they run Flare out of memory`, {
      exitCode: ExitCode.badInput,
      hint: `make fewer, larger sessions with ${fewer}; or raise the limit with --max-sessions N (0.13–1 KB of memory each: 0.13 for HDFS blocks, more for string ids and windows)`,
    })
  }
}

/** LineBatch level codes (indices into CANONICAL_LEVELS) → levelClass. */
const LEVEL_CLASS_OF_CODE = Int8Array.from(CANONICAL_LEVELS, (level) => levelClass(level))

/** `text` as a string of its own, not a view into a larger one (V8 slices strings of 13+ characters). */
function ownString(text: string): string {
  return (' ' + text).slice(1)
}
