import {Flags} from '@oclif/core'
import {basename} from 'node:path'
import {FORMAT_NAMES} from '../core/ingest/index.js'
import {checkOutputs} from '../core/io/output.js'
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
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'log file (.gz ok), or - for stdin', required: true}),
    output: Flags.string({char: 'o', description: 'CSV to write, or - for stdout [default: <input>_structured.csv in the current folder]'}),
    format: Flags.string({char: 'f', description: 'log format', options: ['auto', ...FORMAT_NAMES], default: 'auto'}),
    state: Flags.string({description: 'template state JSON: loaded if it exists, saved after the run (stable template ids across runs)'}),
    jobs: Flags.integer({char: 'j', description: 'threads for large HDFS files (0 = one per core, 1 = none); the output does not depend on it', default: 0, min: 0, max: MAX_JOBS}),
  }

  async run(): Promise<ParseSummary> {
    const {flags} = await this.parse(Parse)
    const output = flags.output ?? `${flags.input === '-' ? 'stdin' : basename(flags.input).replace(/\.gz$/, '')}_structured.csv`
    // Before any work: neither CSV may be the input (or the state file), nor a directory.
    const templatesOutput = defaultTemplatesPath(output)
    await checkOutputs(
      [{path: output, flag: '-o'}, ...(templatesOutput ? [{path: templatesOutput, flag: '-o (its _templates.csv)'}] : [])],
      [flags.input, flags.state ?? ''],
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
        onWarning: (w) => {
          progress.stop()
          printWarning(w)
          progress.start()
        },
        onProgress: (p) => progress.update(p.bytesRead, p.totalBytes ?? 0, `${int(p.lines)} lines`),
      })
    } catch (error) {
      progress.fail('Parsing failed')
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
  }
}
