import {ExitCode, FlareError} from '../core/errors.js'
import {isMlflowErrorCode} from './http.js'
import type {MlflowClient} from './mlflow-client.js'
import type {ModelStage} from './registry-api.js'
import type {ModelVersion, RegisteredModel, Run} from './types.js'

/** One version of a registered model as `flare model list` shows it: its aliases, stage and source run's metrics. */
export interface ListedVersion {
  version: string
  aliases: string[]
  stage: string
  status?: string
  created?: string
  run_id?: string
  source?: string
  detector?: string
  metrics: {f1?: number; precision?: number; recall?: number}
}

/** MLflow's filter strings quote with single quotes; a quote inside is escaped. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", "\\'")}'`
}

export async function getRegisteredModelOrExplain(client: MlflowClient, name: string): Promise<RegisteredModel> {
  try {
    return await client.getRegisteredModel(name)
  } catch (error) {
    if (isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) {
      throw new FlareError(`no registered model named "${name}" on ${client.trackingUri}`, {
        exitCode: ExitCode.badInput,
        hint: `Register one with: flare model sweep -i LOG --labels CSV --promote --name ${name}  (or flare detect -i LOG --register ${name})`,
      })
    }
    throw error
  }
}

/** Every version of a registered model, newest first, with its source run's detector and metrics. */
export async function listModelVersions(client: MlflowClient, name: string): Promise<ListedVersion[]> {
  const model = await getRegisteredModelOrExplain(client, name)
  const versions = await client.searchAllModelVersions({filter: `name = ${quote(name)}`})
  versions.sort((a, b) => Number(b.version) - Number(a.version))
  return Promise.all(versions.map((v) => describeVersion(client, model, v)))
}

async function describeVersion(client: MlflowClient, model: RegisteredModel, v: ModelVersion): Promise<ListedVersion> {
  let run: Run | undefined
  if (v.run_id) {
    try {
      run = await client.getRun(v.run_id)
    } catch (error) {
      // A deleted run leaves the version without metrics, not the listing without the version.
      if (!isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) throw error
    }
  }
  const metric = (key: string): number | undefined => run?.data.metrics.find((m) => m.key === key)?.value
  const aliases = model.aliases.filter((a) => a.version === v.version).map((a) => a.alias)
  return {
    version: v.version,
    aliases: aliases.length ? aliases : v.aliases,
    stage: v.current_stage ?? 'None',
    status: v.status,
    created: v.creation_timestamp ? new Date(v.creation_timestamp).toISOString().slice(0, 19).replace('T', ' ') : undefined,
    run_id: v.run_id,
    source: v.source,
    detector: run?.data.params.find((p) => p.key === 'detector')?.value,
    metrics: {f1: metric('f1'), precision: metric('precision'), recall: metric('recall')},
  }
}

export interface PromoteResult {
  name: string
  version: string
  alias?: string
  /** The version the alias pointed at before, if any. */
  previous?: string
  stage?: string
}

/** A usage error unless `version` is a version number (checked before any server is contacted). */
export function checkVersionNumber(version: string): void {
  if (!/^\d+$/.test(version)) throw new FlareError(`VERSION must be a version number, got "${version}"`, {exitCode: ExitCode.usage, hint: 'See the versions with: flare model list'})
}

/**
 * A usage error unless `alias` is one MLflow takes (checked before any work): letters, digits, _
 * and -, at most 255, and not one MLflow keeps for itself (`latest`, `v<number>`).
 */
export function checkAliasName(alias: string, flag = '--alias'): void {
  const why = alias === '' ? 'it is empty'
    : alias.length > 255 ? 'it is longer than 255 characters'
    : !/^[\w-]+$/.test(alias) ? 'an alias takes only letters, digits, _ and -'
    : alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias) ? 'MLflow keeps "latest" and v<number> for itself'
    : undefined
  if (why !== undefined) throw new FlareError(`${flag} "${alias}" is not an alias MLflow takes: ${why}`, {exitCode: ExitCode.usage, hint: `e.g. ${flag} champion or ${flag} challenger-2`})
}

/** Points `alias` at a version, or (with `stage`) moves the version to that legacy stage. */
export async function promoteVersion(
  client: MlflowClient,
  options: {name: string; version: string; alias?: string; stage?: ModelStage; archiveExisting?: boolean},
): Promise<PromoteResult> {
  const {name, version} = options
  checkVersionNumber(version)
  if (options.alias !== undefined) checkAliasName(options.alias)
  await getRegisteredModelOrExplain(client, name)
  try {
    await client.getModelVersion(name, version)
  } catch (error) {
    if (isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) {
      throw new FlareError(`"${name}" has no version ${version}`, {exitCode: ExitCode.badInput, hint: `See its versions with: flare model list --name ${name}`})
    }
    throw error
  }
  if (options.stage) {
    const moved = await client.transitionStage(name, version, options.stage, options.archiveExisting)
    return {name, version, stage: moved.current_stage ?? options.stage}
  }
  const alias = options.alias ?? 'champion'
  const previous = (await client.findModelVersionByAlias(name, alias))?.version
  await client.setAlias(name, alias, version)
  return {name, version, alias, previous}
}
