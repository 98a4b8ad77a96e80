import {ExitCode, signalExitCode} from '../core/errors.js'
import {checkBudget, summarizeIncidents, type IncidentSummaryRecord, type SummariesDocument, type SummarizeOptions} from '../core/explain/index.js'
import {summariesPathFor, writeSummaries} from '../core/explain/documents.js'
import {parseMaxCost, resolveProvider} from '../core/explain/provider-choice.js'
import {parseTimeoutSeconds} from '../core/explain/providers/index.js'
import type {Incident, Results} from '../core/results.js'
import {Progress} from './progress.js'
import {err, out} from './style.js'
import {providerLabel, renderHeader, renderJudgeTotals, renderRecord, renderTotals} from './summaries.js'

/** Where a summaries run writes: `log` is stdout (the blocks), `warn` is stderr (failures). */
export interface SummaryIO {
  render: boolean
  log: (text: string) => void
  warn: (text: string) => void
}

export interface RunIO extends Omit<SummaryIO, 'warn'> {
  source: string
  autoOffline: boolean
}

/** A summaries run: the document, and the signal that stopped it early, if one did. */
export interface SummariesRun {
  document: SummariesDocument
  interrupted?: NodeJS.Signals
}

/**
 * Run the explain engine with a spinner on stderr and, when rendering, a block per incident on
 * stdout in results order as soon as it and every incident before it are done. Ctrl-C or SIGTERM
 * stops the run: what finished is kept, the rest is marked `interrupted` (not failed), and the
 * caller exits with the signal's status (`signalExitCode`).
 */
export async function runSummaries(results: Results, options: SummarizeOptions, io: RunIO): Promise<SummariesRun> {
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
  let interrupted: NodeJS.Signals | undefined
  const onInterrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = signal
    progress.stop()
    process.stderr.write(`${err.yellow(signal === 'SIGINT' ? 'Interrupted:' : 'Terminated:')} stopping; finished summaries are kept (${signal === 'SIGINT' ? 'Ctrl-C' : 'a second signal'} again to quit at once)\n`)
    controller.abort()
  }
  process.once('SIGINT', onInterrupt)
  process.once('SIGTERM', onInterrupt)
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
        if (record.status === 'ok' || record.status === 'error') {
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
    process.removeListener('SIGTERM', onInterrupt)
  }
  if (io.render) {
    if (document.incidents.length === 0) io.log('No incidents to explain: the detector flagged nothing.')
    io.log(`\n${renderTotals(document)}`)
    if (document.judge) io.log(renderJudgeTotals(document.judge))
  }
  return {document, interrupted}
}

/**
 * Names the incidents that could not be explained, on `warn`. Returns the exit code for the command
 * to set: the signal's (130, 143) when one stopped the run, else 4 when some incident failed; the
 * document is still returned and written. Incidents an interrupt stopped are not failures.
 */
export function reportFailures(document: SummariesDocument, written: string | undefined, warn: (text: string) => void, interrupted?: NodeJS.Signals): number | undefined {
  const failed = document.incidents.filter((r) => r.status === 'error')
  if (failed.length === 0) return interrupted ? signalExitCode(interrupted) : undefined
  warn(`${err.red('Error:')} ${failed.length} of ${document.incidents.length} incident${document.incidents.length === 1 ? '' : 's'} could not be explained (${failed.map((r) => r.incident_id).join(', ')})`)
  warn(err.dim(`→ ${written ? `the others are in ${written}; ` : ''}rerun those with --incident ${failed[0]!.incident_id}${failed.length > 1 ? ' …' : ''}, or use --llm-provider offline`))
  return interrupted ? signalExitCode(interrupted) : ExitCode.dependency
}

/** `flare detect --summarize`'s LLM settings, checked before the detection. */
export interface DetectSummaries {
  choice: ReturnType<typeof resolveProvider>
  maxCostUsd?: number
  /** `<output minus .json>.summaries.json`, with -o. */
  path?: string
}

/**
 * `flare detect --summarize`: the provider, timeout and budget from the flags, before any work, so
 * that a bad value (exit 2) costs no detection and writes nothing.
 */
export function prepareDetectSummaries(
  flags: {'llm-provider'?: string; 'llm-model'?: string; 'llm-base-url'?: string; 'max-cost'?: string; 'llm-timeout'?: string; output?: string},
  env: NodeJS.ProcessEnv = process.env,
): DetectSummaries {
  const deadlineMs = parseTimeoutSeconds(flags['llm-timeout'], '--llm-timeout')
  const maxCostUsd = parseMaxCost(flags['max-cost'])
  const choice = resolveProvider({provider: flags['llm-provider'], model: flags['llm-model'], baseURL: flags['llm-base-url'], deadlineMs}, env)
  checkBudget(maxCostUsd, [choice.provider])
  return {choice, maxCostUsd, path: flags.output ? summariesPathFor(flags.output) : undefined}
}

/**
 * `flare detect --summarize`: explain the fresh results, print the blocks, write the summaries
 * next to the results. Returns the document and the exit code failures (or a signal) make.
 */
export async function summarizeAfterDetect(results: Results, prepared: DetectSummaries, io: SummaryIO): Promise<{document: SummariesDocument; exitCode?: number}> {
  const {choice, path} = prepared
  const {document, interrupted} = await runSummaries(results, {provider: choice.provider, maxCostUsd: prepared.maxCostUsd}, {source: results.summary.input, autoOffline: choice.autoOffline, render: io.render, log: io.log})
  if (path) {
    await writeSummaries(path, document)
    if (io.render) io.log(`${out.green('✔')} summaries written to ${path}`)
  }
  return {document, exitCode: reportFailures(document, path, io.warn, interrupted)}
}
