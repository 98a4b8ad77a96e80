import {constants as fsConstants} from 'node:fs'
import {copyFile, readFile} from 'node:fs/promises'
import {ExitCode, FlareError} from '../errors.js'
import {writeError, writeFileAtomic} from '../io/output.js'
import {TemplateMiner} from '../templates/index.js'
import {parseTemplateState} from '../templates/state-schema.js'
import * as z from '../zod.js'
import type {FileResumePoint} from './contracts.js'
import type {OpenIncidentState} from './live-incidents.js'
import {SAVED_SESSIONS, type SavedSessions} from './session-state.js'

/**
 * What survives a restart of `flare collect`: the template miner (so ids stay), the incident
 * numbering, and the incidents open at the stop (they go on open rather than resolve).
 */
export interface LiveState {
  miner: TemplateMiner
  nextIncident: number
  /** Miner id → name of the templates first mined live (named by their text; see LiveTemplates). Derived again on load. */
  names?: Record<string, string>
  /**
   * The fingerprint (modelFingerprint) of the model the engine scored with when this was saved;
   * undefined when none was recorded (a file from an older Flare, or one saved while a --train-for
   * stretch was still training). On load with another model the templates are not used.
   */
  model?: string
  openIncidents?: OpenIncidentState[]
  /** Sessions open at the stop (session-state.ts): the next start goes on with them. Absent in files of an older Flare. */
  sessions?: SavedSessions
  /** Followed files' read positions (LineSource.resumePoints): the next start reads on from them. */
  files?: FileResumePoint[]
}

interface LiveStateFile {
  kind: 'flare-live-state'
  version: 1
  saved: string
  next_incident: number
  templates: unknown
  /** The names incident events used for templates first mined live (informational: they follow from the templates' texts). */
  template_names?: Record<string, string>
  /** The model the state was written with (see LiveState.model). */
  model_fingerprint?: string
  /** Incidents open when it was saved (OpenIncidentState). */
  open_incidents?: OpenIncidentState[]
  /** Sessions open when it was saved (LiveState.sessions; a Flare without it ignores it and starts them anew). */
  open_sessions?: SavedSessions
  /** Where each followed file was read to (LiveState.files). */
  files?: FileResumePoint[]
}

const FILES = z.array(z.object({path: z.string(), key: z.string().regex(/^\d+:\d+$/), position: z.number().int().nonnegative(), tail: z.string().max(128).regex(/^[A-Za-z0-9+/]*={0,2}$/)}))

const SEVERITY = z.enum(['low', 'medium', 'high', 'critical'])
const TIME = z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'not a date')
/** What a restored open incident must hold (the engine reads every field). */
const OPEN_INCIDENTS = z.array(
  z.object({
    incident: z.object({
      id: z.string(),
      severity: SEVERITY,
      title: z.string(),
      signature: z.array(z.string()),
      firstSeen: TIME,
      lastSeen: TIME,
      detectedAt: TIME,
      delayMs: z.number(),
      sessions: z.number().int().positive(),
      score: z.number(),
      hosts: z.array(z.string()),
      sampleLines: z.array(z.string()),
      summary: z.object({rootCause: z.string(), remediation: z.array(z.string()), provider: z.string()}).optional(),
    }),
    last: z.number(),
    signature: z.array(z.string()),
    lead: z.string().optional(),
    reported: z.number().int().positive(),
  }),
)

export async function saveLiveState(path: string, state: LiveState): Promise<void> {
  const file: LiveStateFile = {kind: 'flare-live-state', version: 1, saved: new Date().toISOString(), next_incident: state.nextIncident, ...(state.model ? {model_fingerprint: state.model} : {}), templates: state.miner.toJSON(), ...(state.names && Object.keys(state.names).length > 0 ? {template_names: state.names} : {}), ...(state.openIncidents && state.openIncidents.length > 0 ? {open_incidents: state.openIncidents} : {}), ...(state.sessions && state.sessions.sessions.length > 0 ? {open_sessions: state.sessions} : {}), ...(state.files && state.files.length > 0 ? {files: state.files} : {})}
  await writeFileAtomic(path, JSON.stringify(file), {flag: '--state'})
}

/** The saved state, or undefined when the file does not exist yet (a first run). */
export async function loadLiveState(path: string): Promise<LiveState | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new FlareError(`cannot read --state ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  const bad = (detail: string): FlareError => new FlareError(`--state ${path} is not a Flare live state: ${detail}`, {exitCode: ExitCode.badInput, hint: 'point --state at a file written by flare collect --state, or at a new path'})
  let json: Partial<LiveStateFile>
  try {
    json = JSON.parse(text) as Partial<LiveStateFile>
  } catch {
    throw bad('not valid JSON')
  }
  if (json?.kind !== 'flare-live-state' || json.version !== 1) throw bad('kind/version missing')
  let openIncidents: OpenIncidentState[] | undefined
  if (json.open_incidents !== undefined) {
    const parsed = OPEN_INCIDENTS.safeParse(json.open_incidents)
    if (!parsed.success) throw bad(`open_incidents: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    openIncidents = parsed.data
    const ids = openIncidents.map((o) => o.incident.id)
    const twice = ids.find((id, i) => ids.indexOf(id) !== i)
    if (twice !== undefined) throw bad(`open_incidents: ${twice} is there twice`)
  }
  let files: FileResumePoint[] | undefined
  if (json.files !== undefined) {
    const parsed = FILES.safeParse(json.files)
    if (!parsed.success) throw bad(`files: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    files = parsed.data
  }
  let sessions: SavedSessions | undefined
  if (json.open_sessions !== undefined) {
    const parsed = SAVED_SESSIONS.safeParse(json.open_sessions)
    if (!parsed.success) throw bad(`open_sessions: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    sessions = parsed.data as SavedSessions
  }
  try {
    return {...(files ? {files} : {}), ...(sessions ? {sessions} : {}), miner: TemplateMiner.fromJSON(parseTemplateState(json.templates)), nextIncident: nextIncidentAfter(Number.isInteger(json.next_incident) && json.next_incident! > 0 ? json.next_incident! : 1, openIncidents ?? []), ...(typeof json.model_fingerprint === 'string' && json.model_fingerprint !== '' ? {model: json.model_fingerprint} : {}), ...(openIncidents ? {openIncidents} : {})}
  } catch (error) {
    if (error instanceof FlareError) throw error
    throw bad((error as Error).message)
  }
}

/** The next incident number: past every restored incident's (INC-0042 → 43), whatever the file says. */
function nextIncidentAfter(next: number, open: readonly OpenIncidentState[]): number {
  let n = next
  for (const o of open) {
    const m = /^INC-(\d+)$/.exec(o.incident.id)
    if (m) n = Math.max(n, Number(m[1]) + 1)
  }
  return n
}

/**
 * A copy of a state file written with another model, made before this run's state replaces it
 * (a run started with the wrong --model by mistake must not cost the right model's template ids):
 * `<path>.<its model's fingerprint, 8 hex digits>.bak`, never over an earlier copy. Returns the
 * copy's path.
 */
export async function keepOtherModelState(path: string, fingerprint: string | undefined): Promise<string> {
  const tag = (fingerprint ?? 'unknown').replace(/^sha256:/, '').slice(0, 8)
  for (let n = 1; ; n++) {
    const copy = `${path}.${tag}${n === 1 ? '' : `-${n}`}.bak`
    try {
      await copyFile(path, copy, fsConstants.COPYFILE_EXCL)
      return copy
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(error, copy, '--state')
    }
  }
}
