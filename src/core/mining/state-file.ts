/**
 * The template state file of `--state` (and of a model's miner): plain JSON, read before stage 1
 * and written after it. templates/ shapes and checks the object; this module does the file.
 */
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../io/output.js'
import {ExitCode, FlareError} from '../errors.js'
import {TemplateMiner, configForFormat, type TemplateMinerOptions} from '../templates/index.js'

/**
 * The miner saved at `path` (of class `kind`), or a fresh one for `format` when there is no file.
 * A Drain3 snapshot is imported (templates/drain3-import.ts). `parser` (a config file's settings)
 * applies on top of the saved settings.
 */
export async function loadTemplateState<M extends TemplateMiner = TemplateMiner>(path: string, format?: string, kind: (new (options?: TemplateMinerOptions) => M) & {fromJSON: typeof TemplateMiner.fromJSON} = TemplateMiner as never, parser: TemplateMinerOptions = {}): Promise<M> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new kind(configForFormat(format, parser))
    throw new FlareError(`cannot read template state ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new FlareError(`template state ${path} is not valid JSON: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'delete it to start fresh, or point --state at another file'})
  }
  const {isDrain3Snapshot, drain3State} = await import('../templates/drain3-import.js')
  if (isDrain3Snapshot(json)) {
    const miner = kind.fromJSON(drain3State(json, path, format, parser))
    importedFromDrain3.add(miner)
    return miner
  }
  // The validator (zod) loads only when there is a state file to check.
  const {parseTemplateState} = await import('../templates/state-schema.js')
  try {
    return kind.fromJSON(parseTemplateState(json), parser)
  } catch (error) {
    throw new FlareError(`template state ${path} is not a valid Flare state file: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'delete it to start fresh, or point --state at another file'})
  }
}

/** Miners that came from a Drain3 snapshot: their state is saved beside it, never over it. */
const importedFromDrain3 = new WeakSet<TemplateMiner>()

/** `to` is `from` rebuilt (another class): it keeps where it came from. */
export function carryOrigin(from: TemplateMiner, to: TemplateMiner): void {
  if (importedFromDrain3.has(from)) importedFromDrain3.add(to)
}

/** Where a miner's state goes: `path`, or for an imported Drain3 snapshot `<path>.flare.json` beside it. */
export function stateSavePath(path: string, miner: TemplateMiner): string {
  return importedFromDrain3.has(miner) ? flareStatePath(path) : path
}

function flareStatePath(snapshot: string): string {
  return snapshot.replace(/(\.json)?$/i, '.flare.json')
}

/**
 * Before a run that saves to --state `path`: where its state goes when `path` holds a Drain3
 * snapshot (`<path>.flare.json`, a name Flare chose), else undefined.
 */
export async function drain3StateOutput(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text === undefined || !text.includes('"py/object"')) return undefined
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const {isDrain3Snapshot} = await import('../templates/drain3-import.js')
  return isDrain3Snapshot(json) ? flareStatePath(path) : undefined
}

/** Written next to the target then renamed, so an interrupted run never leaves half a file. */
export async function saveTemplateState(path: string, miner: TemplateMiner): Promise<string> {
  const target = stateSavePath(path, miner)
  await writeFileAtomic(target, JSON.stringify(miner.toJSON()), {flag: '--state'})
  return target
}
