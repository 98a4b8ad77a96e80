/**
 * What an incident's templates held at their `<*>`: a template says `GET <*> <*> <*> Gateway
 * Timeout`, the on-call engineer wants to know that it was `GET / HTTP/2.0 504` on one virtual
 * host, or `Connection refused to <*>` always the same database. For incidents of time windows
 * (a log without session ids), the lines of the incident's windows (on each of its streams, the
 * lines of that stream from a window's first line to its last) are read again, matched to their
 * templates, and each parameter's most common values counted. Id sessions' lines lie scattered over the whole log, so
 * their incidents are not read again (their sample lines show their values).
 */
import type {Incident} from '../results.js'
import type {ReaderInput} from '../ingest/reader.js'
import {RecordAssembler} from '../ingest/assembler.js'
import type {LogRecord} from '../ingest/record.js'
import {visitLines} from '../ingest/spool.js'
import type {Session, Sessions} from '../sessions/store.js'
import {streamOf, type StreamField} from '../sessions/streams.js'
import type {TemplateMiner} from '../templates/index.js'
import {newClientTally, sampleClient, tallyClient, type ClientSample, type ClientTally} from './client-bursts.js'

/** One `<*>` of a template over an incident's lines: its type, the lines counted, its distinct values and the most common. */
export interface ParameterProfile {
  position: number
  type: string
  lines: number
  /** Distinct values (at most MAX_DISTINCT are told apart). */
  distinct: number
  values: Array<{value: string; count: number}>
}

/** Values kept per parameter. */
const TOP_VALUES = 3
/** Distinct values told apart per parameter; past it, new values only add to `lines`. */
const MAX_DISTINCT = 10_000
/** Lines read again for all incidents of a run, at most: a long incident of a big log is profiled on its first lines. */
const MAX_LINES = 1_000_000
/** Lines handed to the record assembler at once. */
const RUN_LINES = 8192
/** Templates profiled per incident (its most anomalous ones). */
const TEMPLATES_PER_INCIDENT = 3
/** A parameter is written into `as_seen` when one value holds this share of the lines counted. */
const AS_SEEN_SHARE = 0.8
/** A web access log's clients are sampled in this many runs of lines spread over the log, of SAMPLE_RUN lines each. */
const SAMPLE_RUNS = 20
const SAMPLE_RUN = 500

export interface ParameterInput {
  source: ReaderInput
  /** The format the lines were parsed with (a name of the format registry). */
  format: string
  miner: TemplateMiner
  sessions: Sessions
  /** The fields windows were split into streams by (empty: one stream). */
  streamBy: readonly StreamField[]
}

type Draft = Pick<Incident, 'session_ids' | 'templates'>

/** What an incident's lines were read again for: its templates' parameters, and who asked (web access logs). */
export interface IncidentProfile {
  /** Per template id: its parameters' profiles. */
  parameters: Map<string, ParameterProfile[]>
  /** The clients of the incident's lines (all its templates') and the statuses they got, when the lines name them (web access logs). */
  clients?: ClientTally
}

export interface ParameterProfiles {
  /** Per incident (by index): its profile. */
  incidents: IncidentProfile[]
  /** A web access log's clients, sampled over the whole log (what client-bursts.ts sets a burst against). */
  clients?: ClientSample
}

/**
 * Per incident (by index): its profile. Only incidents of window sessions (see the module's
 * comment); an empty one for the others.
 */
export async function profileParameters(incidents: readonly Draft[], input: ParameterInput): Promise<ParameterProfiles> {
  const out: IncidentProfile[] = incidents.map(() => ({parameters: new Map<string, ParameterProfile[]>()}))
  if (incidents.length === 0 || input.sessions.at(0)?.windowStart === undefined) return {incidents: out}
  const byId = new Map<string, Session>()
  for (const s of input.sessions) byId.set(s.id, s)
  // what each incident reads: its lines' range, its streams and time, its templates' counters
  const plans: Plan[] = []
  let budget = MAX_LINES
  incidents.forEach((inc, i) => {
    // per stream, the line ranges of the incident's windows on it (a line of that stream between
    // a window's first and last line is in the window: no clock needed, a syslog line has no year)
    const byStream = new Map<string, Array<[number, number]>>()
    let first = Number.POSITIVE_INFINITY
    let last = 0
    for (const id of inc.session_ids) {
      const s = byId.get(id)
      if (s === undefined || s.events === 0) continue
      const stream = input.streamBy.length > 0 ? (s.stream ?? '') : ''
      let ranges = byStream.get(stream)
      if (!ranges) byStream.set(stream, (ranges = []))
      ranges.push([s.firstLine, s.lastLine])
      first = Math.min(first, s.firstLine)
      last = Math.max(last, s.lastLine)
    }
    const templates = [...inc.templates].sort((a, b) => (b.score ?? 0) - (a.score ?? 0)).slice(0, TEMPLATES_PER_INCIDENT)
    if (last === 0 || templates.length === 0 || budget <= 0) return
    const whole = last
    last = Math.min(last, first + budget - 1)
    budget -= last - first + 1
    const counters = new Map(templates.map((t) => [t.id, [] as Counter[]]))
    const needles = templates.map((t) => longestLiteral(t.template))
    // a web access log's clients are tallied over every template of the incident: each line is matched
    const tallied = input.format === 'access' ? new Set(inc.templates.map((t) => t.id)) : undefined
    plans.push({index: i, first, last, cut: last < whole, byStream, counters, tallied, needles: tallied || needles.includes('') ? undefined : needles})
  })
  if (plans.length === 0) return {incidents: out}
  const sample = input.format === 'access' ? sampleRuns(input.sessions) : []
  const clients: ClientSample | undefined = sample.length > 0 ? {lines: 0, networks: new Map()} : undefined
  const {miner} = input
  // One record: counted for every incident whose windows hold its first line on its stream.
  const take = (record: LogRecord): void => {
    const line = record.lineId
    if (clients && record.client !== undefined && sample.some(([a, b]) => line >= a && line <= b)) sampleClient(clients, record.client)
    let stream: string | undefined
    let templateId: string | null | undefined
    for (const p of plans) {
      if (line < p.first || line > p.last) continue
      stream ??= input.streamBy.length > 0 ? streamOf(record, input.streamBy) : ''
      const ranges = p.byStream.get(stream)
      if (ranges === undefined || !ranges.some(([a, b]) => line >= a && line <= b)) continue
      // (most lines are of other templates: a literal word of one of the incident's is looked for first)
      if (p.needles && !p.needles.some((w) => record.content.includes(w))) continue
      if (templateId === undefined) templateId = miner.match(record.content)?.templateId ?? null
      if (templateId === null) return
      if (p.tallied?.has(templateId) && record.client !== undefined && record.status !== undefined) tallyClient((out[p.index].clients ??= newClientTally()), templateId, record.client, record.status)
      const counters = p.counters.get(templateId)
      if (counters === undefined) continue
      const params = miner.extractParams(record.content, templateId)
      if (params === null) continue
      params.forEach((param, k) => count((counters[k] ??= {type: param.type, lines: 0, values: new Map()}), param.value, param.type))
    }
  }
  // The lines become records as the read made them (a stack trace one record, a container line's
  // parts one line), by an assembler of the log's format over each run of consecutive lines read.
  let assembler: RecordAssembler | undefined
  let run: string[] = []
  let runFirst = 0
  let next = -1
  const flush = (end: boolean): void => {
    assembler ??= new RecordAssembler({format: input.format, onWarning: () => {}})
    for (const record of assembler.push(run, runFirst)) take(record)
    run = []
    if (!end) return
    for (const record of assembler.finish()) take(record)
    assembler = undefined
  }
  await visitLines(
    input.source,
    [...plans.map((p): [number, number] => [p.first, p.last]), ...sample],
    (line, text) => {
      if (line !== next) {
        if (next !== -1) flush(true)
        runFirst = line
      } else if (run.length >= RUN_LINES) {
        flush(false)
        runFirst = line
      }
      run.push(text)
      next = line + 1
    },
  )
  if (next !== -1) flush(true)
  for (const p of plans) {
    const tally = out[p.index].clients
    if (tally && p.cut) tally.cut = true
    for (const [id, counters] of p.counters) {
      if (counters.length === 0) continue
      out[p.index].parameters.set(
        id,
        counters.map((c, position) => ({
          position,
          type: c.type,
          lines: c.lines,
          distinct: c.values.size,
          values: [...c.values]
            .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
            .slice(0, TOP_VALUES)
            .map(([value, n]) => ({value, count: n})),
        })),
      )
    }
  }
  return {incidents: out, ...(clients ? {clients} : {})}
}

/**
 * The template with each parameter that held one value in most of the lines (AS_SEEN_SHARE)
 * written in: `GET / HTTP/2.0 504 Gateway Timeout`, `GET <*> HTTP/1.1 503 Service Unavailable`
 * when the paths varied. Undefined when no parameter held one value, or the template's `<*>`
 * are not the profiles' (a template revised after the lines were read).
 */
export function asSeen(template: string, profiles: readonly ParameterProfile[]): string | undefined {
  const parts = template.split('<*>')
  if (parts.length - 1 !== profiles.length) return undefined
  let out = parts[0]
  let filled = 0
  for (let k = 0; k < profiles.length; k++) {
    const p = profiles[k]
    const top = p.values[0]
    const one = top !== undefined && p.lines >= 2 && top.count >= AS_SEEN_SHARE * p.lines
    if (one) filled++
    out += (one ? top.value : '<*>') + parts[k + 1]
  }
  return filled > 0 ? out : undefined
}

interface Counter {
  type: string
  lines: number
  values: Map<string, number>
}

/** The runs of lines a web access log's clients are sampled in: SAMPLE_RUNS spread over its lines (the last session's last). */
function sampleRuns(sessions: Sessions): Array<[number, number]> {
  let lines = 0
  for (const s of sessions) if (s.lastLine > lines) lines = s.lastLine
  if (lines === 0) return []
  if (lines <= SAMPLE_RUNS * SAMPLE_RUN) return [[1, lines]]
  const gap = lines / SAMPLE_RUNS
  return Array.from({length: SAMPLE_RUNS}, (_, k): [number, number] => [Math.floor(k * gap) + 1, Math.floor(k * gap) + SAMPLE_RUN])
}

interface Plan {
  index: number
  first: number
  last: number
  /** The budget cut the incident's lines short: its clients are not judged. */
  cut: boolean
  /** Stream → the line ranges of the incident's windows on it. */
  byStream: Map<string, Array<[number, number]>>
  counters: Map<string, Counter[]>
  /** A web access log's: the incident's templates (all of them), whose lines' clients are tallied. */
  tallied?: Set<string>
  /** A literal word of each template (undefined: one has none), one of which a line must hold. */
  needles?: string[]
}

/** The template's longest word without a parameter ('' when every word has one). */
function longestLiteral(template: string): string {
  let best = ''
  for (const w of template.split(' ')) if (!w.includes('<*>') && w.length > best.length) best = w
  return best
}

function count(c: Counter, raw: string, type: string): void {
  c.lines++
  const value = type === 'path' || type === 'url' ? pathShape(raw) : raw
  const n = c.values.get(value)
  if (n !== undefined) c.values.set(value, n + 1)
  else if (c.values.size < MAX_DISTINCT) c.values.set(value, 1)
}

/**
 * A path with its ids as `{id}`: `/api/v1/orders/4812` → `/api/v1/orders/{id}`, so one endpoint
 * is one value. An id is a segment (between `/`, `?`, `&`, `=`, `;`) of digits, a UUID, or hex of
 * eight characters or more holding a digit.
 */
export function pathShape(path: string): string {
  return path.replace(/(?<=^|[/?&=;])(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-f]*\d)[0-9a-f]{8,})(?=$|[/?&=;#])/gi, '{id}')
}

/**
 * An incident template as the document tells it: its text, and with a profile its parameters and
 * `as_seen`, every text passed through `redact` (a password a line held is masked there too).
 */
export function describedTemplate<T extends {template: string}>(t: T, profile: readonly ParameterProfile[] | undefined, redact: (text: string) => string): T & {parameters?: ParameterProfile[]; as_seen?: string} {
  const template = redact(t.template)
  if (profile === undefined) return {...t, template}
  const seen = asSeen(t.template, profile)
  const parts = t.template.split('<*>')
  // a value is masked in its place in the template: `password=<*>`'s `hunter2` alone is no secret
  // to a redactor, nor the first word of a quoted `password: "<*> horse battery"`
  const around = (k: number): [string, string] => (parts.length - 1 === profile.length ? [parts.slice(0, k + 1).join('<*>'), parts.slice(k + 1).join('<*>')] : ['', ''])
  return {
    ...t,
    template,
    parameters: profile.map((p) => ({...p, values: p.values.map((v) => ({value: redactInPlace(around(p.position), v.value, redact), count: v.count}))})),
    ...(seen === undefined ? {} : {as_seen: redact(seen)}),
  }
}

/**
 * `value` as `redact` leaves it where it stands, between `before` and `after` (the template around
 * it): itself when the redaction of the whole leaves its span alone (a secret elsewhere in the
 * template is not this value's), else the pseudonym the redaction put there (`<SECRET_1>`), or
 * `<SECRET>` when the masked text reaches past the value.
 */
function redactInPlace([before, after]: [string, string], value: string, redact: (text: string) => string): string {
  const alone = redact(value)
  if (alone !== value) return alone
  const whole = before + value + after
  const masked = redact(whole)
  if (masked === whole) return value
  // the unchanged text at each end: the value is untouched when either reaches across it
  let head = 0
  while (head < whole.length && head < masked.length && whole[head] === masked[head]) head++
  let tail = 0
  while (tail < whole.length - head && tail < masked.length - head && whole[whole.length - 1 - tail] === masked[masked.length - 1 - tail]) tail++
  if (head >= before.length + value.length || tail >= after.length + value.length) return value
  const put = masked.slice(head, masked.length - tail)
  return /^<[A-Z_]+(?:_\d+)?>$/.test(put) && head >= before.length && tail >= after.length ? put : '<SECRET>'
}
