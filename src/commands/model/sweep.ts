import {parserConfigFlags, parserConfigFromFlags} from '../../ui/parser-flags.js'
import {checkAliasName} from '../../tracking/model-versions.js'
import {Flags} from '@oclif/core'
import {detectorHelp, detectorNames} from '../../core/detect/registry.js'
import {ExitCode, FlareError} from '../../core/errors.js'
import {FORMAT_NAMES} from '../../core/ingest/index.js'
import {parseDuration} from '../../core/sessions/window.js'
import {checkCandidatesFit, DEFAULT_GRIDS, expandGrid, type LeftOut, readGridFile, SWEEP_METRICS, type SweepGrid, type SweepMetric, type SweepResult} from '../../core/sweep.js'
import {DEFAULT_SWEEP_EXPERIMENT} from '../../tracking/config.js'
import {requireMlflowClient} from '../../tracking/env-client.js'
import {runLoggedSweep, type SweepReport} from '../../tracking/logged-sweep.js'
import type {SweepRun} from '../../tracking/sweep-run.js'
import {FlareCommand} from '../../ui/flare-command.js'
import {int, ms} from '../../ui/format.js'
import {Progress} from '../../ui/progress.js'
import {killRunsOnInterrupt} from '../../ui/run-interrupt.js'
import {err, out} from '../../ui/style.js'
import {textWidth, wrap} from '../../ui/summaries.js'
import {fitLine, table} from '../../ui/table.js'
import {printWarning} from '../../ui/warnings.js'

export default class ModelSweep extends FlareCommand {
  static override description = 'Fit every detector × hyper-parameter combination on one parse of a labelled log, log each as a nested MLflow run, rank them, and optionally register the best'
  static override examples = [
    '<%= config.bin %> model sweep -i data/hdfs_sample.log --labels data/hdfs_sample_labels.csv',
    '<%= config.bin %> model sweep -i data/hdfs_sample.log --labels data/hdfs_sample_labels.csv --detectors pca,invariants-mining --promote',
    '<%= config.bin %> model sweep -i app.log --labels labels.csv --grid grid.json --metric recall --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'log file (.gz ok), or - for stdin', required: true}),
    labels: Flags.string({description: 'CSV of session ids and a Label column: every child is scored against it', required: true}),
    detectors: Flags.string({description: `detectors to sweep, comma separated [default: those in --grid, else all]:\n${detectorHelp()}`}),
    grid: Flags.string({description: 'JSON file: {"<detector>": {"<param>": [values]}}; replaces the default grid of each detector it names'}),
    metric: Flags.string({description: 'metric that ranks the children (higher is better)', options: [...SWEEP_METRICS], default: 'f1'}),
    experiment: Flags.string({description: 'MLflow experiment for the sweep', default: DEFAULT_SWEEP_EXPERIMENT}),
    promote: Flags.boolean({description: "register the best child's model as a new version and point the alias at it"}),
    name: Flags.string({description: 'registered model name for --promote', default: 'flare-detector'}),
    alias: Flags.string({description: 'alias --promote points at the new version', default: 'champion'}),
    format: Flags.string({char: 'f', description: 'log format', options: ['auto', ...FORMAT_NAMES], default: 'auto'}),
    'session-key': Flags.string({description: 'how lines group into sessions', options: ['auto', 'block', 'request', 'pid', 'window'], default: 'auto'}),
    window: Flags.string({description: 'window length when sessions are time windows (e.g. 5m, 30s) [default: as flare detect]'}),
    features: Flags.string({description: "feature sets to sweep, comma separated, sets within one joined with + (e.g. counts,counts+extras,tfidf) [default: each detector's recommendation]; a grid file can set them per detector (ensemble and window-rate keep their own)"}),
    transform: Flags.string({description: 'count transforms to sweep, comma separated: none, log1p [default: each detector\'s recommendation]'}),
    ...parserConfigFlags,
  }

  async run(): Promise<SweepReport> {
    const {flags} = await this.parse(ModelSweep)
    if (flags.promote) checkAliasName(flags.alias)
    const windowMs = flags.window === undefined ? undefined : parseDuration(flags.window, '--window')
    const fileGrid: SweepGrid = flags.grid ? await readGridFile(flags.grid) : {}
    const detectors = flags.detectors
      ? flags.detectors.split(',').map((s) => s.trim()).filter(Boolean)
      : flags.grid
        ? Object.keys(fileGrid)
        : detectorNames()
    if (detectors.length === 0) throw new FlareError('no detectors to sweep', {exitCode: ExitCode.usage, hint: '--detectors takes a comma-separated list, e.g. pca,invariants-mining'})
    const split = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean)
    const candidates = expandGrid(detectors, {...DEFAULT_GRIDS, ...fileGrid}, {features: split(flags.features), transform: split(flags.transform)})
    const metric = flags.metric as SweepMetric
    // every detector by default: those that do not fit the sessions (window-rate on ids) are left out, named ones refused
    const unfit = flags.detectors || flags.grid ? 'refuse' : 'drop'
    checkCandidatesFit(candidates, flags['session-key'] ?? 'auto', unfit)
    const parserConfig = await parserConfigFromFlags(flags)

    const client = requireMlflowClient('flare model sweep')
    const progress = new Progress('Reading and mining templates')
    // Ctrl-C or SIGTERM: the sweep stops, and its parent run and the child being logged end as KILLED.
    const controller = new AbortController()
    let sweepRun: SweepRun | undefined
    const interrupt = killRunsOnInterrupt({
      what: 'the sweep',
      trackingUri: client.trackingUri,
      stop: () => {
        progress.stop()
        controller.abort()
      },
      killRuns: async () => (sweepRun ? sweepRun.kill() : 0),
    })
    try {
      const {report, result, problems} = await runLoggedSweep(client, {
        experiment: flags.experiment,
        detectors,
        promote: flags.promote ? {name: flags.name, alias: flags.alias} : undefined,
        input: flags.input,
        labelsPath: flags.labels,
        format: flags.format,
        parser: parserConfig.parser,
        sessionKey: flags['session-key'] as never,
        windowMs,
        candidates,
        unfit,
        metric,
        signal: controller.signal,
        onSweepRun: (run) => void (sweepRun = run),
        onStart: () => progress.start(),
        onLeftOut: (leftOut) => {
          progress.stop()
          process.stderr.write(`${err.dim(leftOutLine(leftOut))}\n`)
          progress.start()
        },
        onProgress: (lines, bytesRead, totalBytes) => progress.update(bytesRead, totalBytes ?? 0, `${int(lines)} lines`),
        onWarning: (w) => {
          progress.stop()
          printWarning(w)
          progress.start()
        },
        onChildFitted: (child, total) => {
          if (child.index === 1) {
            progress.succeed()
            progress.label = `Sweeping ${total} runs`
            progress.start()
          }
          progress.update(child.index - 0.5, total, `${child.index}/${total} ${child.detector} · logging`)
        },
        onChildLogged: (child, total) => progress.update(child.index, total, `${child.index}/${total} ${child.detector} · ${metric} ${child.metrics[metric]!.toFixed(3)}`),
        onSwept: (runs) => progress.succeed(`Swept ${runs} runs`),
      })
      await interrupt.release()
      if (!this.jsonEnabled()) this.render(report, result)
      if (problems) {
        // The ranking above is intact, but the sweep's purpose (runs in MLflow) was not met.
        process.stderr.write(`${err.yellow('warning:')} ${problems}\n`)
        process.exitCode = ExitCode.dependency
      }
      return report
    } catch (error) {
      await interrupt.release()
      progress.fail()
      throw error
    } finally {
      await client.close()
    }
  }

  private render(report: SweepReport, result: SweepResult): void {
    const {prepared} = result
    this.log('')
    this.log(fitLine([out.bold('Flare sweep'), prepared.inputName, `${int(prepared.sessions.length)} sessions by ${out.cyan(prepared.sessionDescription)}`, `parsed once, ${report.children.length} runs ranked by ${out.cyan(report.metric)}`]))
    const variedFeatures = new Set(report.children.map((r) => `${r.features} ${r.transform}`)).size > 1
    const head = ['#', 'detector', 'params', ...(variedFeatures ? ['features'] : []), 'precision', 'recall', 'F1', 'anomalies', 'fit', 'run']
    const f = variedFeatures ? 1 : 0
    const t = table(head, {colAligns: ['right', 'left', 'left', ...(variedFeatures ? ['left' as const] : []), 'right', 'right', 'right', 'right', 'right', 'left'], wrap: [...(variedFeatures ? [3] : []), 8 + f, 2], drop: [7 + f, 6 + f, 8 + f, 0]})
    for (const r of report.children) {
      const best = r.rank === 1
      const mark = (s: string): string => (best ? out.green.bold(s) : s)
      const params = Object.entries(r.params).map(([k, v]) => `${k}=${v === null ? 'default' : String(v)}`).join(' ') || out.dim('defaults')
      t.push([mark(best ? `★ ${r.rank}` : String(r.rank)), mark(r.detector), params, ...(variedFeatures ? [`${r.features.replaceAll('+', ' + ')} ${out.dim(r.transform)}`] : []), mark(r.precision.toFixed(3)), mark(r.recall.toFixed(3)), mark(r.f1.toFixed(3)), int(r.anomalies), ms(r.fit_ms), r.run_id ? r.run_id.slice(0, 8) : out.dim('not logged')])
    }
    this.log(t.toString())
    const b = report.best
    const second = report.children[1]
    if (second && second[report.metric] === b[report.metric]) this.log(out.dim(wrap(`${report.metric} tied at the top: ${report.tie_rule}`, textWidth())))
    this.log(`${out.green('★')} best: ${out.bold(b.detector)} ${out.dim(JSON.stringify(b.params))} ${report.metric} ${out.bold(String(b[report.metric].toFixed(3)))}${b.run_id ? out.dim(` (run ${b.run_id})`) : ''}`)
    if (report.url) this.log(`${out.green('✔')} logged to MLflow: ${out.bold(report.url)}`)
    if (report.promoted) {
      const p = report.promoted
      this.log(`${out.green('✔')} registered ${out.bold(`${p.name} version ${p.version}`)} and pointed ${out.bold(`@${p.alias}`)} at it ${out.dim(`— use it: flare detect -i LOG --model models:/${p.name}@${p.alias}`)}`)
    }
  }
}

/** One line: what a default sweep of every detector left out, and why. */
function leftOutLine(leftOut: LeftOut): string {
  const runs = leftOut.runs === 1 ? 'run' : 'runs'
  return `left out ${leftOut.runs} of ${leftOut.of} ${runs} (${leftOut.reason}); sweeping ${leftOut.of - leftOut.runs}`
}
