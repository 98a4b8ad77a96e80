import {readFile, writeFile} from 'node:fs/promises'
import {ExitCode, FlareError} from '../errors.js'
import {Results} from '../results.js'
import {SummariesDocument} from './schema.js'

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

/** Validate against the schema, then write; a document that fails validation is a bug, not user error. */
export async function writeSummaries(path: string, document: SummariesDocument): Promise<void> {
  const valid = SummariesDocument.parse(document)
  try {
    await writeFile(path, JSON.stringify(valid, null, 2) + '\n')
  } catch (error) {
    throw new FlareError(`cannot write summaries to ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'choose a writable path with -o'})
  }
}

/** Where `flare detect --summarize -o results.json` puts the summaries: results.summaries.json. */
export function summariesPathFor(resultsPath: string): string {
  return `${resultsPath.replace(/\.json$/i, '')}.summaries.json`
}
