import {Flags} from '@oclif/core'
import {compareRecentRuns, type ComparedRun, type CompareResult} from '../../tracking/compare-runs.js'
import {DEFAULT_DETECT_EXPERIMENT} from '../../tracking/config.js'
import {requireMlflowClient} from '../../tracking/env-client.js'
import {FlareCommand} from '../../ui/flare-command.js'
import {truncate} from '../../ui/format.js'
import {out} from '../../ui/style.js'
import {FitTable, fitLine, table, terminalWidth} from '../../ui/table.js'

export default class ModelCompare extends FlareCommand {
  static override description = 'Compare recent runs of an experiment side by side: the params that differ, their metrics, the best highlighted'
  static override examples = [
    '<%= config.bin %> model compare',
    '<%= config.bin %> model compare --experiment flare-sweep --n 5 --metric recall',
  ]
  static override enableJsonFlag = true
  static override flags = {
    experiment: Flags.string({char: 'e', description: `MLflow experiment [default: whichever of $MLFLOW_EXPERIMENT_NAME (or ${DEFAULT_DETECT_EXPERIMENT}) and flare-sweep was written to last]`}),
    all: Flags.boolean({description: 'compare across sweeps and datasets (default: within the most recent sweep, or the most recent run\'s dataset)'}),
    limit: Flags.integer({char: 'n', aliases: ['n'], description: 'how many of the most recent runs', default: 10, min: 1, max: 1000}),
    metric: Flags.string({char: 'm', description: 'metric that picks the best run (higher is better) [default: f1; runs without labels have none, and are listed without a best]'}),
  }

  async run(): Promise<CompareResult> {
    const {flags} = await this.parse(ModelCompare)
    const client = requireMlflowClient('flare model compare')
    try {
      const result = await compareRecentRuns(client, {experiment: flags.experiment, n: flags.limit, metric: flags.metric ?? 'f1', metricGiven: flags.metric !== undefined, all: flags.all})
      if (!this.jsonEnabled()) this.render(result)
      return result
    } finally {
      await client.close()
    }
  }

  private render(result: CompareResult): void {
    this.log(fitLine([out.bold(result.experiment), out.dim(`${result.runs.length} run${result.runs.length === 1 ? '' : 's'} of ${result.scope}`), out.dim(`best by ${result.metric}`), ...(result.scope.startsWith('the sweep') || result.scope.startsWith('the runs on') ? [out.dim('--all for every run')] : [])]))
    if (result.runs.length === 0) {
      this.log(out.dim('No runs yet: flare detect logs one when MLFLOW_TRACKING_URI is set.'))
      return
    }
    const sideBySide = runsAsColumns(result)
    const width = terminalWidth()
    this.log((width === undefined || sideBySide.naturalWidth() <= width ? sideBySide : runsAsRows(result)).toString())
    if (result.differing_params.length === 0 && result.runs.length > 1) this.log(out.dim('All compared runs have the same params.'))
    const best = result.runs.find((r) => r.best)
    if (best) this.log(`${out.green('★')} best by ${result.metric}: ${out.bold(best.run_name ?? best.run_id)} ${out.dim(`(run ${best.run_id}, ${result.metric} ${formatMetric(result.metric, best.metrics[result.metric]!)})`)}`)
    else this.log(out.dim(`No run has a "${result.metric}" metric (it needs --labels).`))
  }
}

const mark = (r: ComparedRun, s: string): string => (r.best ? out.green.bold(s) : s)
const metricCell = (r: ComparedRun, m: string): string => (r.metrics[m] === undefined ? out.dim('—') : mark(r, formatMetric(m, r.metrics[m]!)))

/** Runs side by side, one column each, as MLflow's own compare view lays them out. */
function runsAsColumns(result: CompareResult): FitTable {
  const head = ['run', ...result.runs.map((r) => (r.best ? `★ ${r.run_id.slice(0, 8)}` : r.run_id.slice(0, 8)))]
  const t = table(head, {colAligns: ['left', ...result.runs.map(() => 'right' as const)]})
  t.push([out.dim('name'), ...result.runs.map((r) => out.dim(r.run_name ?? ''))])
  t.push([out.dim('started'), ...result.runs.map((r) => out.dim(r.start_time?.slice(5, 16).replace('T', ' ') ?? ''))])
  t.push([out.dim('dataset'), ...result.runs.map((r) => out.dim(r.dataset ?? '—'))])
  for (const p of result.differing_params) t.push([`param ${p}`, ...result.runs.map((r) => truncate(r.params[p] ?? '—', 40))])
  for (const m of result.metrics) t.push([m === result.metric ? out.bold(m) : m, ...result.runs.map((r) => metricCell(r, m))])
  return t
}

/** Too many runs to stand side by side in this terminal: one row per run instead. */
function runsAsRows(result: CompareResult): FitTable {
  const params = result.differing_params
  const head = ['run', 'name', 'started', 'dataset', ...params, ...result.metrics]
  const metricAt = params.length + 4
  const t = table(head, {
    colAligns: head.map((_, c) => (c >= metricAt ? 'right' : 'left')),
    wrap: [1, 3, ...params.map((_, i) => i + 4)],
    // params go before metrics, the least compared metrics (the last listed) before the ranking one
    drop: [2, 3, ...params.map((_, i) => i + 4).reverse(), ...result.metrics.map((m, i) => (m === result.metric ? -1 : metricAt + i)).filter((c) => c >= 0).reverse()],
  })
  for (const r of result.runs) {
    t.push([r.best ? `★ ${r.run_id.slice(0, 8)}` : r.run_id.slice(0, 8), r.run_name ?? '', r.start_time?.slice(5, 16).replace('T', ' ') ?? '', r.dataset ?? '—', ...params.map((p) => r.params[p] ?? '—'), ...result.metrics.map((m) => metricCell(r, m))])
  }
  return t
}

const RATIOS = new Set(['f1', 'precision', 'recall', 'anomaly_rate'])

function formatMetric(key: string, x: number): string {
  if (RATIOS.has(key) || key.startsWith('best_')) return x.toFixed(3)
  return Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3)
}
