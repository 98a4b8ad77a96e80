import {ownCopy} from '../ingest/own-copy.js'
import {ByteKeys} from '../sessions/byte-keys.js'
import {GrowArena} from '../sessions/grow-arena.js'
import {LineEdges} from '../sessions/line-edges.js'
import {Session, SessionSlots, type ResolvedSessionKey} from '../sessions/store.js'
import {expectedIn, streamOf, type StreamField} from '../sessions/streams.js'
import {windowsContaining} from '../sessions/window.js'
import {releaseAll, type LineAck} from './line-acks.js'
import type {LiveByteBatch} from './live-bytes.js'
import type {LiveRecord} from './live-parse.js'

/** How records are cut into sessions, once resolved (from a model, a training stretch or a sample). */
export interface SessionKeying {
  mode: ResolvedSessionKey
  windowMs: number
  stepMs: number
  /** Fields windows are split into streams by (empty: one stream). */
  by: StreamField[]
}

export interface SessionLimits {
  /** Close an id session when the watermark is this far past its last event. */
  idleMs: number
  /** Close an id session this long (event time) after its first event. */
  maxSessionMs: number
  /** Event time may run back this far behind the newest event before records count as late. */
  latenessMs: number
  /** Open sessions at most; beyond, the least recently active closes early. */
  maxOpen: number
  /** Template indices that end a session (learned from training; id sessions only). */
  terminal?: ReadonlySet<number>
}

/** Byte keys of closed sessions kept at most beyond twice the open ones. */
const KEYS_KEPT = 65_536

export type CloseReason = 'idle' | 'terminal' | 'max-age' | 'window' | 'max-open' | 'end'

/** A session of the live stream: the batch Session plus what sample lines and closing need. */
export class LiveSession extends Session {
  /** The first line's text per distinct template, parallel to the template triples. */
  readonly texts: string[] = []
  /** Newest event time added (the idle clock). */
  lastSeen = Number.NEGATIVE_INFINITY
  firstSeen = Number.POSITIVE_INFINITY
  hosts?: Set<string>
  /** Acks of the lines in this session, released once it was scored. */
  private acks?: LineAck[]
  /** Position of its newest entry in the touch order (TouchOrder); -1 once closed. */
  touchAt = -1
  /** Its entry in the byte path's keys (OpenSessions.byEntry), -1 for none. */
  byteEntry = -1
  /**
   * Its newest event's template and newest timestamp (NaN: none yet) in line order: where its
   * transitions and gaps go on from, which a --state file keeps (session-state.ts).
   */
  lastTemplate = -1
  lastTimed = Number.NaN

  track(r: LiveRecord): void {
    if (r.acks) {
      this.acks ??= []
      for (const a of r.acks) {
        a.hold()
        this.acks.push(a)
      }
    }
    if (this.event(r.template, r.record.lineId, r.record.level, r.time)) this.texts.push(ownCopy(r.text))
    if (r.record.host !== undefined) (this.hosts ??= new Set()).add(r.record.host)
  }

  /** Adds an event; true when its template is new to the session (its line's text is then pushed to `texts`). */
  event(template: number, lineId: number, level: string | undefined, time: number): boolean {
    const before = this.templateCount
    this.add(template, lineId, level, time)
    this.lastTemplate = template
    if (Number.isFinite(time)) this.lastTimed = time
    if (time > this.lastSeen) this.lastSeen = time
    if (time < this.firstSeen) this.firstSeen = time
    return this.templateCount > before
  }

  /** The session was scored: its lines are done with, and its lists' room goes back to the shared arena. */
  release(): void {
    this.releaseAcks()
    this.releaseLists()
  }

  /** Its lines are done with (scored, or kept in a --state file). */
  releaseAcks(): void {
    releaseAll(this.acks)
    this.acks = undefined
  }
}

/** The open sessions and their clock, as a --state file keeps them at a stop (session-state.ts). */
export interface OpenSessionsState {
  maxTime: number
  closedWindows: number
  streams: string[]
  nextOrder: number
  /** In the order closeAll() would close them (id sessions: least recently active first). */
  sessions: LiveSession[]
}

export interface ClosedSession {
  session: LiveSession
  reason: CloseReason
  /** The event-time watermark when it closed. */
  watermark: number
}

export interface SessionCounters {
  opened: number
  closed: Record<CloseReason, number>
  /** Records behind the watermark (id sessions: added anyway, perhaps reopening; windows: dropped). */
  late: number
  /** Late records of windows that had already closed: dropped. */
  lateDropped: number
  /** Records without an id of the session key's kind. */
  unassigned: number
}

/**
 * The open sessions of a stream on event time. The watermark is the newest event time minus the
 * allowed lateness; everything (idle, age, window ends) is judged against it, never against the
 * wall clock, so a log replayed at any speed closes the same sessions at the same records.
 * Sessions are kept in order of last activity, so the idle ones are found at the front.
 */
export class OpenSessions {
  private readonly open = new Map<string, LiveSession>()
  /** The lists of every open session (each gives its room back once scored: LiveSession.release). */
  private readonly arena = new GrowArena(1024)
  /** Id sessions in order of last activity, least recent first. */
  private readonly touched = new TouchOrder()
  private maxTime = Number.NEGATIVE_INFINITY
  private order = 0
  /** Windows before this index are closed (windowed keys). */
  private closedWindows = Number.NEGATIVE_INFINITY
  private readonly streams = new Set<string>()
  /** Windows: each stream's first and last line per step and template (a silence's edges, as batch keeps them; the incident tracker forgets old ones). */
  readonly edges: LineEdges | undefined
  /** The byte path's session keys (addFromBatch): entry → the session last open under it. */
  private byBytes = new ByteKeys()
  private byEntry: Array<LiveSession | undefined> = []
  readonly counters: SessionCounters = {opened: 0, closed: {idle: 0, terminal: 0, 'max-age': 0, window: 0, 'max-open': 0, end: 0}, late: 0, lateDropped: 0, unassigned: 0}

  constructor(readonly keying: SessionKeying, private readonly limits: SessionLimits, private readonly onClose: (closed: ClosedSession) => void) {
    if (keying.mode === 'window') this.edges = new LineEdges(keying.stepMs)
  }

  get size(): number {
    return this.open.size
  }

  /** A model's streams not yet given every window (expect()), until the stream names half of them. */
  private expected: string[] = []

  /**
   * Streams that get every window though no line names them yet (a model's hosts: one dark from
   * the start is still judged), once lines have named at least half of them (expectedIn: a stream
   * of one host of a fleet model says nothing of the others).
   */
  expect(streams: Iterable<string>): void {
    if (this.keying.mode === 'window' && this.keying.by.length > 0) this.expected = [...streams]
    this.takeExpected()
  }

  private takeExpected(): void {
    if (this.expected.length === 0 || expectedIn(this.expected, this.streams).length === 0) return
    for (const s of this.expected) this.streams.add(s)
    this.expected = []
  }

  /** Most sessions open at once so far. */
  maxSize = 0

  get watermark(): number {
    return this.maxTime - this.limits.latenessMs
  }

  add(r: LiveRecord): void {
    const t = r.time
    if (Number.isFinite(t)) {
      if (t < this.watermark) this.counters.late++
      if (t > this.maxTime) this.maxTime = t
    }
    if (this.keying.mode === 'window') this.addToWindows(r)
    else this.addToIdSessions(r)
    this.expire()
  }

  /**
   * Record i of a batch the byte path read (live-bytes.ts), as add() takes a record: sessions by
   * an id only (the engine sends windows through add()). Its time is already resolved.
   */
  addFromBatch(b: LiveByteBatch, i: number): void {
    const batch = b.batch
    const t = batch.time[i]
    if (Number.isFinite(t)) {
      if (t < this.watermark) this.counters.late++
      if (t > this.maxTime) this.maxTime = t
    }
    const from = i === 0 ? 0 : batch.keyEnd[i - 1]
    const to = batch.keyEnd[i]
    if (to === from || batch.keyKind !== this.keying.mode) this.counters.unassigned++
    else {
      const template = batch.template[i]
      for (let k = from; k < to; k++) {
        const d = batch.keyRef[k]
        const e = this.entryOf(b, d)
        let s = this.byEntry[e]
        // None open under this key, or one opened by add(): the session by its id.
        if (s === undefined) s = this.open.get(b.keyName(d))
        if (s && Number.isFinite(t) && t - s.firstSeen > this.limits.maxSessionMs) {
          this.close(s, 'max-age')
          s = undefined
        }
        if (!s) {
          s = this.start(b.keyName(d))
          this.open.set(s.id, s)
        }
        this.byEntry[e] = s
        s.byteEntry = e
        this.touched.touch(s)
        if (s.event(template, batch.lineId[i], batch.levelName(i), t)) s.texts.push(b.text(i))
        if (this.limits.terminal?.has(template)) this.close(s, 'terminal')
      }
      while (this.open.size > this.limits.maxOpen) this.close(this.touched.front()!, 'max-open')
    }
    this.expire()
  }

  /** Entry of distinct key d of the batch in byBytes (added at its first sight). */
  private entryOf(b: LiveByteBatch, d: number): number {
    let e = b.entries[d]
    if (e >= 0) return e
    const {bytes, keyStart, keyStop} = b.batch
    e = this.byBytes.entryOf(bytes, keyStart[d], keyStop[d])
    if (e < 0) {
      e = this.byBytes.add(bytes, keyStart[d], keyStop[d])
      this.byEntry.push(undefined)
    }
    b.entries[d] = e
    return e
  }

  /**
   * Before a batch: the byte keys of closed sessions are forgotten once they outnumber the open
   * ones, so that the map grows with the sessions open at once, not with every id ever seen.
   */
  startBatch(): void {
    if (this.byBytes.size <= 2 * this.open.size + KEYS_KEPT) return
    this.byBytes = new ByteKeys()
    this.byEntry = []
    for (const s of this.open.values()) {
      const id = Buffer.from(s.id, 'latin1')
      s.byteEntry = this.byBytes.add(id, 0, id.length)
      this.byEntry.push(s)
    }
  }

  /** Moves event time on without a record (a quiet stream, judged by the wall clock), closing what that ends. */
  advanceTo(time: number): void {
    if (time > this.maxTime) {
      this.maxTime = time
      this.expire()
    }
  }

  /** The open sessions, left open, with their clock: what a stop with a --state file keeps (resume() goes on from it). */
  saved(): OpenSessionsState {
    const sessions = [...this.open.values()]
    if (this.keying.mode !== 'window') sessions.sort((a, b) => a.touchAt - b.touchAt)
    return {maxTime: this.maxTime, closedWindows: this.closedWindows, streams: [...this.streams], nextOrder: this.order, sessions}
  }

  /** An empty session of these sessions' arena, for restored numbers (session-state.ts fills it, resume() takes it). */
  restoredSession(id: string, order: number): LiveSession {
    return new LiveSession(ownCopy(id), order, new SessionSlots(1, this.arena))
  }

  /** Goes on from an earlier run's saved(), before any record: its sessions open again, its clock where it stood. */
  resume(state: OpenSessionsState): void {
    if (state.maxTime > this.maxTime) this.maxTime = state.maxTime
    if (state.closedWindows > this.closedWindows) this.closedWindows = state.closedWindows
    for (const stream of state.streams) this.streams.add(stream)
    this.takeExpected()
    this.order = Math.max(this.order, state.nextOrder)
    for (const s of state.sessions) {
      this.open.set(s.id, s)
      if (this.keying.mode !== 'window') this.touched.touch(s)
    }
    this.maxSize = Math.max(this.maxSize, this.open.size)
  }

  /** Closes every open session (shutdown, the end of a replay). */
  closeAll(): void {
    if (this.keying.mode === 'window') this.closeWindowsBefore(Number.POSITIVE_INFINITY)
    if (this.keying.mode === 'window') for (const s of [...this.open.values()]) this.close(s, 'end')
    else for (let s = this.touched.front(); s !== undefined; s = this.touched.front()) this.close(s, 'end')
  }

  private addToIdSessions(r: LiveRecord): void {
    const {record} = r
    if (record.sessionKeys.length === 0 || record.sessionKind !== this.keying.mode) {
      this.counters.unassigned++
      return
    }
    for (const key of record.sessionKeys) {
      let s = this.open.get(key)
      if (s && Number.isFinite(r.time) && r.time - s.firstSeen > this.limits.maxSessionMs) {
        this.close(s, 'max-age')
        s = undefined
      }
      if (!s) {
        s = this.start(key)
        this.open.set(s.id, s)
      }
      this.touched.touch(s)
      s.track(r)
      if (this.limits.terminal?.has(r.template)) this.close(s, 'terminal')
    }
    while (this.open.size > this.limits.maxOpen) this.close(this.touched.front()!, 'max-open')
  }

  private addToWindows(r: LiveRecord): void {
    const {windowMs, stepMs, by} = this.keying
    const t = Number.isFinite(r.time) ? r.time : this.maxTime
    if (!Number.isFinite(t)) {
      this.counters.unassigned++
      return
    }
    const stream = by.length > 0 ? streamOf(r.record, by) : undefined
    if (stream !== undefined && !this.streams.has(stream)) {
      this.streams.add(stream)
      this.takeExpected()
    }
    const {first, last} = windowsContaining(t, windowMs, stepMs)
    if (last >= this.closedWindows) this.edges?.add(stream ?? '', r.template, t)
    for (let k = first; k <= last; k++) {
      if (k < this.closedWindows) {
        this.counters.lateDropped++
        continue
      }
      const id = this.windowId(stream, k)
      let s = this.open.get(id)
      if (!s) {
        s = this.start(id)
        s.stream = stream
        s.windowStart = k * stepMs
        this.open.set(id, s)
      }
      s.track(r)
    }
    if (this.open.size > this.limits.maxOpen) {
      // Windows close in time order: the oldest window goes first, whole.
      let oldest = Number.POSITIVE_INFINITY
      for (const s of this.open.values()) oldest = Math.min(oldest, s.windowStart ?? 0)
      this.closeWindowsBefore(oldest / stepMs + 1, 'max-open')
    }
  }

  private windowId(stream: string | undefined, k: number): string {
    const iso = new Date(k * this.keying.stepMs).toISOString()
    return stream === undefined ? iso : `${stream} ${iso}`
  }

  private start(id: string): LiveSession {
    this.counters.opened++
    const s = new LiveSession(ownCopy(id), this.order++, new SessionSlots(1, this.arena))
    if (this.open.size >= this.maxSize) this.maxSize = this.open.size + 1
    return s
  }

  private expire(): void {
    const wm = this.watermark
    if (!Number.isFinite(wm)) return
    if (this.keying.mode === 'window') {
      // Window k ends at k*step + window: those that ended at or before the watermark close.
      const k = Math.floor((wm - this.keying.windowMs) / this.keying.stepMs) + 1
      if (k > this.closedWindows) this.closeWindowsBefore(k)
      return
    }
    const {idleMs, maxSessionMs} = this.limits
    for (let s = this.touched.front(); s !== undefined; s = this.touched.front()) {
      if (s.lastSeen + idleMs < wm) this.close(s, 'idle')
      else if (s.firstSeen + maxSessionMs < wm) this.close(s, 'max-age')
      else break
    }
  }

  /** Closes windows with index < k, oldest first; a streamed log gets empty windows for silent streams. */
  private closeWindowsBefore(k: number, reason: CloseReason = 'window'): void {
    const {stepMs} = this.keying
    const byWindow = new Map<number, LiveSession[]>()
    for (const s of this.open.values()) {
      const w = Math.round((s.windowStart ?? 0) / stepMs)
      if (w >= k) continue
      let list = byWindow.get(w)
      if (!list) byWindow.set(w, (list = []))
      list.push(s)
    }
    const windows = [...byWindow.keys()].sort((a, b) => a - b)
    // Silent streams show as windows with zero lines, also across a gap where every stream was quiet.
    if (this.streams.size > 0 && windows.length > 0) {
      const newest = windows[windows.length - 1]
      const from = Number.isFinite(this.closedWindows) ? Math.max(this.closedWindows, newest - 1000) : windows[0]
      for (let w = from; w < newest; w++) if (!byWindow.has(w)) byWindow.set(w, [])
    }
    const all = [...byWindow.keys()].sort((a, b) => a - b)
    for (const w of all) {
      const sessions = byWindow.get(w)!
      if (this.streams.size > 0) {
        const present = new Set(sessions.map((s) => s.stream))
        for (const stream of [...this.streams].sort()) {
          if (present.has(stream)) continue
          const s = this.start(this.windowId(stream, w))
          s.stream = stream
          s.windowStart = w * stepMs
          sessions.push(s)
        }
        sessions.sort((a, b) => (a.stream! < b.stream! ? -1 : a.stream! > b.stream! ? 1 : 0))
      }
      for (const s of sessions) this.close(s, reason)
    }
    if (Number.isFinite(k)) this.closedWindows = Math.max(this.closedWindows, k)
  }

  private close(s: LiveSession, reason: CloseReason): void {
    this.open.delete(s.id)
    if (s.touchAt >= 0) this.touched.closed()
    s.touchAt = -1
    // A closed session is not kept alive by its key.
    if (s.byteEntry >= 0) this.byEntry[s.byteEntry] = undefined
    this.counters.closed[reason]++
    this.onClose({session: s, reason, watermark: this.watermark})
  }
}


/**
 * Sessions in order of last activity, least recent first, as a log of touches: a touch appends the
 * session and makes its earlier entries stale, so a record costs an array push instead of moving
 * its session to the back of a Map (a delete and an insert per record). Stale entries are skipped
 * at the front and dropped when they pile up.
 */
export class TouchOrder {
  private entries: LiveSession[] = []
  private head = 0
  /** Position of entries[0] in the log. */
  private base = 0
  private live = 0

  touch(s: LiveSession): void {
    if (s.touchAt < 0) this.live++
    s.touchAt = this.base + this.entries.length
    this.entries.push(s)
    if (this.entries.length - this.head > 4 * this.live + 4096) this.compact()
  }

  /** The least recently active open session (closing it is the caller's: touchAt becomes -1). */
  front(): LiveSession | undefined {
    const e = this.entries
    while (this.head < e.length) {
      const s = e[this.head]
      if (s.touchAt === this.base + this.head) return s
      this.head++
    }
    return undefined
  }

  /** A session closed (touchAt set to -1 by the caller after this). */
  closed(): void {
    this.live--
  }

  private compact(): void {
    const kept: LiveSession[] = []
    const e = this.entries
    for (let i = this.head; i < e.length; i++) if (e[i].touchAt === this.base + i) kept.push(e[i])
    this.base += e.length
    for (let i = 0; i < kept.length; i++) kept[i].touchAt = this.base + i
    this.entries = kept
    this.head = 0
    this.live = kept.length
  }
}
