import {Flags} from '@oclif/core'
import {readFile, writeFile} from 'node:fs/promises'
import {ExitCode, FlareError} from '../core/errors.js'
import {
  createProvider,
  summarizeIncidents,
  SummariesDocument,
  type DryRunReport,
  type ExplainProvider,
  type IncidentSummaryRecord,
  type ProviderName,
  type ProviderOptions,
  type SummarizeOptions,
} from '../core/explain/index.js'
import {Results, type Incident} from '../core/results.js'
import {Progress} from '../ui/progress.js'
import {err, out} from '../ui/style.js'
import {providerLabel, renderDryRun, renderHeader, renderJudgeTotals, renderRecord, renderTotals} from '../ui/summaries.js'
import {FlareCommand} from './base.js'

import {detectSummaryFlags, PROVIDERS} from '../ui/summary-flags.js'

export {detectSummaryFlags}

/** `--summarize` and its options on `flare detect`, named so they cannot clash with detect's own `--model` (a model folder). */

export default class Summarize extends FlareCommand {
  static override description = 'Explain the incidents of a results file in plain English: root cause, remediation and the evidence lines (Claude, an OpenAI-compatible server, or offline)'
  static override examples = [
    '<%= config.bin %> summarize -i results.json',
    '<%= config.bin %> summarize -i results.json -o summaries.json --eval',
    '<%= config.bin %> summarize -i results.json --dry-run',
    '<%= config.bin %> summarize -i results.json --incident INC-001 --incident INC-003 --max-cost 0.10',
    '<%= config.bin %> summarize -i results.json --llm-base-url http://localhost:11434/v1 --model llama3.1:8b',
  ]
  static override enableJsonFlag = true
  static override flags = {
    input: Flags.string({char: 'i', description: 'results document written by `flare detect -o`', required: true}),
    output: Flags.string({char: 'o', description: 'write the summaries document (JSON) here; written even when some incidents fail or the budget stops the run'}),
    provider: Flags.string({
      description: 'who writes the summaries [default: auto — anthropic when ANTHROPIC_API_KEY is set, else offline; openai-compatible with --llm-base-url]',
      options: [...PROVIDERS],
    }),
    model: Flags.string({description: "LLM model [default: the provider's; required for openai-compatible]"}),
    'llm-base-url': Flags.string({description: 'endpoint of the LLM API (e.g. http://localhost:11434/v1); implies --provider openai-compatible unless --provider says otherwise'}),
    eval: Flags.boolean({description: 'grade every summary: deterministic checks, plus an LLM judge on a different model when the writer is remote'}),
    'judge-model': Flags.string({description: 'model of the LLM judge with --eval [default: a different model from the writer]'}),
    'max-cost': Flags.string({description: 'stop before the run (summaries and judge) would cost more than this many USD; finished summaries are kept'}),
    concurrency: Flags.integer({description: 'incidents explained at once', default: 4, min: 1, max: 32}),
    'dry-run': Flags.boolean({description: 'print exactly what would be sent (credentials redacted) with token and cost estimates; send nothing'}),
    incident: Flags.string({description: 'only this incident id (repeatable)', multiple: true}),
    'redact-ips': Flags.boolean({description: 'also pseudonymise IP addresses before prompts leave the machine'}),
    'redact-hosts': Flags.boolean({description: 'also pseudonymise host names before prompts leave the machine'}),
  }

  async run(): Promise<SummariesDocument | DryRunReport> {
    const {flags} = await this.parse(Summarize)
    const results = await loadResults(flags.input)
    const choice = resolveProvider({provider: flags.provider, model: flags.model, baseURL: flags['llm-base-url']})
    const options: SummarizeOptions = {
      provider: choice.provider,
      concurrency: flags.concurrency,
      maxCostUsd: parseMaxCost(flags['max-cost']),
      eval: flags.eval ? {model: flags['judge-model']} : false,
      redaction: {ips: flags['redact-ips'], hostnames: flags['redact-hosts']},
      incidentIds: flags.incident,
    }
    if (flags['judge-model'] && !flags.eval) throw new FlareError('--judge-model only applies with --eval', {exitCode: ExitCode.usage, hint: 'add --eval, or drop --judge-model'})

    if (flags['dry-run']) {
      const report = await summarizeIncidents(results, {...options, dryRun: true})
      if (flags.output) process.stderr.write(`${err.dim(`dry run: nothing written to ${flags.output}`)}\n`)
      if (!this.jsonEnabled()) this.log(renderDryRun(report, flags.input, choice.provider.remote ? 'API key: <redacted> — credentials are never printed' : null))
      return report
    }

    const document = await runSummaries(results, options, {
      source: flags.input,
      autoOffline: choice.autoOffline,
      render: !this.jsonEnabled(),
      log: (text) => this.log(text),
    })
    if (flags.output) await writeSummaries(flags.output, document)
    if (!this.jsonEnabled() && flags.output) this.log(`${out.green('✔')} summaries written to ${flags.output}`)
    reportFailures(document, flags.output)
    return document
  }
}

/** Read and validate a results document; every problem becomes a FlareError naming the file. */
export async function loadResults(path: string): Promise<Results> {
  const hint = `produce it with: flare detect -i LOG -o ${path.endsWith('.json') ? path : 'results.json'}`
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
    throw new FlareError(`cannot read results file ${path}: ${why}`, {exitCode: ExitCode.badInput, hint})
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new FlareError(`${path} is not valid JSON: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint})
  }
  const parsed = Results.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    const looksLikeSummaries = SummariesDocument.safeParse(json).success
    throw new FlareError(`${path} is not a Flare results document: ${where}: ${issue.message}`, {
      exitCode: ExitCode.badInput,
      hint: looksLikeSummaries ? `that is a summaries document; pass the results file it was made from (${hint})` : hint,
    })
  }
  return parsed.data
}

export function parseMaxCost(text: string | undefined, flag = '--max-cost'): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text.replace(/^\$/, ''))
  if (!Number.isFinite(value) || value < 0 || text.trim() === '') {
    throw new FlareError(`${flag} must be an amount in USD (e.g. 0.50), got "${text}"`, {exitCode: ExitCode.usage})
  }
  return value
}

/**
 * Flags → provider. `auto` (the default) means: FLARE_PROVIDER if set, openai-compatible when a
 * base URL is given, anthropic when a key is set, else offline — and `autoOffline` says the last
 * case happened so the output can tell the user how to get Claude.
 */
export function resolveProvider(flags: {provider?: string; model?: string; baseURL?: string}, env: NodeJS.ProcessEnv = process.env): {provider: ExplainProvider; autoOffline: boolean} {
  const fromEnv = env.FLARE_PROVIDER && env.FLARE_PROVIDER !== 'auto' ? env.FLARE_PROVIDER : undefined
  const explicit = flags.provider && flags.provider !== 'auto' ? flags.provider : fromEnv
  const requested = (explicit ?? (flags.baseURL ? 'openai-compatible' : 'auto')) as ProviderName | 'auto'
  const options: ProviderOptions = {provider: requested, model: flags.model, baseURL: flags.baseURL}
  const provider = createProvider(options)
  return {provider, autoOffline: requested === 'auto' && !provider.remote}
}

export interface RunIO {
  source: string
  autoOffline: boolean
  render: boolean
  log: (text: string) => void
}

/**
 * Run the explain engine with a spinner on stderr and, when rendering, a block per incident on
 * stdout in results order as soon as it and every incident before it are done. Ctrl-C stops the
 * run; what finished is kept.
 */
export async function runSummaries(results: Results, options: SummarizeOptions, io: RunIO): Promise<SummariesDocument> {
  const provider = options.provider!
  const byId = new Map<string, Incident>(results.incidents.map((i) => [i.id, i]))
  const selected = options.incidentIds ? results.incidents.filter((i) => options.incidentIds!.includes(i.id)).length : results.incidents.length
  if (io.render) io.log(`\n${renderHeader(io.source, providerLabel({provider: provider.name, model: provider.model, offline: !provider.remote}, io.autoOffline), selected, io.autoOffline)}`)

  // A pseudo-terminal that reports 0 columns sends ora into an endless line-clearing loop.
  const progress = new Progress('Explaining incidents', Boolean(process.stderr.isTTY && process.stderr.columns))
  const inFlight: string[] = []
  const finished: Array<IncidentSummaryRecord | undefined> = []
  let next = 0
  let done = 0
  const relabel = (total: number) => {
    progress.stop()
    if (inFlight.length === 0) return
    progress.label = `Explaining ${inFlight.join(', ')} ${err.dim(`(${done}/${total} done)`)}`
    progress.start()
  }

  const controller = new AbortController()
  const onInterrupt = () => {
    progress.stop()
    process.stderr.write(`${err.yellow('Interrupted:')} stopping; finished summaries are kept (Ctrl-C again to quit at once)\n`)
    controller.abort()
  }
  process.once('SIGINT', onInterrupt)
  let document: SummariesDocument
  try {
    document = (await summarizeIncidents(results, {
      ...options,
      dryRun: false,
      signal: controller.signal,
      onIncidentStart: (incident, _index, total) => {
        inFlight.push(incident.id)
        relabel(total)
      },
      onIncidentDone: (record, index, total) => {
        const at = inFlight.indexOf(record.incident_id)
        if (at >= 0) inFlight.splice(at, 1)
        done++
        if (record.status !== 'skipped_budget') {
          progress.label = record.incident_id
          progress.start()
          if (record.status === 'ok') progress.succeed(`${record.incident_id} explained ${err.dim(`(${(record.latency_ms / 1000).toFixed(1)}s)`)}`)
          else progress.fail(`${record.incident_id} failed`)
        }
        finished[index] = record
        if (io.render) {
          while (finished[next]) {
            const r = finished[next]!
            io.log(`\n${renderRecord(r, byId.get(r.incident_id))}`)
            next++
          }
        }
        relabel(total)
      },
    })) as SummariesDocument
  } finally {
    progress.stop()
    process.removeListener('SIGINT', onInterrupt)
  }
  if (io.render) {
    if (document.incidents.length === 0) io.log('No incidents to explain: the detector flagged nothing.')
    io.log(`\n${renderTotals(document)}`)
    if (document.judge) io.log(renderJudgeTotals(document.judge))
  }
  return document
}

/** Validate against the schema, then write; a document that fails validation is a bug, not user error. */
export async function writeSummaries(path: string, document: SummariesDocument): Promise<void> {
  const valid = SummariesDocument.parse(document)
  try {
    await writeFile(path, JSON.stringify(valid, null, 2) + '\n')
  } catch (error) {
    throw new FlareError(`cannot write summaries to ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'choose a writable path with -o'})
  }
}

/** Failed incidents make the exit code 4 (the document is still returned and written). */
export function reportFailures(document: SummariesDocument, written?: string): void {
  const failed = document.incidents.filter((r) => r.status === 'error')
  if (failed.length === 0) return
  process.stderr.write(`${err.red('Error:')} ${failed.length} of ${document.incidents.length} incident${document.incidents.length === 1 ? '' : 's'} could not be explained (${failed.map((r) => r.incident_id).join(', ')})\n`)
  process.stderr.write(`${err.dim(`→ ${written ? `the others are in ${written}; ` : ''}rerun those with --incident ${failed[0]!.incident_id}${failed.length > 1 ? ' …' : ''}, or use --provider offline`)}\n`)
  process.exitCode = ExitCode.dependency
}

/** `flare detect --summarize`: explain the fresh results, print the blocks, write `<output minus .json>.summaries.json`. */
export async function summarizeAfterDetect(
  results: Results,
  flags: {'llm-provider'?: string; 'llm-model'?: string; 'max-cost'?: string; output?: string},
  io: {render: boolean; log: (text: string) => void},
): Promise<SummariesDocument> {
  const choice = resolveProvider({provider: flags['llm-provider'], model: flags['llm-model']})
  const document = await runSummaries(results, {provider: choice.provider, maxCostUsd: parseMaxCost(flags['max-cost'])}, {source: results.summary.input, autoOffline: choice.autoOffline, ...io})
  const path = flags.output ? summariesPathFor(flags.output) : undefined
  if (path) {
    await writeSummaries(path, document)
    if (io.render) io.log(`${out.green('✔')} summaries written to ${path}`)
  }
  reportFailures(document, path)
  return document
}

export function summariesPathFor(resultsPath: string): string {
  return `${resultsPath.replace(/\.json$/i, '')}.summaries.json`
}
