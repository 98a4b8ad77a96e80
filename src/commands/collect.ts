import {Args, Flags} from '@oclif/core'
import {checkOutputs, ownFiles} from '../core/io/output.js'
import {modelFolderOutput, saveBundle, type ModelBundle} from '../core/model-bundle.js'
import type {IncidentEvent} from '../core/stream/contracts.js'
import {LiveEngine} from '../core/stream/engine.js'
import {boundHeapGrowth} from '../core/stream/heap.js'
import {runLive, type RunnerStatus} from '../core/stream/runner.js'
import {openSinks, sinkOutputs} from '../core/stream/sinks/index.js'
import {openSources} from '../core/stream/sources/index.js'
import {keepOtherModelState, loadLiveState} from '../core/stream/state.js'
import {warnCredentialTemplates} from '../ui/credential-warning.js'
import {FlareCommand} from '../ui/flare-command.js'
import {int, utcClock} from '../ui/format.js'
import {engineOptionsFrom, explainOpened, liveEngineFlags, summarizerFrom} from '../ui/live-flags.js'
import {liveSummaryFlags} from '../ui/summary-flags.js'
import {liveNote, liveStatus, nothingScoredWarning, showEvent} from '../ui/live-view.js'
import {stopOnSignals} from '../ui/live-stop.js'
import {err} from '../ui/style.js'
import {printWarning} from '../ui/warnings.js'

export default class Collect extends FlareCommand {
  static override description = 'Watch live logs and raise incidents as they happen (files, stdin, syslog, OTLP in; terminal, JSON lines, webhooks out)'
  static override examples = [
    'tail -F /var/log/app.log | <%= config.bin %> collect - --model ./model',
    '<%= config.bin %> collect /var/log/syslog --train-for 30m --state flare-state.json --sink jsonl:incidents.jsonl',
    '<%= config.bin %> collect syslog+udp://127.0.0.1:5514 --model models:/flare-detector@champion --sink slack:https://hooks.slack.com/...',
  ]
  static override strict = false
  static override args = {
    // oclif would otherwise read piped stdin as the argument's value, eating the first lines.
    sources: Args.string({ignoreStdin: true, description: 'sources: - (stdin), a file or glob (followed), syslog+udp://H:P, syslog+tcp://H:P, otlp+http://H:P, kafka://H:P/TOPIC?group=NAME [default: -]'}),
  }
  static override flags = {
    sink: Flags.string({description: 'deliver incident events here: jsonl:PATH, webhook:URL, slack:URL, kafka://H:P/TOPIC', multiple: true}),
    state: Flags.string({description: 'state file: loaded at start, saved every 30s and at shutdown; template ids, incident numbers, and the incidents and sessions open at a stop (or, after a crash, at the last save) survive a restart (a stop neither resolves nor scores them early)'}),
    json: Flags.boolean({description: 'print incident events as JSON lines on stdout (the status goes to stderr)'}),
    group: Flags.string({description: 'consumer group of kafka:// sources that name none (?group=NAME); instances in one group split the partitions [default: flare]'}),
    'from-start': Flags.boolean({description: 'read the files that already exist from their first line (default: from their end, like tail -F; files that appear later are read whole)'}),
    queue: Flags.integer({description: 'lines buffered between the sources and the engine; beyond, network sources drop (counted), files and stdin wait', default: 65_536, min: 1, max: 10_000_000}),
    ...liveEngineFlags,
    ...liveSummaryFlags,
  }

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Collect)
    const specs = (argv as string[]).length > 0 ? (argv as string[]) : ['-']
    const outputs = [
      ...(flags['save-model'] ? [modelFolderOutput(flags['save-model'])] : []),
      ...(flags.state ? [{path: flags.state, flag: '--state'}] : []),
      ...sinkOutputs(flags.sink),
    ]
    await checkOutputs(outputs, specs)
    const options = await engineOptionsFrom(flags)
    boundHeapGrowth()
    const state = flags.state ? await loadLiveState(flags.state) : undefined
    const note = liveNote
    let trained: ModelBundle | undefined
    const engine = new LiveEngine({
      ...options,
      miner: state?.miner,
      minerModel: state?.model,
      nextIncident: state?.nextIncident,
      openIncidents: state?.openIncidents,
      openSessions: state?.sessions,
      inputName: specs.join(' '),
      onWarning: (w) => printWarning(w),
      onNote: note,
      onTrained: (bundle) => (trained = bundle),
    })
    if (state && engine.stateUsed) note(`state ${flags.state}: ${state.miner.size} templates restored`)
    if (state && !engine.stateUsed) note(`state ${flags.state}: kept as ${await keepOtherModelState(flags.state!, state.model)} (written with another model); this run's state replaces it`)
    const resumed = state?.openIncidents ?? []
    if (resumed.length > 0 && !engine.stateUsed) note(`state ${flags.state}: ${resumed.length} incident${resumed.length === 1 ? '' : 's'} open at the last stop resolve${resumed.length === 1 ? 's' : ''} as stopped (another model: nothing of this run can join ${resumed.length === 1 ? 'it' : 'them'})`)
    else if (resumed.length > 0) note(`state ${flags.state}: ${resumed.length} incident${resumed.length === 1 ? '' : 's'} open at the last stop go${resumed.length === 1 ? 'es' : ''} on (${resumed.map((r) => r.incident.id).join(', ')})`)
    const carried = state?.sessions?.sessions.length ?? 0
    if (carried > 0 && engine.stateUsed && state!.model === engine.modelFingerprint) note(`state ${flags.state}: ${carried} session${carried === 1 ? '' : 's'} open at the last stop go${carried === 1 ? 'es' : ''} on`)
    else if (carried > 0) note(`state ${flags.state}: ${carried} session${carried === 1 ? '' : 's'} open at the last stop start${carried === 1 ? 's' : ''} anew (cut for another model)`)
    const summarizer = await summarizerFrom(flags, note)
    const sources = openSources(specs, {onNote: note, group: flags.group, fromStart: flags['from-start'], resume: state?.files, exclude: ownFiles(outputs)})
    const sinks = await openSinks(flags.sink ?? [], {onNote: note})
    const controller = new AbortController()
    let lastSaved: string | undefined
    // The first signal stops collection cleanly (sessions scored, state written, sinks closed);
    // a second one quits at once, saying what that leaves unsaved.
    const unlisten = stopOnSignals(controller, {
      stopping: flags.state ? 'keeping open sessions, saving the state' : 'scoring open sessions',
      quit: () => `open sessions were not scored${flags.state ? `; ${flags.state} is as saved ${lastSaved ?? 'at start'}` : ''}`,
    })
    note(`collecting from ${sources.map((s) => s.name).join(', ')}${sinks.length ? ` → ${sinks.map((s) => s.name).join(', ')}` : ''} (Ctrl-C to stop)`)
    let lastStatus = 0
    const final: RunnerStatus = await runLive({
      engine,
      sources,
      sinks,
      queueCapacity: flags.queue,
      statePath: flags.state,
      signal: controller.signal,
      stopAtEnd: specs.every((s) => s === '-'),
      inputName: specs.map((s) => (s === '-' ? 'stdin' : s)).join(' '),
      onNote: note,
      onStateSaved: () => (lastSaved = `at ${utcClock(new Date().toISOString())}`),
      enrich: (event, signal) => explainOpened(event, engine, summarizer, signal),
      onEvent: (event: IncidentEvent) => showEvent(event, flags.json, (line) => this.log(line)),
      onStatus: (status) => {
        const now = Date.now()
        if (now - lastStatus < 10_000 && process.stderr.isTTY !== true) return
        lastStatus = now
        liveStatus(status)
      },
    })
    unlisten()
    if (trained && flags['save-model']) {
      await saveBundle(flags['save-model'], trained)
      warnCredentialTemplates(trained.miner, 'the saved model')
    }
    liveStatus(final, 'stopped: ')
    if (final.dropped > 0) note(`${int(final.dropped)} lines were dropped because the queue was full`)
    const unscored = nothingScoredWarning(final.engine)
    if (unscored) process.stderr.write(`${err.yellow('warning:')} ${unscored}\n`)
  }
}
