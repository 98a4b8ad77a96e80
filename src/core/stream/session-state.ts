/**
 * The sessions open at a stop, as a --state file keeps them, so that a restart goes on with them:
 * the lines read after the restart join the sessions their earlier lines opened, and every session
 * is scored once, whole, as an uninterrupted run scores it (not as a part flushed at the stop and
 * a part that opens a new session after it).
 *
 * A session is kept as its numbers (Session's tallies: templates with counts and first lines,
 * transitions, levels, times and gaps; LiveSession's first texts, hosts, last template and time),
 * with templates as indices into the file's table of the run's templates (miner id, level,
 * component, count), so that template indices, levels and line ids go on as in one run. It is
 * restored through Session.merge, as one partial (partials.ts) of all its lines.
 */
import {P_ERRORS, P_EVENTS, P_WARNINGS, P_FIRST_LINE, P_FIRST_ORDINAL, P_GAP_MAX, P_GAP_SUM, P_GAPS, P_LAST_LINE, P_LAST_ORDINAL, P_MAX_TIME, P_MIN_TIME, P_SEQ_FIRST_TIME, P_SEQ_LAST_TIME, P_TEMPLATES, P_TRANSITIONS, PARTIAL_HEAD} from '../sessions/partials.js'
import * as z from '../zod.js'
import type {LiveParser} from './live-parse.js'
import type {LiveSession, OpenSessions, SessionKeying} from './live-sessions.js'

/** A number of the file: JSON has no NaN or infinities (null stands for them; each field says which it was). */
type Num = number | null

export interface SavedSession {
  id: string
  order: number
  /** [template, count, first line id] per distinct template, in order of first appearance (template: index into SavedSessions.templates). */
  templates: number[]
  /** [from, to, count] per transition, in order of first appearance. */
  transitions: number[]
  /** The template of its newest line. */
  last: number
  events: number
  errors: number
  warnings: number
  lines: [number, number]
  /** First and last time, the newest in line order, gap sum, greatest gap, gaps; absent: no timestamp. */
  times?: [number, number, number, number, number, number]
  /** firstSeen and lastSeen (null: none, ±Infinity). */
  seen: [Num, Num]
  texts: string[]
  hosts?: string[]
  stream?: string
  windowStart?: number
}

export interface SavedSessions {
  keying: SessionKeying
  /** The sessions' clock (newest event time; null: none yet), the windows closed before (null: none), the streams seen. */
  maxTime: Num
  closedWindows: Num
  streams: string[]
  nextOrder: number
  /** The next line id (the sessions' first lines are counted on from there). */
  nextLine: number
  /** The engine's newest event time (null: none). */
  lastEvent: Num
  /** Every template of the run, by index: its miner id, level, component and count. */
  templates: Array<{id: string; level?: string; component?: string; count: number}>
  /** In the order they close in at the end (id sessions: least recently active first). */
  sessions: SavedSession[]
}

const NUM = z.number().nullable()
const INT = z.number().int().nonnegative()
const SESSION = z.object({
  id: z.string(),
  order: INT,
  templates: z.array(INT).refine((a) => a.length % 3 === 0 && a.length > 0, 'not [template, count, line] triples'),
  transitions: z.array(INT).refine((a) => a.length % 3 === 0, 'not [from, to, count] triples'),
  last: INT,
  events: INT,
  errors: INT,
  warnings: INT,
  lines: z.tuple([z.number(), z.number()]),
  times: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), INT]).optional(),
  seen: z.tuple([NUM, NUM]),
  texts: z.array(z.string()),
  hosts: z.array(z.string()).optional(),
  stream: z.string().optional(),
  windowStart: z.number().optional(),
})
/** What a --state file's open_sessions must hold (loadLiveState checks it). */
export const SAVED_SESSIONS = z
  .object({
    keying: z.object({mode: z.enum(['block', 'request', 'pid', 'window']), windowMs: z.number(), stepMs: z.number(), by: z.array(z.enum(['host', 'component']))}),
    maxTime: NUM,
    closedWindows: NUM,
    streams: z.array(z.string()),
    nextOrder: INT,
    nextLine: INT,
    lastEvent: NUM,
    templates: z.array(z.object({id: z.string(), level: z.string().optional(), component: z.string().optional(), count: INT})),
    sessions: z.array(SESSION),
  })
  .refine((s) => s.sessions.every((x) => x.last < s.templates.length && x.templates.every((v, i) => i % 3 !== 0 || v < s.templates.length) && x.transitions.every((v, i) => i % 3 === 2 || v < s.templates.length)), 'a session names a template the file does not list')

const TRANSITION = 1_048_576
const num = (x: number): Num => (Number.isFinite(x) ? x : null)

/**
 * The open sessions of a stop with a --state file, which stay open (see OpenSessions.saved): their
 * lines are done with (acks released: a Kafka source commits them, as the state holds them now).
 * Without `release` (a periodic save, the run going on) the sessions are only copied.
 */
export function saveSessions(sessions: OpenSessions, parser: LiveParser, lastEvent: number, release = true): SavedSessions {
  const state = sessions.saved()
  const t = parser.templates
  t.refresh()
  return {
    keying: sessions.keying,
    maxTime: num(state.maxTime),
    closedWindows: num(state.closedWindows),
    streams: state.streams,
    nextOrder: state.nextOrder,
    nextLine: parser.nextLine,
    lastEvent: num(lastEvent),
    templates: t.metas.map((m, i) => ({id: t.minerId(i), ...(m.level !== undefined ? {level: m.level} : {}), ...(m.component !== undefined ? {component: m.component} : {}), count: m.count})),
    sessions: state.sessions.map((s) => {
      if (release) s.releaseAcks()
      return saveSession(s)
    }),
  }
}

function saveSession(s: LiveSession): SavedSession {
  const transitions: number[] = []
  const pairs = s.transitions
  for (let k = 0; k < pairs.length; k += 2) transitions.push(Math.floor(pairs[k] / TRANSITION), pairs[k] % TRANSITION, pairs[k + 1])
  return {
    id: s.id,
    order: s.order,
    templates: s.templates,
    transitions,
    last: s.lastTemplate,
    events: s.events,
    errors: s.errors,
    warnings: s.warnings,
    lines: [s.firstLine, s.lastLine],
    ...(Number.isNaN(s.firstTime) ? {} : {times: [s.firstTime, s.lastTime, s.lastTimed, s.gapSum, s.gapMax, s.gaps]}),
    seen: [num(s.firstSeen), num(s.lastSeen)],
    texts: [...s.texts],
    ...(s.hosts ? {hosts: [...s.hosts]} : {}),
    ...(s.stream !== undefined ? {stream: s.stream} : {}),
    ...(s.windowStart !== undefined ? {windowStart: s.windowStart} : {}),
  }
}

/** Whether sessions saved with `saved` keying may go on under `keying` (the same cut). */
export function sameKeying(saved: SessionKeying, keying: SessionKeying): boolean {
  return saved.mode === keying.mode && (keying.mode !== 'window' || (saved.windowMs === keying.windowMs && saved.stepMs === keying.stepMs && saved.by.join() === keying.by.join()))
}

/**
 * Saved sessions on their way back: made at the engine's start, when the template table and line
 * ids are restored (before any line), and handed to the sessions once they are made (into()).
 */
export class CarriedSessions {
  /** Saved template index → this run's. */
  private readonly index: Int32Array

  constructor(readonly saved: SavedSessions, parser: LiveParser) {
    this.index = Int32Array.from(saved.templates, (m) => parser.templates.restore(m.id, m.level, m.component, m.count))
    parser.continueLines(saved.nextLine)
  }

  get size(): number {
    return this.saved.sessions.length
  }

  /** The engine's newest event time of the stop (-Infinity: none). */
  get lastEvent(): number {
    return this.saved.lastEvent ?? Number.NEGATIVE_INFINITY
  }

  /** Opens the saved sessions in `sessions` (made, no record yet); false (nothing done) when it cuts sessions otherwise than the stopped run did. */
  into(sessions: OpenSessions): boolean {
    const saved = this.saved
    if (!sameKeying(saved.keying, sessions.keying)) return false
    const restored = saved.sessions.map((x) => this.session(sessions, x))
    sessions.resume({maxTime: saved.maxTime ?? Number.NEGATIVE_INFINITY, closedWindows: saved.closedWindows ?? Number.NEGATIVE_INFINITY, streams: saved.streams, nextOrder: saved.nextOrder, sessions: restored})
    return true
  }

  private session(sessions: OpenSessions, x: SavedSession): LiveSession {
    const s = sessions.restoredSession(x.id, x.order)
    const nt = x.templates.length / 3
    const ntr = x.transitions.length / 3
    // One partial (partials.ts) of all its lines: line ids counted from its first line.
    const p = new Float64Array(PARTIAL_HEAD + 3 * (nt + ntr))
    const first = x.lines[0]
    p[P_EVENTS] = x.events
    p[P_ERRORS] = x.errors
    p[P_WARNINGS] = x.warnings
    p[P_FIRST_LINE] = 0
    p[P_LAST_LINE] = x.lines[1] - first
    p[P_MIN_TIME] = p[P_MAX_TIME] = p[P_SEQ_FIRST_TIME] = p[P_SEQ_LAST_TIME] = Number.NaN
    if (x.times) {
      const [min, max, newest, gapSum, gapMax, gaps] = x.times
      p[P_MIN_TIME] = min
      p[P_MAX_TIME] = max
      p[P_SEQ_FIRST_TIME] = min
      p[P_SEQ_LAST_TIME] = newest
      p[P_GAP_SUM] = gapSum
      p[P_GAP_MAX] = gapMax
      p[P_GAPS] = gaps
    }
    p[P_FIRST_ORDINAL] = x.templates[0]
    p[P_LAST_ORDINAL] = x.last
    p[P_TEMPLATES] = nt
    p[P_TRANSITIONS] = ntr
    let q = PARTIAL_HEAD
    for (let k = 0; k < x.templates.length; k += 3, q += 3) {
      p[q] = x.templates[k]
      p[q + 1] = x.templates[k + 1]
      p[q + 2] = x.templates[k + 2] - first
    }
    for (let k = 0; k < x.transitions.length; k++) p[q++] = x.transitions[k]
    s.merge(p, 0, first, this.index)
    s.texts.push(...x.texts)
    if (x.hosts) s.hosts = new Set(x.hosts)
    s.firstSeen = x.seen[0] ?? Number.POSITIVE_INFINITY
    s.lastSeen = x.seen[1] ?? Number.NEGATIVE_INFINITY
    s.lastTemplate = this.index[x.last]
    if (x.times) s.lastTimed = x.times[2]
    if (x.stream !== undefined) s.stream = x.stream
    if (x.windowStart !== undefined) s.windowStart = x.windowStart
    return s
  }
}
