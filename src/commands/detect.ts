import {Flags} from '@oclif/core'
import {detectorHelp, detectorNames, registryFor} from '../core/detect/catalog.js'
import {ExitCode, FlareError} from '../core/errors.js'
import {FeatureSetName, type FeatureConfig} from '../core/features/build.js'
import {editedFeatures, type FeatureEdits} from '../core/features/config.js'
import {FORMAT_NAMES} from '../core/ingest/index.js'
import {withKeys, writeJsonFileAtomic} from '../core/io/json-stream.js'
import {checkOutputs, companionOutput} from '../core/io/output.js'
import {DEFAULT_CONFIG_FILE} from '../core/templates/user-config.js'
import {loadBundle, modelFolderOutput, saveBundle, type ModelBundle} from '../core/model-bundle.js'
import {detect, type DetectOutput, type Stage} from '../core/pipeline.js'
import type {SummariesDocument} from '../core/explain/schema.js'
import {describeLines, describeSilence, type Results} from '../core/results.js'
import {DEFAULT_MAX_SESSIONS, MAX_WINDOWS_PER_LINE} from '../core/sessions/store.js'
import {parseDuration} from '../core/sessions/window.js'
import {parseStreamFields} from '../core/sessions/streams.js'
import {int, ms, pct, truncate} from '../ui/format.js'
import {Progress} from '../ui/progress.js'
import {err, out, severityColor} from '../ui/style.js'
import {clientBurstsText, leadTemplate, whereText} from '../ui/lead-template.js'
import {fitLine, table} from '../ui/table.js'
import {FlareCommand} from '../ui/flare-command.js'
import {printWarning} from '../ui/warnings.js'
import {warnCredentialTemplates} from '../ui/credential-warning.js'
import {detectTrackingFlags, TRACKING_OFF_LINE} from '../ui/mlflow-flags.js'
import {detectSummaryFlags} from '../ui/summary-flags.js'
import {parserConfigFlags, parserConfigFromFlags} from '../ui/parser-flags.js'

/** The MLflow client and the explain engine load only when a run uses them (start-up time). */
const tracking = async (): Promise<typeof import('../tracking/env-client.js') & typeof import('../ui/detect-tracking.js')> => ({
  ...(await import('../tracking/env-client.js')),
  ...(await import('../ui/detect-tracking.js')),
})
const stderrLine = (line: string): void => void process.stderr.write(`${line}\n`)
const needsTracking = (flags: {track: boolean; register?: string; model?: string}): boolean =>
  Boolean(flags.register || flags.model?.startsWith('models:/') || (flags.track && process.env.MLFLOW_TRACKING_URI))

const STAGE_LABEL: Record<Stage, string> = {
  read: 'Reading and mining templates',
  labels: 'Reading labels',
  features: 'Building session features',
  fit: 'Fitting detector',
  score: 'Scoring sessions',
  incidents: 'Clustering incidents',
  samples: 'Collecting sample lines',
  evaluate: 'Evaluating against labels',
}

export default class Detect extends FlareCommand {
  static override description = 'Find anomalous sessions in a log, group them into incidents and (with labels) measure accuracy'
  // oclif's generated usage line lists every flag and garbles those that depend on --summarize
  static override usage = [
    '<%= command.id %> -i LOG [-o RESULTS.json] [--labels CSV] [-d DETECTOR] [--session-key KEY] [--window 5m] [--by host]',
    '<%= command.id %> -i LOG --model DIR|models:/NAME@ALIAS [--summarize [--llm-provider P]] [--track] [--json]',
  ]
  static override examples = [
    '<%= config.bin %> detect -i data/hdfs_sample.log --labels data/hdfs_sample_labels.csv',
    '<%= config.bin %> detect -i app.jsonl --session-key request -o results.json',
    '<%= config.bin %> detect -i /var/log/syslog --window 10m --step 5m',
    '<%= config.bin %> detect -i today.log --model ./model --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'log file (.gz ok), or - for stdin', required: true}),
    labels: Flags.string({description: 'CSV of session ids and a Label column (Normal/Anomaly, 0/1, true/false): prints precision/recall/F1'}),
    detector: Flags.string({char: 'd', description: `anomaly detector (auto: invariants-mining for id sessions, window-rate for time windows):\n${detectorHelp()}`, options: ['auto', ...detectorNames()], default: 'auto', helpValue: 'NAME'}),
    format: Flags.string({char: 'f', description: 'log format', options: ['auto', ...FORMAT_NAMES], default: 'auto'}),
    'session-key': Flags.string({description: 'how lines group into sessions', options: ['auto', 'block', 'request', 'pid', 'window'], default: 'auto'}),
    window: Flags.string({description: 'window length when sessions are time windows (e.g. 5m, 30s) [default: chosen from the timestamps so windows hold enough events]'}),
    step: Flags.string({description: 'slide between windows (default: the window length)'}),
    'max-sessions': Flags.integer({description: `stop with an error beyond this many sessions, before they exhaust memory [default: ${int(DEFAULT_MAX_SESSIONS)}]`, min: 1}),
    by: Flags.string({description: 'split time windows into streams: host, component, host,component, none [default: auto, by host when the log names 2-32 hosts]', default: 'auto'}),
    contamination: Flags.string({description: 'expected anomaly share in (0, 0.5]; default: a data-driven threshold that can flag nothing'}),
    features: Flags.string({description: `feature sets, comma separated (${FeatureSetName.options.join(', ')}) [default: the detector's recommended sets]`}),
    transform: Flags.string({description: "count transform [default: the detector's recommendation]", options: ['none', 'log1p']}),
    output: Flags.string({char: 'o', description: 'write the results document (JSON) here'}),
    'save-model': Flags.string({description: 'save the fitted model bundle to this folder'}),
    model: Flags.string({description: 'score with a saved model folder, or a registered one (models:/flare-detector@champion, models:/NAME/VERSION), instead of fitting'}),
    history: Flags.boolean({description: 'record the run in the incident memory and show similar past incidents (file: --db, $FLARE_HISTORY_DB or ~/.local/share/flare/history.db)'}),
    db: Flags.string({description: 'incident memory (SQLite) to record in; implies --history'}),
    'raise-client-bursts': Flags.boolean({description: "web access logs: raise one client network's bursts (a scanner's 404s, a crawler's redirects) as incidents, instead of listing them apart"}),
    ...parserConfigFlags,
    ...detectTrackingFlags,
    ...detectSummaryFlags,
  }

  async run(): Promise<Results & {summaries?: SummariesDocument}> {
    const {flags, metadata} = await this.parse(Detect)
    const windowMs = flags.window === undefined ? undefined : parseDuration(flags.window, '--window')
    const stepMs = flags.step ? parseDuration(flags.step, '--step') : undefined
    // Every line is counted in window/step windows: a tiny step multiplies memory without bound.
    if (stepMs !== undefined && (windowMs ?? stepMs) / stepMs > MAX_WINDOWS_PER_LINE) {
      throw new FlareError(`--step ${flags.step} is too small for --window ${flags.window ?? '(auto)'}: each line would fall in ${Math.round((windowMs ?? stepMs) / stepMs).toLocaleString('en')} windows (at most ${MAX_WINDOWS_PER_LINE})`, {
        exitCode: ExitCode.usage,
        hint: `use a step of at least ${Math.ceil((windowMs ?? stepMs) / MAX_WINDOWS_PER_LINE / 1000)}s, e.g. --window ${flags.window ?? '5m'} --step 1m`,
      })
    }
    if (stepMs !== undefined && windowMs === undefined) {
      throw new FlareError('--step needs --window: the slide is a fraction of a window length', {exitCode: ExitCode.usage, hint: 'e.g. --window 10m --step 1m'})
    }
    const idKey = ['block', 'request', 'pid'].includes(flags['session-key'])
    if (idKey && (windowMs !== undefined || stepMs !== undefined)) {
      throw new FlareError(`--window/--step split time windows, but --session-key ${flags['session-key']} groups lines by id`, {exitCode: ExitCode.usage, hint: 'drop --window, or use --session-key window (or auto)'})
    }
    // --track is on by default; typed out, it is a request that must not quietly do nothing
    if (flags.track && !metadata.flags.track?.setFromDefault && !process.env.MLFLOW_TRACKING_URI) {
      throw new FlareError('--track needs an MLflow server, and MLFLOW_TRACKING_URI is not set', {exitCode: ExitCode.usage, hint: 'export MLFLOW_TRACKING_URI=http://127.0.0.1:5000 (start one with: mlflow server --host 127.0.0.1 --port 5000), or drop --track'})
    }
    const contamination = flags.contamination === undefined ? undefined : Number(flags.contamination)
    if (contamination !== undefined && !(contamination > 0 && contamination <= 0.5)) {
      throw new FlareError(`--contamination must be a number in (0, 0.5], got "${flags.contamination}"`, {exitCode: ExitCode.usage})
    }
    const by = parseStreamFields(flags.by)
    if (by === undefined) throw new FlareError(`invalid --by "${flags.by}"`, {exitCode: ExitCode.usage, hint: 'use host, component, host,component, none or auto'})
    const detectorName = flags.detector === 'auto' ? undefined : flags.detector
    const sets = flags.features ? flags.features.split(',').map((s) => s.trim()).filter(Boolean) : undefined
    for (const s of sets ?? []) if (!FeatureSetName.safeParse(s).success) throw new FlareError(`unknown feature set "${s}"`, {exitCode: ExitCode.usage, hint: `choose from ${FeatureSetName.options.join(', ')}`})
    if (sets?.length === 0) throw new FlareError('--features needs at least one feature set', {exitCode: ExitCode.usage})
    const featureEdits: FeatureEdits = {...(sets ? {sets: sets as FeatureSetName[]} : {}), ...(flags.transform ? {transform: flags.transform as FeatureEdits['transform']} : {})}
    let features: FeatureConfig | undefined
    // The detector's own features, changed by the flags (its module loads only for this). With
    // --detector auto the detector is known once the log is cut into sessions (a windowed log's
    // window-rate, not invariants-mining): the pipeline applies the flags to its recommendation.
    if (detectorName !== undefined) features = editedFeatures((await registryFor(detectorName)).features(detectorName), featureEdits)

    // --summarize's LLM flags (provider, model, timeout, budget) fail now, not after the detection;
    // the explain engine loads only for a run that uses it (start-up time).
    const summaries = flags.summarize ? (await import('../ui/summarize-run.js')).prepareDetectSummaries(flags) : undefined

    // Before minutes of work: an output that is an input, a directory or in a missing folder.
    await checkOutputs(
      [
        ...(flags.output ? [{path: flags.output, flag: '-o'}] : []),
        ...(summaries?.path && flags.output ? [companionOutput(summaries.path, '-o (its .summaries.json)', flags.output, 'the summaries file')] : []),
        ...(flags['save-model'] ? [modelFolderOutput(flags['save-model'])] : []),
      ],
      [flags.input, flags.labels ?? '', flags.model && !flags.model.startsWith('models:/') ? flags.model : '', flags.config ?? DEFAULT_CONFIG_FILE],
    )

    // A bad config file fails before any work (exit 2, naming the key).
    const parserConfig = await parserConfigFromFlags(flags)
    let model: ModelBundle | undefined
    const mlflow = needsTracking(flags) ? await tracking() : undefined
    // A tracking URI Flare cannot use (a file store, a typo) must not cost the detection: unless the
    // run needs the server (--register, a registered --model), the results come first and the
    // problem is one warning at the end.
    let client: ReturnType<NonNullable<typeof mlflow>['detectTrackingClient']>
    let trackingProblem: FlareError | undefined
    try {
      client = mlflow?.detectTrackingClient(flags)
    } catch (error) {
      if (!(error instanceof FlareError) || flags.register || flags.model?.startsWith('models:/')) throw error
      trackingProblem = error
    }
    if (flags.model) model = await loadBundle(mlflow ? await mlflow.resolveModelOption(flags.model, (line) => stderrLine(err.dim(line))) : flags.model)

    const progress = new Progress(STAGE_LABEL.read).start()
    let output: DetectOutput | undefined
    try {
      output = await detect({
        input: flags.input,
        format: model && flags.format === 'auto' ? undefined : flags.format,
        parser: parserConfig.parser,
        // a window length asks for time windows: auto must not pick an id key and drop it
        sessionKey: flags['session-key'] === 'auto' && windowMs !== undefined ? 'window' : model && flags['session-key'] === 'auto' ? undefined : (flags['session-key'] as never),
        windowMs,
        stepMs,
        by,
        maxSessions: flags['max-sessions'],
        detector: detectorName,
        contamination,
        features,
        featureEdits,
        labelsPath: flags.labels,
        model,
        raiseClientBursts: flags['raise-client-bursts'],
        onStage: (stage, detail) => progress.next(`${STAGE_LABEL[stage]}${detail ? ` (${detail})` : ''}`),
        onProgress: (lines, bytesRead, totalBytes) => progress.update(bytesRead, totalBytes ?? 0, `${int(lines)} lines`),
        onWarning: (w) => {
          progress.stop()
          printWarning(w)
          progress.start()
        },
      })
    } catch (error) {
      progress.fail()
      throw error
    }
    progress.succeed()
    const {results} = output
    // (the bundle makes its manifest from the sessions when asked: kept only when it is saved)
    const bundle = flags['save-model'] ? output.bundle : undefined
    // The sessions, their rows and labels serve tracking only: without it they are let go before
    // the results are written (at a million sessions, hundreds of megabytes the collector can take
    // back while the document is written; the results' rows keep only ids and counts).
    let forTracking: DetectOutput | undefined = !trackingProblem && mlflow ? output : undefined
    // (a model that leaves this run, to a folder or to MLflow, says so when it holds credentials)
    const kept = bundle ?? forTracking?.bundle
    if (kept) warnCredentialTemplates(kept.miner, bundle ? 'the saved model' : 'the model logged to MLflow')
    output = undefined

    // Write what was computed before anything else can fail.
    if (flags.output) await writeJsonFileAtomic(flags.output, results, {flag: '-o'})
    if (bundle) await saveBundle(flags['save-model']!, bundle)
    if (!this.jsonEnabled()) this.render(results, flags.output, flags['save-model'])
    // The incident memory (SQLite) loads only for a run that records in it (start-up time).
    if (flags.history || flags.db) {
      const [{historyPathFromFlags}, {recordHistory}] = await Promise.all([import('../core/history/context.js'), import('../ui/history.js')])
      const historyPath = historyPathFromFlags(flags)
      if (historyPath) await recordHistory(historyPath, results, this.jsonEnabled() ? stderrLine : (line) => this.log(line))
    }
    if (trackingProblem) stderrLine(`${err.yellow('warning:')} not logged to MLflow: ${trackingProblem.message}${trackingProblem.hint ? `\n→ ${trackingProblem.hint}` : ''}`)
    let tracked: Awaited<ReturnType<NonNullable<typeof mlflow>['trackDetection']>>
    if (forTracking && mlflow) tracked = await mlflow.trackDetection(client, flags, forTracking, {log: (line) => this.log(line), warn: stderrLine, json: this.jsonEnabled()})
    forTracking = undefined
    // --json carries what tracking made: the run, its LoggedModel and a registered version
    const mlflowDoc = tracked
      ? {mlflow: {run_id: tracked.runId, experiment_id: tracked.experimentId, url: tracked.url, status: tracked.status, model_id: tracked.modelId, registered: tracked.registered}}
      : {}
    if (!trackingProblem && !mlflow && flags.track) stderrLine(err.dim(TRACKING_OFF_LINE))
    if (summaries) {
      const {summarizeAfterDetect} = await import('../ui/summarize-run.js')
      const {document, exitCode} = await summarizeAfterDetect(results, summaries, {render: !this.jsonEnabled(), log: (text) => this.log(text), warn: stderrLine})
      if (exitCode) process.exitCode = exitCode
      return this.printed(withKeys(results, {...mlflowDoc, summaries: document}))
    }
    return this.printed(withKeys(results, mlflowDoc))
  }

  /** With --json, the document is printed here, streamed (half a million session rows are never one string). */
  private async printed<T>(document: T): Promise<T> {
    if (this.jsonEnabled()) await this.printJson(document)
    return document
  }

  private render(results: Results, resultsPath?: string, modelPath?: string): void {
    const {summary, incidents, evaluation} = results
    this.log('')
    this.log(fitLine([`${out.bold('Flare')}`, summary.input, `format ${out.cyan(summary.format)}`, `sessions by ${out.cyan(summary.session_key)}`, `detector ${out.cyan(summary.detector)}`]))
    const counts = table(['lines', 'templates', 'sessions', 'anomalous', 'incidents', 'time'], {colAligns: ['right', 'right', 'right', 'right', 'right', 'right']})
    counts.push([int(summary.lines), int(summary.templates), int(summary.sessions), `${int(summary.anomalies)} (${pct(summary.sessions ? summary.anomalies / summary.sessions : 0)})`, int(summary.incidents), ms(summary.elapsed_ms)])
    this.log(counts.toString())
    if (summary.unassigned) {
      const errors = summary.unassigned_errors ? `, ${out.red(`${int(summary.unassigned_errors)} of them at ERROR level or worse`)}` : ''
      this.log(out.yellow(`${int(summary.unassigned)} lines carried no session id and were not scored${errors}`))
    }

    if (incidents.length === 0) {
      this.log(out.green(results.client_bursts?.length ? 'No incidents raised: only client bursts, below.' : 'No anomalous sessions: nothing stands out from the normal pattern.'))
    } else {
      const shown = incidents.slice(0, 15)
      // Times are UTC (the results' ISO strings); said once, in the header. A log without timestamps: lines.
      const timed = shown.some((inc) => inc.time_range.start !== null)
      const t = table(['incident', 'severity', 'sessions', 'score', timed ? 'time range (UTC)' : 'lines', 'top template'], {colAligns: ['left', 'left', 'right', 'right', 'left', 'left'], wrap: [4, 5], drop: [3, 2]})
      for (const inc of shown) {
        const {start, end} = inc.time_range
        const endText = end && start && end.slice(0, 10) === start.slice(0, 10) ? end.slice(11, 19) : (end ?? '').slice(5, 19).replace('T', ' ')
        const range = start ? `${start.slice(0, 19).replace('T', ' ')} → ${endText}` : inc.line_range ? describeLines(inc.line_range) : '—'
        const top = leadTemplate(inc)
        const where = whereText(inc)
        const what = top ? `${top.as_seen ?? top.template} ×${top.count}` : inc.silence ? `(${describeSilence(inc.silence)})` : ''
        // (truncate writes control characters out: the colour goes on after it)
        t.push([inc.id, severityColor[inc.severity](inc.severity), int(inc.size), inc.score.toFixed(3), range, where && top ? `${out.cyan(truncate(where, 60))} ${truncate(what, 160)}` : truncate(what, 160)])
      }
      this.log(t.toString())
      if (incidents.length > shown.length) this.log(out.dim(`… and ${incidents.length - shown.length} more incidents (see -o results.json or --json)`))
    }
    if (results.client_bursts?.length) this.log(clientBurstsText(results.client_bursts, (s) => out.dim(s)))

    if (evaluation) {
      const e = table(['precision', 'recall', 'F1', 'TP', 'FP', 'FN', 'TN', 'labelled'], {colAligns: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']})
      e.push([evaluation.precision.toFixed(3), evaluation.recall.toFixed(3), out.bold(evaluation.f1.toFixed(3)), evaluation.tp, evaluation.fp, evaluation.fn, evaluation.tn, int(evaluation.labelled_sessions)])
      this.log(e.toString())
      if (evaluation.unlabelled_sessions > 0) this.log(out.dim(`${int(evaluation.unlabelled_sessions)} sessions had no label and were not counted`))
    }
    if (resultsPath) this.log(`${out.green('✔')} results written to ${out.bold(resultsPath)} ${out.dim(`— explain them with: flare summarize -i ${resultsPath}`)}`)
    if (modelPath) this.log(`${out.green('✔')} model saved to ${out.bold(modelPath)} ${out.dim(`— reuse it with: flare detect --model ${modelPath}`)}`)
  }
}
