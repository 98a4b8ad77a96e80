/**
 * The parser config file (`flare.config.json` or --config): read and validated before any work,
 * and written by `flare parse --sweep --write-config`. templates/user-config.ts is its schema.
 */
import {readFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import {writeFileAtomic} from '../io/output.js'
import {DEFAULT_CONFIG_FILE, parseUserConfig, parserOptions, usage, type DrainSettings, type LoadedUserConfig, type UserConfig} from '../templates/user-config.js'

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw usage(`cannot read ${path}: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw usage(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * The config of `--config FILE` (which must exist), else `flare.config.json` in `cwd` when it
 * exists, else none (defaults).
 */
export async function loadUserConfig(explicit?: string, cwd = process.cwd()): Promise<LoadedUserConfig> {
  const path = explicit ?? resolve(cwd, DEFAULT_CONFIG_FILE)
  const json = await readJson(path)
  if (json === undefined) {
    if (explicit !== undefined) throw usage(`--config: ${explicit} does not exist`, `create it, or leave --config out to use ./${DEFAULT_CONFIG_FILE} when there is one`)
    return {config: {}, parser: {}}
  }
  const config = parseUserConfig(json, explicit ?? DEFAULT_CONFIG_FILE)
  return {path, config, parser: parserOptions(config)}
}

/**
 * Writes Drain settings into the config file at `path`, keeping everything else it holds (its
 * rules, its delimiters); written beside and renamed, so a reader never sees half a file.
 */
export async function writeDrainSettings(path: string, settings: DrainSettings): Promise<UserConfig> {
  const existing = await readJson(path)
  const config = existing === undefined ? {} : parseUserConfig(existing, path)
  const next: UserConfig = {...config, drain: {...config.drain, ...settings}}
  await writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n', {flag: '--write-config'})
  return next
}
