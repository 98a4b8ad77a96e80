import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../core/errors.js'
import {loadResults, writeSummaries} from '../core/explain/documents.js'
import {checkOutputs} from '../core/io/output.js'
import {summarizeIncidents, SummariesDocument, type DryRunReport, type SummarizeOptions} from '../core/explain/index.js'
import {parseMaxCost, resolveProvider} from '../core/explain/provider-choice.js'
import {parseTimeoutSeconds} from '../core/explain/providers/index.js'
import {FlareCommand} from '../ui/flare-command.js'
import {err, out} from '../ui/style.js'
import {renderDryRun} from '../ui/summaries.js'
import {llmFlags} from '../ui/summary-flags.js'
import {reportFailures, runSummaries} from '../ui/summarize-run.js'
import {printSeenBefore, readPastIncidents} from '../ui/history.js'

export default class Summarize extends FlareCommand {
  static override description = 'Explain the incidents of a results file in plain English: root cause, remediation and the evidence lines (Claude, an OpenAI-compatible server, or offline)'
  static override examples = [
    '<%= config.bin %> summarize -i results.json',
    '<%= config.bin %> summarize -i results.json -o summaries.json --eval',
    '<%= config.bin %> summarize -i results.json --dry-run',
    '<%= config.bin %> summarize -i results.json --incident INC-001 --incident INC-003 --max-cost 0.10',
    '<%= config.bin %> summarize -i results.json --llm-base-url http://localhost:11434/v1 --llm-model llama3.1:8b',
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'results document written by `flare detect -o`, or - to read it from stdin', required: true}),
    output: Flags.string({char: 'o', description: 'write the summaries document (JSON) here; written even when some incidents fail or the budget stops the run'}),
    ...llmFlags(),
    eval: Flags.boolean({description: 'grade every summary: deterministic checks, plus an LLM judge on a different model when the writer is remote'}),
    'judge-model': Flags.string({description: 'model of the LLM judge with --eval [default: a different model from the writer]'}),
    concurrency: Flags.integer({description: 'incidents explained at once', default: 4, min: 1, max: 32}),
    'dry-run': Flags.boolean({description: 'print exactly what would be sent (credentials redacted) with token and cost estimates; send nothing'}),
    incident: Flags.string({description: 'only this incident id (repeatable)', multiple: true}),
    'keep-ips': Flags.boolean({description: 'send IP addresses as they are (by default they are pseudonymised before prompts leave the machine)'}),
    'redact-ips': Flags.boolean({hidden: true, description: 'IP addresses are pseudonymised by default now; kept so older scripts still run'}),
    'redact-hosts': Flags.boolean({description: 'also pseudonymise host names before prompts leave the machine'}),
    db: Flags.string({description: 'incident memory (SQLite): similar past incidents go into the prompts and the output ("seen before: …")'}),
  }

  async run(): Promise<SummariesDocument | DryRunReport> {
    const {flags} = await this.parse(Summarize)
    if (flags.output) await checkOutputs([{path: flags.output, flag: '-o'}], [flags.input])
    const results = await loadResults(flags.input)
    const choice = resolveProvider({provider: flags['llm-provider'], model: flags['llm-model'], baseURL: flags['llm-base-url'], deadlineMs: parseTimeoutSeconds(flags['llm-timeout'], '--llm-timeout')})
    const options: SummarizeOptions = {
      provider: choice.provider,
      concurrency: flags.concurrency,
      maxCostUsd: parseMaxCost(flags['max-cost']),
      eval: flags.eval ? {model: flags['judge-model']} : false,
      redaction: {ips: !flags['keep-ips'], hostnames: flags['redact-hosts']},
      incidentIds: flags.incident,
      pastIncidents: flags.db ? await readPastIncidents(flags.db, results) : undefined,
    }
    if (flags['judge-model'] && !flags.eval) throw new FlareError('--judge-model only applies with --eval', {exitCode: ExitCode.usage, hint: 'add --eval, or drop --judge-model'})

    if (flags['dry-run']) {
      const report = await summarizeIncidents(results, {...options, dryRun: true})
      if (flags.output) process.stderr.write(`${err.dim(`dry run: nothing written to ${flags.output}`)}\n`)
      if (!this.jsonEnabled()) this.log(renderDryRun(report, flags.input, choice.provider.remote ? 'API key: <redacted> — credentials are never printed' : null))
      return report
    }

    const {document, interrupted} = await runSummaries(results, options, {
      source: flags.input,
      autoOffline: choice.autoOffline,
      render: !this.jsonEnabled(),
      log: (text) => this.log(text),
    })
    // Merged into an existing summaries file of the same results: earlier good summaries stay.
    if (options.pastIncidents && !this.jsonEnabled()) printSeenBefore(options.pastIncidents, (line) => this.log(line))
    const written = flags.output ? await writeSummaries(flags.output, document) : undefined
    if (written && written.incidents.length > document.incidents.length && !this.jsonEnabled()) {
      this.log(out.dim(`${written.incidents.length - document.incidents.length} earlier summaries in ${flags.output} kept`))
    }
    if (!this.jsonEnabled() && flags.output) this.log(`${out.green('✔')} summaries written to ${flags.output}`)
    const exitCode = reportFailures(document, flags.output, (line) => process.stderr.write(`${line}\n`), interrupted)
    if (exitCode) process.exitCode = exitCode
    return document
  }
}
