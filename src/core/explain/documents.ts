import {readFile} from 'node:fs/promises'
import {ExitCode, FlareError} from '../errors.js'
import {writeFileAtomic} from '../io/output.js'
import {Results} from '../results.js'
import {SummariesDocument, type IncidentSummaryRecord} from './schema.js'

/** Read and validate a results document; every problem becomes a FlareError naming the file. */
export async function loadResults(path: string): Promise<Results> {
  const hint = `produce it with: flare detect -i LOG -o ${path.endsWith('.json') ? path : 'results.json'}`
  let text: string
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof FlareError) throw error
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

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new FlareError('Nothing to read: standard input is a terminal, not a pipe.', {exitCode: ExitCode.badInput, hint: 'pipe a results document in (flare detect -i LOG --json | flare summarize -i -), or pass its path'})
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Validate against the schema, then write atomically. A summaries file of the same results that is
 * already there is merged into, not replaced: its good summaries stay unless this run has a good
 * one for the same incident, so a failing LLM or `--incident INC-003` never throws earlier work away.
 * Returns the document as written.
 */
export async function writeSummaries(path: string, document: SummariesDocument): Promise<SummariesDocument> {
  const previous = await readSummaries(path)
  const merged = previous && sameSource(previous, document) ? mergeSummaries(previous, document) : document
  const valid = SummariesDocument.parse(merged)
  await writeFileAtomic(path, JSON.stringify(valid, null, 2) + '\n', {flag: '-o'})
  return valid
}

async function readSummaries(path: string): Promise<SummariesDocument | undefined> {
  try {
    const parsed = SummariesDocument.safeParse(JSON.parse(await readFile(path, 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

function sameSource(a: SummariesDocument, b: SummariesDocument): boolean {
  return a.source.input === b.source.input && a.source.detector === b.source.detector && a.source.incidents === b.source.incidents
}

/** `next` wins for an incident when its record is good or the earlier one was not. */
export function mergeSummaries(previous: SummariesDocument, next: SummariesDocument): SummariesDocument {
  const byId = new Map<string, IncidentSummaryRecord>()
  for (const record of previous.incidents) byId.set(record.incident_id, record)
  for (const record of next.incidents) {
    const earlier = byId.get(record.incident_id)
    if (!earlier || record.status === 'ok' || earlier.status !== 'ok') byId.set(record.incident_id, record)
  }
  const records = [...byId.values()].sort((a, b) => a.incident_id.localeCompare(b.incident_id, 'en', {numeric: true}))
  const ok = records.filter((r) => r.status === 'ok')
  const sum = (pick: (r: IncidentSummaryRecord) => number): number => records.reduce((total, r) => total + pick(r), 0)
  const costs = records.filter((r) => r.attempts > 0).map((r) => r.cost_usd)
  return {
    ...next,
    incidents: records,
    totals: {
      ...next.totals,
      incidents: records.length,
      ok: ok.length,
      failed: records.filter((r) => r.status === 'error').length,
      skipped_budget: records.filter((r) => r.status === 'skipped_budget').length,
      interrupted: records.filter((r) => r.status === 'interrupted').length,
      input_tokens: sum((r) => r.usage.input_tokens),
      output_tokens: sum((r) => r.usage.output_tokens),
      cache_read: sum((r) => r.usage.cache_read),
      cache_write: sum((r) => r.usage.cache_write),
      cost_usd: costs.some((c) => c === null) ? null : Math.round(costs.reduce((a: number, c) => a + (c ?? 0), 0) * 1e6) / 1e6,
      latency_ms_mean: ok.length === 0 ? null : Math.round(ok.reduce((a, r) => a + r.latency_ms, 0) / ok.length),
    },
  }
}

/** Where `flare detect --summarize -o results.json` puts the summaries: results.summaries.json. */
export function summariesPathFor(resultsPath: string): string {
  return `${resultsPath.replace(/\.json$/i, '')}.summaries.json`
}
