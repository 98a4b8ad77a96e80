/**
 * The template state file of `--state` (and of a model's miner): plain JSON, read before stage 1
 * and written after it. templates/ shapes and checks the object; this module does the file.
 */
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../io/output.js'
import {ExitCode, FlareError} from '../errors.js'
import {TemplateMiner, configForFormat, type TemplateMinerOptions} from '../templates/index.js'

/** The miner saved at `path` (of class `kind`), or a fresh one for `format` when there is no file. */
export async function loadTemplateState<M extends TemplateMiner = TemplateMiner>(path: string, format?: string, kind: (new (options?: TemplateMinerOptions) => M) & {fromJSON: typeof TemplateMiner.fromJSON} = TemplateMiner as never): Promise<M> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new kind(configForFormat(format))
    throw new FlareError(`cannot read template state ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  // The validator (zod) loads only when there is a state file to check.
  const {parseTemplateState} = await import('../templates/state-schema.js')
  try {
    return kind.fromJSON(parseTemplateState(JSON.parse(text)))
  } catch (error) {
    throw new FlareError(`template state ${path} is not a valid Flare state file: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'delete it to start fresh, or point --state at another file'})
  }
}

/** Written next to the target then renamed, so an interrupted run never leaves half a file. */
export async function saveTemplateState(path: string, miner: TemplateMiner): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(miner.toJSON()), {flag: '--state'})
}
