import {Flags} from '@oclif/core'
import {basename} from 'node:path'
import {ExitCode, FlareError} from '../core/errors.js'
import {compareWithTruth, finalTemplates, parseIntoMemory, readGroundTruth, type TruthComparison} from '../core/evaluate/parse-truth.js'
import {parseSweepSpec, runParserSweep, type SweepScore} from '../core/evaluate/parser-sweep.js'
import {drain3StateOutput, loadTemplateState} from '../core/mining/state-file.js'
import {explainLines, type LineExplanation} from '../core/mining/explain.js'
import {configForFormat, TemplateMiner} from '../core/templates/index.js'
import {writeDrainSettings} from '../core/mining/parser-config-file.js'
import {DEFAULT_CONFIG_FILE, type LoadedUserConfig} from '../core/templates/user-config.js'
import {renderExplanation, renderSweep, renderTruth} from '../ui/parse-reports.js'
import {parserConfigFlags, parserConfigFromFlags, parserTuningFlags} from '../ui/parser-flags.js'
import {FORMAT_NAMES} from '../core/ingest/index.js'
import {checkOutputs, companionOutput} from '../core/io/output.js'
import {MAX_JOBS} from '../core/mining/prestart.js'
import {defaultTemplatesPath, parseToCsv, type ParseSummary} from '../core/mining/csv-export.js'
import {int, ms, rate} from '../ui/format.js'
import {Progress} from '../ui/progress.js'
import {out} from '../ui/style.js'
import {table} from '../ui/table.js'
import {FlareCommand} from '../ui/flare-command.js'
import {printWarning} from '../ui/warnings.js'

export default class Parse extends FlareCommand {
  static override description = 'Mine log templates with Drain and write a loghub-compatible structured CSV'
  static override examples = [
    '<%= config.bin %> parse -i data/hdfs_sample.log -o parsed.csv',
    '<%= config.bin %> parse -i app.log.gz --state templates.json -o -',
    'cat /var/log/syslog | <%= config.bin %> parse -i - --format syslog -o syslog.csv --json',
    '<%= config.bin %> parse -i HDFS.log -o HDFS.csv --jobs 1',
    '<%= config.bin %> parse -i Linux_2k.log --explain "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown"',
    '<%= config.bin %> parse -i Linux_2k.log --truth Linux_2k.log_structured.csv',
    "<%= config.bin %> parse -i Linux_2k.log --truth Linux_2k.log_structured.csv --sweep 'sim=0.4,0.5,0.6;depth=3,4,5' --write-config",
    '<%= config.bin %> parse -i app.log --state drain3_snapshot.json -o app.csv',
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'log file (.gz ok), or - for stdin (required, except with --explain)'}),
    output: Flags.string({char: 'o', description: 'CSV to write, or - for stdout [default: <input>_structured.csv in the current folder, which must not exist]'}),
    format: Flags.string({char: 'f', description: 'log format', options: ['auto', ...FORMAT_NAMES], default: 'auto'}),
    state: Flags.string({description: "template state JSON: loaded if it exists, saved after the run (stable template ids across runs); a Drain3 snapshot is imported (Flare's state is then saved beside it as <name>.flare.json)"}),
    jobs: Flags.integer({char: 'j', description: 'threads for large HDFS files (0 = one per core, 1 = none); the output does not depend on it', default: 0, min: 0, max: MAX_JOBS}),
    ...parserConfigFlags,
    ...parserTuningFlags,
  }

  async run(): Promise<ParseSummary | ExplainReport | TruthReport | SweepReport> {
    const {flags} = await this.parse(Parse)
    // A bad config file or flag combination fails before any work (exit 2).
    const parserConfig = await parserConfigFromFlags(flags)
    if (flags['write-config'] && !flags.sweep) throw usage('--write-config needs --sweep')
    if (flags.explain && (flags.truth || flags.sweep)) throw usage('--explain cannot be combined with --truth or --sweep')
    if (flags.explain) return this.explain(flags, parserConfig)
    if (!flags.input) throw usage('-i/--input is required', 'give the log to parse, e.g. flare parse -i app.log')
    if (flags.truth || flags.sweep) return this.evaluate({...flags, input: flags.input}, parserConfig)
    return this.parseToCsv({...flags, input: flags.input}, parserConfig)
  }

  private async parseToCsv(flags: {input: string; output?: string; format: string; state?: string; jobs: number}, parserConfig: LoadedUserConfig): Promise<ParseSummary> {
    this.statePath = flags.state
    const output = flags.output ?? `${flags.input === '-' ? 'stdin' : basename(flags.input).replace(/\.gz$/, '')}_structured.csv`
    // A name Flare chose never replaces a file (for loghub data it is the ground truth's name).
    const chosen = flags.output ? undefined : {why: 'a default output name never replaces a file', hint: `pass -o FILE to choose the output, or -o ${output} to replace it`}
    // stdout holds one document: the CSV, or with --json the summary (never both, mixed).
    if (this.jsonEnabled() && STDOUT_PATHS.has(output)) {
      throw usage(`-o ${output} and --json both write to stdout: the CSV and the JSON summary would mix`, 'write the CSV to a file (-o parsed.csv) with --json, or drop --json (the summary then goes to stderr)')
    }
    // Before any work: no output may be an input (the log, the config), another output (the CSVs
    // and the state file, which is read and then written), a directory or in a missing folder.
    const templatesOutput = defaultTemplatesPath(output)
    const imported = flags.state ? await drain3StateOutput(flags.state) : undefined
    await checkOutputs(
      [
        {path: output, flag: '-o', chosen},
        ...(templatesOutput ? [companionOutput(templatesOutput, '-o (its _templates.csv)', output, 'the templates CSV')] : []),
        ...(flags.state ? [{path: flags.state, flag: '--state'}] : []),
        ...(imported ? [{path: imported, flag: '--state (Flare\'s state beside the Drain3 snapshot)', chosen: {why: 'Flare\'s state for an imported Drain3 snapshot never replaces a file (it may hold templates learnt since)', hint: `give --state ${imported} to go on from it, or move it away to import the snapshot afresh`}}] : []),
      ],
      [flags.input, parserConfig.path ?? ''],
    )
    const progress = new Progress('Parsing').start()
    let summary: ParseSummary
    try {
      summary = await parseToCsv({
        input: flags.input,
        output,
        format: flags.format,
        statePath: flags.state,
        jobs: flags.jobs,
        parser: parserConfig.parser,
        onWarning: (w) => {
          progress.stop()
          printWarning(w)
          progress.start()
        },
        onProgress: (p) => progress.update(p.bytesRead, p.totalBytes ?? 0, `${int(p.lines)} lines`),
      })
    } catch (error) {
      progress.fail('Parsing failed')
      // A full disk behind `-o - > file` is the user's to fix, as for detect: one line, exit 3.
      if (output === '-' && (error as NodeJS.ErrnoException)?.syscall === 'write') this.stdoutFailed(error)
      throw error
    }
    progress.stop()
    if (!this.jsonEnabled()) this.render(summary)
    return summary
  }

  private render(s: ParseSummary): void {
    // The human summary goes to stderr when the CSV itself is on stdout.
    const write = (text: string): void => void (s.output === '-' ? process.stderr.write(text + '\n') : this.log(text))
    const t = table([], {colAligns: ['left', 'right'], wrap: [1]})
    t.push(
      ['format', s.formatReason],
      ['lines', int(s.lines)],
      ['records', int(s.records)],
      ['templates', int(s.templates)],
      ['blank lines skipped', int(s.skipped)],
      ['continuation lines joined', int(s.joined)],
      ['truncated lines (>1 MiB)', int(s.truncated)],
      ['lines with invalid UTF-8', int(s.invalidUtf8)],
      ['time', ms(s.elapsedMs)],
      ['throughput', `${rate(s.linesPerSecond)} lines/s${s.threads > 0 ? ` (${s.threads} worker threads)` : ''}`],
    )
    write(t.toString())
    if (s.output !== '-') write(`${out.green('✔')} wrote ${out.bold(s.output)}${s.templatesOutput ? ` and ${out.bold(s.templatesOutput)}` : ''}`)
    if (s.stateOutput && s.stateOutput !== this.statePath) write(`${out.yellow('!')} the Drain3 snapshot ${this.statePath} stays as it was; Flare's template state went to ${out.bold(s.stateOutput)} (give that to --state next time)`)
  }

  private statePath?: string

  private async explain(flags: {input?: string; format: string; state?: string; explain?: string[]}, parserConfig: LoadedUserConfig): Promise<ExplainReport> {
    let miner: TemplateMiner
    let format = flags.format
    if (flags.input) {
      const parsed = await parseIntoMemory({input: flags.input, format: flags.format, statePath: flags.state, parser: parserConfig.parser})
      miner = parsed.miner
      format = parsed.format
    } else {
      const known = flags.format === 'auto' ? undefined : flags.format
      miner = flags.state ? await loadTemplateState(flags.state, known, TemplateMiner, parserConfig.parser) : new TemplateMiner(configForFormat(known, parserConfig.parser))
    }
    const explanations = explainLines(miner, flags.explain ?? [], format === 'none' ? 'auto' : format)
    if (!this.jsonEnabled()) this.log(explanations.map((e) => renderExplanation(e)).join('\n\n'))
    return {config: parserConfig.path ?? null, templates: miner.size, explanations}
  }

  private async evaluate(flags: {input: string; format: string; state?: string; truth?: string; sweep?: string; 'write-config': boolean; config?: string; track: boolean; experiment?: string}, parserConfig: LoadedUserConfig): Promise<TruthReport | SweepReport> {
    const settings = flags.sweep ? parseSweepSpec(flags.sweep) : undefined
    const truth = flags.truth ? await readGroundTruth(flags.truth) : undefined
    const progress = new Progress('Parsing').start()
    let parsed: Awaited<ReturnType<typeof parseIntoMemory>>
    try {
      parsed = await parseIntoMemory({input: flags.input, format: flags.format, statePath: flags.state, parser: parserConfig.parser, onProgress: (p) => progress.update(p.bytesRead, p.totalBytes ?? 0, `${int(p.lines)} lines`)})
    } catch (error) {
      progress.fail('Parsing failed')
      throw error
    }
    progress.stop()
    if (!settings) {
      const metrics = compareWithTruth(parsed, parsed.templateIds, finalTemplates(parsed.miner), truth!)
      if (!this.jsonEnabled()) this.log(renderTruth(metrics, flags.truth!))
      return {truth: flags.truth!, format: parsed.format, config: parserConfig.path ?? null, metrics}
    }
    const sweepProgress = new Progress('Sweeping').start()
    let ranked: SweepScore[]
    try {
      ranked = await runParserSweep(parsed, settings, {format: parsed.format, parser: parserConfig.parser, truth, onSetting: (_s, done, total) => sweepProgress.update(done, total, `${done}/${total} settings`)})
    } catch (error) {
      sweepProgress.fail('Sweep failed')
      throw error
    }
    sweepProgress.stop()
    const report: SweepReport = {ranked_by: truth ? 'ga' : 'unsupervised', truth: flags.truth ?? null, format: parsed.format, best: ranked[0], ranked}
    if (flags['write-config']) {
      const path = flags.config ?? DEFAULT_CONFIG_FILE
      const d = ranked[0].drain
      await writeDrainSettings(path, {simThreshold: d.simThreshold, depth: d.depth, maxChildren: d.maxChildren, maxClusters: d.maxClusters})
      report.config_written = path
    }
    if (flags.track && process.env.MLFLOW_TRACKING_URI) report.mlflow = await logSweep(flags, ranked, Boolean(truth))
    if (!this.jsonEnabled()) {
      this.log(renderSweep(ranked, Boolean(truth)))
      if (report.config_written) this.log(`${out.green('✔')} wrote the best setting to ${out.bold(report.config_written)}`)
      if (report.mlflow?.url) this.log(`MLflow: ${report.mlflow.url}`)
      if (report.mlflow?.problems) process.stderr.write(`${report.mlflow.problems}\n`)
    }
    return report
  }
}

/** Names of stdout for -o. */
const STDOUT_PATHS = new Set(['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1'])

function usage(message: string, hint?: string): FlareError {
  return new FlareError(message, {exitCode: ExitCode.usage, hint})
}

async function logSweep(flags: {input: string; experiment?: string}, ranked: SweepScore[], truth: boolean): Promise<SweepReport['mlflow']> {
  const {optionalMlflowClient} = await import('../tracking/env-client.js')
  const {logParserSweep, DEFAULT_PARSE_SWEEP_EXPERIMENT} = await import('../tracking/parser-sweep-run.js')
  const client = optionalMlflowClient()
  if (!client) return undefined
  try {
    const logged = await logParserSweep(client, {experiment: flags.experiment ?? DEFAULT_PARSE_SWEEP_EXPERIMENT, input: flags.input, ranked, truth})
    return {parent_run_id: logged.parentRunId ?? null, url: logged.url ?? null, problems: logged.tracker.report() ?? null}
  } finally {
    await client.close()
  }
}

export interface ExplainReport {
  config: string | null
  templates: number
  explanations: LineExplanation[]
}

export interface TruthReport {
  truth: string
  format: string
  config: string | null
  metrics: TruthComparison
}

export interface SweepReport {
  ranked_by: 'ga' | 'unsupervised'
  truth: string | null
  format: string
  best: SweepScore
  ranked: SweepScore[]
  config_written?: string
  mlflow?: {parent_run_id: string | null; url: string | null; problems: string | null}
}
