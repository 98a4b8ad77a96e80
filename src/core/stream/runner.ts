import type {EventSink, IncidentEvent, LineSink, LineSource, LiveLine, LiveRegion} from './contracts.js'
import type {EngineStats, LiveEngine} from './engine.js'
import {FormatGate} from './format-gate.js'
import {resolvedEvent} from './live-incidents.js'
import {isRegion, LineQueue, type Queued} from './queue.js'
import {regionLines} from './sources/live-splitter.js'
import {outwardEvent, sendToSinks} from './sinks/index.js'
import {saveLiveState} from './state.js'
import {configuredSecrets} from '../secrets.js'

export interface RunnerOptions {
  engine: LiveEngine
  sources: LineSource[]
  sinks: EventSink[]
  queueCapacity?: number
  /** How often quiet streams advance and status is reported, ms. */
  tickMs?: number
  statePath?: string
  stateEveryMs?: number
  /** Aborting stops the sources and flushes (SIGINT/SIGTERM). */
  signal?: AbortSignal
  /** Stop when every source has ended (stdin, a file read once) — the sources that say so. */
  stopAtEnd?: boolean
  /**
   * Awaited for each event before it is delivered (--summarize explains `opened` ones here), with
   * the run's signal: once it aborts (a shutdown) the call in flight is cancelled and later events
   * go out unexplained, so a slow LLM never holds up the final incidents.
   */
  enrich?: (event: IncidentEvent, signal?: AbortSignal) => Promise<void>
  onEvent?: (event: IncidentEvent) => void
  onStatus?: (status: RunnerStatus) => void
  onNote?: (note: string) => void
  /** After each successful write of the state file. */
  onStateSaved?: () => void
  /** Wall clock, epoch ms. */
  now?: () => number
  /** Credentials scrubbed from every event before it is shown or sent (default: configuredSecrets()). */
  secrets?: readonly string[]
  /** What the refusal of a log of another format than the model's names (default: the sources' names). */
  inputName?: string
}

export interface RunnerStatus {
  engine: EngineStats
  queued: number
  /** Lines refused by a full queue, over all sources. */
  dropped: number
  rejected: number
  sinks: Array<{name: string; delivered: number; failed: number; suppressed: number}>
}

/** Events waiting for enrich (an explanation) before the main loop waits for them too. */
const MAX_ENRICHING = 64

/** Bounded waits at shutdown: a hung source or sink must not keep the process alive. */
const STOP_TIMEOUT_MS = 1500
/**
 * Closing the sinks: a webhook retries the events still in flight for up to its closeTimeoutMs
 * (5 s) and bounds itself; this bounds a sink that hangs.
 */
const SINK_CLOSE_TIMEOUT_MS = 6000
/** The last commit of a source (Kafka offsets) and leaving its group. */
const SETTLE_TIMEOUT_MS = 10_000

/**
 * Runs sources → bounded queue → engine → sinks until the signal aborts (or the sources end):
 * then stops reading, scores what is left, resolves open incidents, writes the state and closes
 * the sinks, each step bounded in time.
 */
export async function runLive(options: RunnerOptions): Promise<RunnerStatus> {
  const {engine, sources, sinks} = options
  const now = options.now ?? Date.now
  const queue = new LineQueue(options.queueCapacity)
  const tickMs = options.tickMs ?? 1000
  const stateEvery = options.stateEveryMs ?? 30_000
  let lastState = now()
  let lastTick = now()

  const secrets = options.secrets ?? configuredSecrets()
  // An incident opened or resolved: the --state file is written again within a second (not 30 s),
  // so a crash or a second signal does not bring back at the next start one that sinks saw resolve.
  let incidentsChanged = false
  const emit = async (event: IncidentEvent): Promise<void> => {
    if (event.kind !== 'updated') incidentsChanged = true
    try {
      if (options.enrich && !options.signal?.aborted) await options.enrich(event, options.signal)
      // A log line may hold a password or a key: never on stdout, in a file or a webhook.
      const out = outwardEvent(event, secrets)
      options.onEvent?.(out)
      await sendToSinks(sinks, out)
    } catch (error) {
      options.onNote?.(`event ${event.kind} of ${event.incident.id} not delivered: ${(error as Error).message}`)
    }
  }
  // With enrich (an LLM explaining incidents, seconds each), events are delivered off the main
  // loop, so detection goes on meanwhile: in order per incident (its `opened`, explained, before
  // its `updated` and `resolved`), at most MAX_ENRICHING waiting before the loop waits too.
  const chains = new Map<string, Promise<void>>()
  const enriching = new Set<Promise<void>>()
  const deliver = async (events: IncidentEvent[]): Promise<void> => {
    for (const event of events) {
      if (!options.enrich) {
        await emit(event)
        continue
      }
      const id = event.incident.id
      const delivery = (chains.get(id) ?? Promise.resolve()).then(() => emit(event))
      chains.set(id, delivery)
      enriching.add(delivery)
      void delivery.finally(() => {
        enriching.delete(delivery)
        if (chains.get(id) === delivery) chains.delete(id)
      })
      while (enriching.size > MAX_ENRICHING) await Promise.race(enriching)
    }
  }
  const status = (): RunnerStatus => ({
    engine: engine.stats(),
    queued: queue.size,
    // A refused push is counted by the queue and (network sources) by the source too: not twice.
    dropped: Math.max(queue.dropped, sources.reduce((n, s) => n + s.stats().dropped, 0)),
    rejected: sources.reduce((n, s) => n + s.stats().rejected, 0),
    sinks: sinkStats(sinks),
  })
  // A periodic save keeps the sessions open then too, so a crash does not cut them in two: only
  // with sources that read on from where the state says (files) or cannot (listeners), not with a
  // source whose lines are acknowledged once scored (Kafka redelivers what was not: twice counted).
  const periodicSessions = !sources.some((s) => s.settled !== undefined)
  /** Writes the --state file (`final`: at the stop); false when there is none to write or it could not be. */
  const saveState = async (final: boolean): Promise<boolean> => {
    const miner = engine.parser.miner
    if (!options.statePath || !miner) return false
    try {
      const files = (await Promise.all(sources.map((s) => s.resumePoints?.() ?? []))).flat()
      await saveLiveState(options.statePath, {miner, nextIncident: engine.nextIncident, names: engine.parser.templates.derivedNames(), model: engine.modelFingerprint, openIncidents: engine.openIncidentStates, sessions: engine.keptSessions(!final && periodicSessions), files})
      options.onStateSaved?.()
      return true
    } catch (error) {
      options.onNote?.(`state not saved: ${(error as Error).message}`)
      return false
    }
  }

  const settle = async (final: boolean): Promise<void> => {
    // A source commits what it read (Kafka offsets) only once the events of those lines are out.
    await Promise.allSettled([...enriching])
    await Promise.all(sources.map((s) => s.settled?.(final)))
  }
  // A source that must hand its input over (a Kafka rebalance) asks for every open session scored.
  let flushes: Array<() => void> = []
  const sink: LineSink = {
    push: (line, waits) => queue.push(line, waits),
    pushRegion: (region) => queue.pushRegion(region),
    room: () => queue.room(),
    flush: () =>
      new Promise<void>((resolve) => {
        flushes.push(resolve)
        queue.interrupt()
      }),
  }
  const settleSources = sources.some((s) => s.settled !== undefined)

  for (const source of sources) await source.start(sink)
  const ended = options.stopAtEnd ? endOf(sources) : undefined
  ended?.then(() => queue.close())
  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve()
    options.signal?.addEventListener('abort', () => resolve(), {once: true})
  })
  void aborted.then(() => queue.close())

  // Scoring with a given model: a stream of another format is refused on its first lines (FormatGate).
  const gate = engine.bundle ? new FormatGate(engine.bundle, options.inputName ?? sources.map((s) => s.name).join(' ')) : undefined
  let refused: unknown
  /** False once the stream is refused (the queue is closed: the run stops). */
  const admitted = (items: Queued[]): boolean => {
    if (!gate?.pending || refused !== undefined) return refused === undefined
    try {
      for (const item of items) {
        if (!isRegion(item)) gate.observe([item.text])
        else {
          const texts: string[] = []
          regionLines(item.bytes, 0, item.bytes.length, texts)
          gate.observe(texts)
        }
        if (!gate.pending) break
      }
    } catch (error) {
      refused = error
      queue.close()
    }
    return refused === undefined
  }

  const ingest = async (items: Queued[]): Promise<void> => {
    if (!admitted(items)) return
    for (let i = 0; i < items.length; ) {
      const item = items[i]
      if (isRegion(item)) {
        const events = ingestRegion(engine, item)
        item.release?.()
        await deliver(events)
        i++
        continue
      }
      let j = i + 1
      while (j < items.length && !isRegion(items[j])) j++
      await deliver(engine.ingest((i === 0 && j === items.length ? items : items.slice(i, j)) as LiveLine[]))
      i = j
    }
  }

  while (true) {
    const lines = await queue.take(4096, tickMs)
    if (lines.length > 0) await ingest(lines)
    else if (queue.isClosed) break
    if (refused !== undefined) break
    if (flushes.length > 0) {
      const waiting = flushes
      flushes = []
      for (let rest = await queue.take(65_536, 0); rest.length > 0; rest = await queue.take(65_536, 0)) await ingest(rest)
      await deliver(engine.flushSessions())
      await settle(false)
      for (const resolve of waiting) resolve()
    } else if (settleSources && lines.length > 0) await settle(false)
    const t = now()
    if (t - lastTick >= tickMs) {
      lastTick = t
      // Quiet time counts from the newest line ingested: with lines still queued (the engine was
      // held up) the stream is not quiet, and moving event time on would close sessions early.
      if (queue.size === 0) await deliver(engine.tick(t))
      if (settleSources) await settle(false)
      options.onStatus?.(status())
    }
    if (options.statePath && (t - lastState >= stateEvery || (incidentsChanged && t - lastState >= 1000))) {
      lastState = t
      incidentsChanged = false
      await saveState(false)
    }
  }
  await withTimeout(Promise.all(sources.map((s) => s.stop())), STOP_TIMEOUT_MS)
  // Lines that arrived before the stop are still worth scoring.
  for (let rest = await queue.take(65_536, 0); rest.length > 0; rest = await queue.take(65_536, 0)) await ingest(rest)
  try {
    if (refused === undefined) gate?.end()
  } catch (error) {
    refused = error
  }
  if (refused !== undefined) {
    // Nothing of another format is scored or saved: the sinks close and the refusal is the run's end.
    await withTimeout(Promise.all(sinks.map((s) => s.close())), SINK_CLOSE_TIMEOUT_MS)
    throw refused
  }
  // A stop (not the input's end) with a --state file leaves the open incidents open: the state
  // keeps them and the next start goes on with them, so a restart does not resolve what is not.
  const stopped = options.signal?.aborted === true
  const keep = stopped && options.statePath !== undefined && engine.parser.miner !== undefined
  await deliver(engine.finish(keep ? 'kept' : stopped ? 'stopped' : 'end of input'))
  // (the signal has aborted or the sources ended: what is still being explained finishes or is cancelled)
  await Promise.allSettled([...enriching])
  for (const resolve of flushes) resolve()
  await withTimeout(settle(true), SETTLE_TIMEOUT_MS)
  const kept = engine.openIncidents
  const open = engine.keptSessions()?.sessions.length ?? 0
  if (await saveState(true)) {
    if (keep && kept.length > 0) options.onNote?.(`${kept.length} open incident${kept.length === 1 ? '' : 's'} (${kept.map((i) => i.id).join(', ')}) kept in ${options.statePath}: the next start goes on with ${kept.length === 1 ? 'it' : 'them'}`)
    if (open > 0) options.onNote?.(`${open} open session${open === 1 ? '' : 's'} kept in ${options.statePath}: the next start goes on with ${open === 1 ? 'it' : 'them'}`)
  } else if (keep) {
    // Not saved after all: the sessions kept open are scored, and the incidents resolve, as a stop without a state would.
    if (open > 0) await deliver(engine.flushSessions())
    const at = new Date(now()).toISOString()
    await deliver(engine.openIncidents.map((incident) => resolvedEvent(incident, at, 'stopped')))
    await Promise.allSettled([...enriching])
  }
  await closeSinks(sinks)
  // (once the sinks are closed: the events they could not deliver at the end are counted)
  const final = status()
  options.onStatus?.(final)
  return final
}

/** Each sink's counts (delivered, failed, suppressed), by its name: a run's status, and replay's summary. */
export function sinkStats(sinks: readonly EventSink[]): RunnerStatus['sinks'] {
  return sinks.map((s) => ({name: s.name, ...s.stats()}))
}

/**
 * Lines a source handed over as bytes: all but the last through the engine's byte path when it
 * takes them (the last line tells whether the one before it ends its record), the rest as the
 * LiveLines the source would otherwise have pushed — the same records either way.
 */
export function ingestRegion(engine: LiveEngine, region: LiveRegion): IncidentEvent[] {
  const {bytes, source, arrivedAt} = region
  const end = bytes.length - 1
  const lastStart = bytes.lastIndexOf(10, end - 1) + 1
  const taken = lastStart > 0 ? engine.ingestBytes(bytes, 0, lastStart - 1, engine.startsRecord(bytes, lastStart, end), {source, arrivedAt}) : undefined
  const texts: string[] = []
  regionLines(bytes, taken ? lastStart : 0, bytes.length, texts)
  const events = engine.ingest(texts.map((text) => ({text, source, arrivedAt})))
  return taken ? [...taken.events, ...events] : events
}

/** Closes the sinks (their last deliveries), bounded by SINK_CLOSE_TIMEOUT_MS: a hung sink does not keep the process alive. */
export async function closeSinks(sinks: readonly EventSink[]): Promise<void> {
  await withTimeout(Promise.all(sinks.map((s) => s.close())), SINK_CLOSE_TIMEOUT_MS)
}

/** Resolves when every source has ended; undefined when one of them never ends by itself. */
function endOf(sources: LineSource[]): Promise<void> | undefined {
  if (sources.some((s) => s.ended === undefined)) return undefined
  return Promise.all(sources.map((s) => s.ended!())).then(() => undefined)
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
