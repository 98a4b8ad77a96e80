import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rename, rm, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import path from 'node:path'
import {ExitCode, FlareError} from '../core/errors.js'
import {trackTemporary} from '../core/io/temp-files.js'
import {isMlflowErrorCode} from './http.js'
import type {MlflowClient} from './mlflow-client.js'
import type {ModelVersion} from './types.js'

/** A reference to a registered model version: models:/NAME@ALIAS or models:/NAME/VERSION. */
export interface ModelsUri {
  name: string
  alias?: string
  version?: string
}

export function isModelsUri(value: string): boolean {
  return value.startsWith('models:/')
}

export function parseModelsUri(uri: string): ModelsUri {
  const match = /^models:\/([^@/]+)(?:@([^/@]+)|\/([^/@]+))$/.exec(uri)
  if (!match) {
    throw new FlareError(`"${uri}" is not a registered model reference`, {
      exitCode: ExitCode.usage,
      hint: 'Use models:/NAME@ALIAS (e.g. models:/flare-detector@champion) or models:/NAME/VERSION (e.g. models:/flare-detector/3)',
    })
  }
  const [, name, alias, version] = match
  if (version !== undefined && version !== 'latest' && !/^\d+$/.test(version)) {
    throw new FlareError(`"${uri}": the version must be a number or "latest", got "${version}"`, {exitCode: ExitCode.usage})
  }
  return {name: name!, alias, version}
}

/** The model version a models:/ URI names, with a clear error when it does not exist. */
export async function resolveModelVersion(client: MlflowClient, ref: ModelsUri): Promise<ModelVersion> {
  const label = ref.alias ? `${ref.name}@${ref.alias}` : `${ref.name}/${ref.version}`
  try {
    if (ref.alias) {
      const found = await client.findModelVersionByAlias(ref.name, ref.alias)
      if (!found) {
        throw new FlareError(`registered model "${ref.name}" has no alias "${ref.alias}"`, {exitCode: ExitCode.badInput, hint: `See its versions with: flare model list --name ${ref.name}; set the alias with: flare model promote VERSION --name ${ref.name} --alias ${ref.alias}`})
      }
      return found
    }
    if (ref.version === 'latest') {
      const versions = await client.searchAllModelVersions({filter: `name = '${ref.name.replaceAll("'", "\\'")}'`})
      if (versions.length === 0) throw new FlareError(`registered model "${ref.name}" has no versions`, {exitCode: ExitCode.badInput})
      return versions.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a))
    }
    return await client.getModelVersion(ref.name, ref.version!)
  } catch (error) {
    if (isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) {
      throw new FlareError(`models:/${label} does not exist on ${client.trackingUri}`, {exitCode: ExitCode.badInput, hint: 'List what is registered with: flare model list --name NAME', cause: error})
    }
    throw error
  }
}

/** Where downloaded registered models are kept: $FLARE_CACHE_DIR, else $XDG_CACHE_HOME/flare, else ~/.cache/flare. */
export function modelCacheRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.FLARE_CACHE_DIR) return path.join(env.FLARE_CACHE_DIR, 'models')
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'flare', 'models')
}

/** The artifact URI of a version's model folder (a runs:/ source resolves through its run). */
async function modelFolderUri(client: MlflowClient, version: ModelVersion): Promise<string> {
  const source = version.source ?? ''
  if (source.startsWith('mlflow-artifacts:')) return source
  const logged = /^models:\/(m-[^/]+)\/?$/.exec(source)
  if (logged) {
    const uri = (await client.getLoggedModel(logged[1]!)).info.artifact_uri
    if (uri) return uri
  }
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(source)
  if (runs) return `${await client.artifactUriOf(runs[1]!)}/${runs[2]}`.replace(/\/+$/, '')
  throw new FlareError(`version ${version.version} of "${version.name}" lives at "${source}", which Flare cannot download`, {
    exitCode: ExitCode.dependency,
    hint: 'Register models logged by flare (flare model sweep --promote, flare detect --register NAME)',
  })
}

/**
 * Downloads the Flare bundle of a registered model version (`<model folder>/bundle/*`) into the
 * cache and returns the folder, ready for loadBundle. Versions are immutable, so a cached copy is
 * reused; the download lands in a temporary folder renamed into place, so a cut download never
 * looks complete.
 */
export async function fetchRegisteredBundle(
  client: MlflowClient,
  uri: string,
  cacheRoot = modelCacheRoot(),
): Promise<{dir: string; name: string; version: string; runId?: string; cached: boolean}> {
  const ref = parseModelsUri(uri)
  const version = await resolveModelVersion(client, ref)
  const server = createHash('sha256').update(client.trackingUri).digest('hex').slice(0, 12)
  const dir = path.join(cacheRoot, server, encodeURIComponent(version.name), version.version)
  const result = {dir, name: version.name, version: version.version, runId: version.run_id}
  if (existsSync(path.join(dir, 'bundle.json'))) return {...result, cached: true}

  const folder = await modelFolderUri(client, version)
  const files = await client.listArtifactsRecursive({artifactUri: folder}, 'bundle')
  if (!files.some((f) => f.path === 'bundle/bundle.json')) {
    throw new FlareError(`models:/${version.name}/${version.version} is not a Flare model (no bundle/bundle.json in ${folder})`, {
      exitCode: ExitCode.badInput,
      hint: 'Register models logged by flare (flare model sweep --promote, flare detect --register NAME)',
    })
  }
  await mkdir(path.dirname(dir), {recursive: true})
  const staging = await mkdtemp(path.join(path.dirname(dir), `.${version.version}-`))
  // a download cut short (Ctrl-C) leaves no half folder in the cache
  const forget = trackTemporary(staging)
  try {
    for (const file of files) {
      const target = path.join(staging, ...file.path.split('/').slice(1))
      await mkdir(path.dirname(target), {recursive: true})
      await writeFile(target, await client.downloadArtifact({artifactUri: folder}, file.path))
    }
    try {
      await rename(staging, dir)
    } catch (error) {
      // Another process cached the same version first; theirs is as good as ours.
      if (!existsSync(path.join(dir, 'bundle.json'))) throw error
    }
  } finally {
    await rm(staging, {recursive: true, force: true})
    forget()
  }
  return {...result, cached: false}
}
