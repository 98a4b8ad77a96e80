import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../core/errors.js'
import type {LabelLookup} from '../core/evaluate/label-table.js'
import {noSessionLabelled, readLabels} from '../core/evaluate/labels.js'
import {detectFormat, readLineBatches} from '../core/ingest/index.js'
import {formatDuration} from '../core/sessions/window.js'
import {checkOutputs, writeFileAtomic} from '../core/io/output.js'
import {checkModelFormat} from '../core/model-fit.js'
import {Injector, parseInjection} from '../core/stream/inject.js'
import {modelFolderOutput, saveBundle, type ModelBundle} from '../core/model-bundle.js'
import type {IncidentEvent, LiveIncident} from '../core/stream/contracts.js'
import {LiveEngine, type EngineStats} from '../core/stream/engine.js'
import {boundHeapGrowth} from '../core/stream/heap.js'
import {LivePool} from '../core/stream/live-pool.js'
import {OnlineScore, type LiveEvaluation} from '../core/stream/live-evaluation.js'
import {replayFile, type Pace} from '../core/stream/replay.js'
import {fileTargetPath, openSender} from '../core/stream/senders.js'
import {closeSinks, sinkStats, type RunnerStatus} from '../core/stream/runner.js'
import {openSinks, outwardEvent, sendToSinks, sinkOutputs} from '../core/stream/sinks/index.js'
import {warnCredentialTemplates} from '../ui/credential-warning.js'
import {FlareCommand} from '../ui/flare-command.js'
import {int, ms, rate} from '../ui/format.js'
import {engineOptionsFrom, explainOpened, liveEngineFlags, summarizerFrom} from '../ui/live-flags.js'
import {liveSummaryFlags} from '../ui/summary-flags.js'
import {liveNote, nothingScoredWarning, showEvent, sinkProblems} from '../ui/live-view.js'
import {stopOnSignals} from '../ui/live-stop.js'
import {err, out} from '../ui/style.js'
import {table} from '../ui/table.js'
import {printWarning} from '../ui/warnings.js'
import {configuredSecrets} from '../core/secrets.js'

export interface ReplayOutput {
  summary: {input: string; lines: number; elapsed_ms: number; lines_per_second: number; pace: string; engine?: EngineStats; sinks?: RunnerStatus['sinks']; interrupted?: {at_line: number; event_time?: string}}
  incidents: LiveIncident[]
  /** Session ids scored anomalous, in order of detection. */
  flagged: string[]
  evaluation?: LiveEvaluation
  /** Sessions changed by --inject. */
  injected?: number
}

export default class Replay extends FlareCommand {
  static override description = 'Play a recorded log back as a live stream: through the live detection engine (incidents as they would have been raised), or into a collector (--to)'
  static override examples = [
    '<%= config.bin %> replay -i data/hdfs_sample.log --max --model ./model --labels data/hdfs_sample_labels.csv',
    '<%= config.bin %> replay -i app.log --speed 10x --train-for 5000',
    '<%= config.bin %> replay -i app.log --rate 500/s --to file:/tmp/live.log',
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'recorded log file (.gz ok)', required: true}),
    speed: Flags.string({description: 'play at this multiple of the original pace (gaps between timestamps scaled): 1x, 10x, 0.5x', exclusive: ['rate', 'max']}),
    rate: Flags.string({description: 'play at a fixed rate of lines: 5000/s', exclusive: ['speed', 'max']}),
    max: Flags.boolean({description: 'play as fast as possible (the default)', exclusive: ['speed', 'rate']}),
    to: Flags.string({description: 'send the lines to a collector instead of the engine: udp://H:P, tcp://H:P, file:PATH, otlp+http://H:P, kafka://H:P/TOPIC (keyed by session)'}),
    inject: Flags.string({description: 'inject anomalies into sessions as they replay (seeded): error, burst, drop, duplicate, reorder, silent (a host goes quiet: the rest of the session vanishes), latency (numbers in the rest of the session ×10), each kind[:share of sessions], e.g. error:0.01,drop:0.01,seed=7', dependsOn: ['truth']}),
    truth: Flags.string({description: 'with --inject: write the injected sessions (ground truth, a label CSV) here', dependsOn: ['inject']}),
    labels: Flags.string({description: 'CSV of session ids and labels (as for detect): report online precision/recall/F1 and detection delay'}),
    sink: Flags.string({description: 'also deliver incident events here: jsonl:PATH, webhook:URL, slack:URL', multiple: true}),
    ...liveEngineFlags,
    ...liveSummaryFlags,
  }

  async run(): Promise<ReplayOutput> {
    const {flags} = await this.parse(Replay)
    const pace = parsePace(flags)
    const target = flags.to ? fileTargetPath(flags.to) : undefined
    await checkOutputs([
      ...(target ? [{path: target, flag: '--to'}] : []),
      ...(flags['save-model'] ? [modelFolderOutput(flags['save-model'])] : []),
      ...(flags.truth ? [{path: flags.truth, flag: '--truth'}] : []),
      ...sinkOutputs(flags.sink),
    ], [flags.input, flags.labels ?? ''])
    if (flags.to) {
      if (flags.labels) throw new FlareError('--labels measures the engine; with --to the lines go to a collector', {exitCode: ExitCode.usage})
      const sender = await openSender(flags.to, {format: flags.format})
      let sent = 0
      try {
        const result = await replayFile({input: flags.input, pace, format: flags.format, deliver: async (lines) => {
          for (const line of lines) await sender.send(line.text)
          sent += lines.length
        }})
        if (result.lines === 0) throw noRecords(flags.input)
        if (!this.jsonEnabled()) this.log(`${out.green('✔')} replayed ${int(sent)} lines to ${flags.to} in ${ms(result.elapsedMs)}`)
        return {summary: {input: flags.input, lines: result.lines, elapsed_ms: Math.round(result.elapsedMs), lines_per_second: Math.round(result.lines / Math.max(0.001, result.elapsedMs / 1000)), pace: describePace(pace)}, incidents: [], flagged: []}
      } finally {
        await sender.close()
      }
    }

    const labels = flags.labels ? await readLabels(flags.labels) : undefined
    const options = await engineOptionsFrom(flags)
    // As detect --model: a log of another format than the model's is refused before it is played.
    if (options.model) await checkModelFormat(options.model, flags.input, flags.input)
    boundHeapGrowth()
    const injector = flags.inject ? new Injector(parseInjection(flags.inject), flags.format && flags.format !== 'auto' ? flags.format : options.model?.manifest.format ?? (await sniffFormat(flags.input))) : undefined
    // Labelled ids indexed up front: what the replay keeps per session scored stays flat.
    const score = new OnlineScore(labels?.labels)
    let trained: ModelBundle | undefined
    // The replay's clock is where the log has got to, so detection delays are in the log's time.
    let engine: LiveEngine | undefined
    engine = new LiveEngine({
      ...options,
      inputName: flags.input,
      clock: () => engine!.eventTime,
      onWarning: (w) => printWarning(w),
      onNote: (note) => {
        if (!this.jsonEnabled() && !note.startsWith('template ')) liveNote(note)
      },
      onScored: (s) => score.observe(s),
      onTrained: (bundle) => (trained = bundle),
    })
    const summarizer = await summarizerFrom(flags, liveNote)
    const sinks = await openSinks(flags.sink ?? [], {onNote: (note) => this.jsonEnabled() || liveNote(note)})
    const final = new Map<string, LiveIncident>()
    const secrets = configuredSecrets()
    // As in `collect`: the first Ctrl-C or SIGTERM stops the replay cleanly (open sessions scored,
    // open incidents resolved as stopped and delivered, sinks closed, a partial summary); a second quits.
    const controller = new AbortController()
    const unlisten = stopOnSignals(controller, {stopping: 'scoring open sessions, closing open incidents', quit: () => 'open sessions were not scored, open incidents not closed in the sinks'})
    const handle = async (events: IncidentEvent[]): Promise<void> => {
      for (const raw of events) {
        // (a stop cancels an explanation in flight: the final events go out unexplained, as in collect)
        if (!controller.signal.aborted) await explainOpened(raw, engine!, summarizer, controller.signal)
        // (as `collect` does: a password or a key in a log line is not shown or sent)
        const event = outwardEvent(raw, secrets)
        final.set(event.incident.id, event.incident)
        // (--json: one summary document on stdout; the events go to --sink jsonl:)
        if (!this.jsonEnabled()) showEvent(event, false, (line) => this.log(line))
        await sendToSinks(sinks, event)
      }
    }
    const started = performance.now()
    // As fast as possible, the regions of an HDFS log are mined on worker threads ahead of their turn.
    const pool = pace.kind === 'max' && !injector ? LivePool.open(engine, flags.input) : undefined
    let result
    try {
      result = await replayFile({input: flags.input, pace, signal: controller.signal, inject: injector, format: flags.format ?? options.model?.manifest.format, latenessMs: options.latenessMs, onNote: (note) => this.jsonEnabled() || liveNote(note), onWarning: (w) => printWarning(w), deliver: (lines) => handle(engine!.ingest(lines)), deliverBytes: async (region, next) => {
        const taken = pool ? await pool.take(region, next) : engine!.ingestBytes(region.buf, region.start, region.end, next)
        if (taken === undefined) return undefined
        await handle(taken.events)
        return taken.lines
      }, sendBytes: pool && {ahead: pool.ahead, send: (region, next, alone) => pool.send(region, next, alone)}})
      await handle(engine.finish(result.interrupted ? 'stopped' : 'end of input'))
    } finally {
      await pool?.close()
      await closeSinks(sinks)
      unlisten()
    }
    if (result.lines === 0 && !result.interrupted) throw noRecords(flags.input)
    // As detect refuses it: labels that name none of the sessions would evaluate nothing, all zeros.
    if (labels && !result.interrupted && score.sessions > 0 && score.labelled(labels.labels) === 0) {
      const m = engine.bundle!.manifest
      throw noSessionLabelled(score.sessions, m.session_key === 'window' ? `window (${formatDuration(m.window_ms)})` : m.session_key, score.sessionIds[0], flags.labels!, labels.idColumn)
    }
    const elapsed = performance.now() - started
    if (trained && flags['save-model']) {
      await saveBundle(flags['save-model'], trained)
      warnCredentialTemplates(trained.miner, 'the saved model')
    }
    if (injector && flags.truth) await writeFileAtomic(flags.truth, injector.truthCsv(), {flag: '--truth'})
    // Injected sessions are anomalies; without --labels every other session counts as normal.
    let truth: LabelLookup | undefined = labels?.labels
    if (injector) {
      const injected = new Map<string, boolean>(labels?.labels ?? score.sessionIds.map((id) => [id, false]))
      for (const i of injector.injected) injected.set(i.session, true)
      truth = injected
    }
    const output: ReplayOutput = {
      // (the sinks are closed: what they could not deliver at the end is counted, as collect counts it)
      summary: {input: flags.input, lines: result.lines, elapsed_ms: Math.round(elapsed), lines_per_second: Math.round(result.lines / Math.max(0.001, elapsed / 1000)), pace: describePace(pace), engine: engine.stats(), ...(sinks.length > 0 ? {sinks: sinkStats(sinks)} : {}), ...(result.interrupted ? {interrupted: interruptedAt(result.lines, engine.eventTime)} : {})},
      incidents: [...final.values()],
      flagged: score.flaggedIds,
      ...(truth ? {evaluation: score.evaluate(truth)} : {}),
      ...(injector ? {injected: injector.injected.length} : {}),
    }
    if (!this.jsonEnabled()) this.render(output, flags['save-model'] && trained ? flags['save-model'] : undefined)
    const unscored = nothingScoredWarning(output.summary.engine!)
    if (unscored) process.stderr.write(`${err.yellow('warning:')} ${unscored}\n`)
    const undelivered = sinkProblems(output.summary.sinks ?? [])
    if (undelivered.length > 0) process.stderr.write(`${err.yellow('warning:')} ${undelivered.join(' · ')}\n`)
    return output
  }

  private render(o: ReplayOutput, savedTo?: string): void {
    const e = o.summary.engine!
    const closed = Object.values(e.sessions.closed).reduce((a, b) => a + b, 0)
    this.log('')
    this.log(`${out.bold('Flare replay')} ${out.dim('·')} ${o.summary.input} ${out.dim('·')} ${o.summary.pace}`)
    const stop = o.summary.interrupted
    if (stop) this.log(out.yellow(`interrupted at line ${int(stop.at_line)}${stop.event_time ? ` (log time ${stop.event_time})` : ''}: the figures below are for the log up to there`))
    const t = table(['lines', 'lines/s', 'sessions', 'anomalous', 'incidents', 'unseen templates', 'late', 'time'], {colAligns: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']})
    t.push([int(o.summary.lines), rate(o.summary.lines_per_second), int(closed), int(e.anomalous), int(e.incidentsOpened), int(e.unseenTemplates), int(e.sessions.late), ms(o.summary.elapsed_ms)])
    this.log(t.toString())
    const ev = o.evaluation
    if (ev) {
      const m = table(['precision', 'recall', 'F1', 'TP', 'FP', 'FN', 'TN', 'delay p50', 'delay p90'], {colAligns: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']})
      m.push([ev.precision.toFixed(3), ev.recall.toFixed(3), out.bold(ev.f1.toFixed(3)), ev.tp, ev.fp, ev.fn, ev.tn, ms(ev.delay_ms.p50), ms(ev.delay_ms.p90)])
      this.log(m.toString())
      if (o.injected !== undefined) this.log(out.dim(`${int(o.injected)} sessions had anomalies injected`))
    }
    if (savedTo) this.log(`${out.green('✔')} model saved to ${out.bold(savedTo)}`)
  }
}

function parsePace(flags: {speed?: string; rate?: string; max?: boolean}): Pace {
  if (flags.speed) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*x?\s*$/i.exec(flags.speed)
    const factor = m ? Number(m[1]) : Number.NaN
    if (!(factor > 0)) throw new FlareError(`invalid --speed "${flags.speed}"`, {exitCode: ExitCode.usage, hint: 'e.g. --speed 10x or --speed 0.5x'})
    return {kind: 'speed', factor}
  }
  if (flags.rate) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*s)?\s*$/i.exec(flags.rate)
    const perSecond = m ? Number(m[1]) : Number.NaN
    if (!(perSecond > 0)) throw new FlareError(`invalid --rate "${flags.rate}"`, {exitCode: ExitCode.usage, hint: 'e.g. --rate 5000/s'})
    return {kind: 'rate', perSecond}
  }
  return {kind: 'max'}
}

/** The log's format from its first lines (what the injector parses session ids with). */
async function sniffFormat(input: string): Promise<string> {
  for await (const batch of readLineBatches(input, {batchSize: 200})) return detectFormat(batch).format.name
  return 'generic'
}

/** As `flare detect` says it: an empty log is bad input (exit 3), not a clean run. */
function noRecords(input: string): FlareError {
  return new FlareError(`no log records in ${input === '-' ? 'stdin' : input}`, {exitCode: ExitCode.badInput, hint: 'the input is empty or holds only blank lines'})
}

function interruptedAt(lines: number, eventTime: number): {at_line: number; event_time?: string} {
  return {at_line: lines, ...(Number.isFinite(eventTime) && eventTime > 0 ? {event_time: new Date(eventTime).toISOString()} : {})}
}

function describePace(pace: Pace): string {
  return pace.kind === 'max' ? 'as fast as possible' : pace.kind === 'speed' ? `${pace.factor}× original pace` : `${pace.perSecond} lines/s`
}
