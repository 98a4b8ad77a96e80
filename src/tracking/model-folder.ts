import {randomUUID} from 'node:crypto'
import {cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {ExitCode, FlareError} from '../core/errors.js'
import {trackTemporary} from '../core/io/temp-files.js'
import {joinArtifactPath} from './artifacts.js'
import {MlflowApiError} from './http.js'
import type {LoggedModel} from './logged-models-api.js'
import type {ArtifactRoot, MlflowClient} from './mlflow-client.js'

/** An MLflow column spec type (mlflow.types.DataType). */
export type ColumnType = 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'datetime'

export interface ColumnSpec {
  name: string
  type: ColumnType
}

export interface ModelFolderOptions {
  /** A saved Flare model bundle (bundle.json, templates.json, ...), copied into `<folder>/bundle`. */
  bundleDir: string
  detector: string
  flareVersion: string
  /** Feature columns the detector reads, in order: the signature's inputs (all double). */
  featureColumns: readonly string[]
  outputs?: readonly ColumnSpec[]
  /** Extra scalar fields for the `flare` flavor block, e.g. threshold or session_key. */
  flavorExtras?: Record<string, string | number | boolean>
  runId?: string
  /** The MLflow 3 LoggedModel id (m-…), recorded in MLmodel. */
  modelId?: string
  /** Where the folder sits in the run's artifacts; recorded in MLmodel. */
  artifactPath?: string
  mlflowVersion?: string
  modelUuid?: string
  createdAt?: Date
}

export const defaultModelOutputs: readonly ColumnSpec[] = [
  {name: 'score', type: 'double'},
  {name: 'anomaly', type: 'boolean'},
]

/** Column specs as MLflow serializes them: a JSON string with Python's separators. */
export function columnSpecJson(columns: readonly ColumnSpec[]): string {
  return `[${columns.map((c) => `{"type": "${c.type}", "name": ${JSON.stringify(c.name)}, "required": true}`).join(', ')}]`
}

type YamlValue = string | number | boolean | null | {[key: string]: YamlValue}

function yamlScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null'
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `'${value}'`
  if (typeof value === 'boolean') return String(value)
  const plain = /^[A-Za-z_][\w./-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value)
  return plain ? value : `'${value.replaceAll("'", "''")}'`
}

/** Block-style YAML for nested maps of scalars, keys sorted as PyYAML's safe_dump sorts them. */
export function toYaml(map: {[key: string]: YamlValue}, indent = ''): string {
  let out = ''
  for (const key of Object.keys(map).sort()) {
    const value = map[key]!
    if (value !== null && typeof value === 'object') out += `${indent}${yamlScalar(key)}:\n${toYaml(value, `${indent}  `)}`
    else out += `${indent}${yamlScalar(key)}: ${yamlScalar(value)}\n`
  }
  return out
}

/** MLflow prints utc_time_created as Python's str(datetime): `2024-01-02 03:04:05.123000`. */
function pythonUtcTime(date: Date): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`
}

/** The MLmodel file for a Flare model folder. */
export function mlmodelYaml(options: Omit<ModelFolderOptions, 'bundleDir'> & {modelSizeBytes?: number}): string {
  const doc: {[key: string]: YamlValue} = {
    artifact_path: options.artifactPath ?? 'model',
    flavors: {
      flare: {
        ...options.flavorExtras,
        bundle: 'bundle',
        detector: options.detector,
        version: options.flareVersion,
      },
    },
    model_uuid: options.modelUuid ?? randomUUID().replaceAll('-', ''),
    signature: {
      inputs: columnSpecJson(options.featureColumns.map((name) => ({name, type: 'double'}))),
      outputs: columnSpecJson(options.outputs ?? defaultModelOutputs),
      params: null,
    },
    utc_time_created: pythonUtcTime(options.createdAt ?? new Date()),
  }
  if (options.runId) doc.run_id = options.runId
  if (options.modelId) doc.model_id = options.modelId
  if (options.mlflowVersion) doc.mlflow_version = options.mlflowVersion
  if (options.modelSizeBytes !== undefined) doc.model_size_bytes = options.modelSizeBytes
  return toYaml(doc)
}

/** Every file below `dir`, as paths relative to it with forward slashes, sorted. */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

/**
 * Writes an MLflow model folder: `MLmodel` plus the bundle under `bundle/`. Returns the model uuid
 * and the files written, relative to `outDir`.
 */
export async function writeModelFolder(outDir: string, options: ModelFolderOptions): Promise<{modelUuid: string; files: string[]}> {
  const bundleFiles = await listFilesRecursive(options.bundleDir).catch((error: unknown) => {
    throw new FlareError(`Cannot read the model bundle at ${options.bundleDir}.`, {exitCode: ExitCode.badInput, cause: error})
  })
  if (bundleFiles.length === 0) {
    throw new FlareError(`The model bundle at ${options.bundleDir} is empty.`, {exitCode: ExitCode.badInput})
  }
  await mkdir(outDir, {recursive: true})
  await cp(options.bundleDir, path.join(outDir, 'bundle'), {recursive: true})
  let size = 0
  for (const file of bundleFiles) size += (await stat(path.join(options.bundleDir, file))).size
  const modelUuid = options.modelUuid ?? randomUUID().replaceAll('-', '')
  await writeFile(path.join(outDir, 'MLmodel'), mlmodelYaml({...options, modelUuid, modelSizeBytes: size}))
  return {modelUuid, files: ['MLmodel', ...bundleFiles.map((f) => `bundle/${f}`)]}
}

/** Uploads every file below `localDir` to `<root>/<artifactPrefix>/...`; returns the artifact paths. */
export async function uploadFolder(client: MlflowClient, root: ArtifactRoot, localDir: string, artifactPrefix = ''): Promise<string[]> {
  const uri = await client.artifactUriOf(root)
  const uploaded: string[] = []
  for (const file of await listFilesRecursive(localDir)) {
    const artifactPath = joinArtifactPath(artifactPrefix, file)
    await client.uploadArtifact({artifactUri: uri}, artifactPath, await readFile(path.join(localDir, file)))
    uploaded.push(artifactPath)
  }
  return uploaded
}

/**
 * Logs a Flare bundle as an MLflow model: an MLflow 3 LoggedModel linked to the run (the UI's Models
 * tab, `mlflow.search_logged_models`, `ModelVersion.model_id`) holding the model folder, and the same
 * folder in the run's artifacts at `artifactPath` (default "model"). On a server without the
 * logged-models API (MLflow 2) only the run's copy is made. Returns the URI to register from and,
 * when there is one, the LoggedModel id to register with.
 */
export async function logModelFolder(
  client: MlflowClient,
  runId: string,
  options: Omit<ModelFolderOptions, 'runId' | 'modelId'>,
): Promise<{source: string; modelId?: string; modelUuid: string; files: string[]}> {
  const artifactPath = options.artifactPath ?? 'model'
  const staging = await mkdtemp(path.join(tmpdir(), 'flare-model-'))
  // removed on every exit path, an interrupt while uploading included
  const forget = trackTemporary(staging)
  try {
    const mlflowVersion = options.mlflowVersion ?? (await client.serverVersion())
    const logged = await createLoggedModelFor(client, runId, options)
    const modelId = logged?.info.model_id
    const {modelUuid} = await writeModelFolder(staging, {...options, runId, modelId, artifactPath, mlflowVersion})
    const files = await uploadFolder(client, runId, staging, artifactPath)
    const root = await client.artifactUriOf(runId)
    if (!logged?.info.artifact_uri) return {source: `${root}/${joinArtifactPath(artifactPath)}`, modelUuid, files}
    try {
      await uploadFolder(client, {artifactUri: logged.info.artifact_uri}, staging)
    } catch (error) {
      await client.finalizeLoggedModel(logged.info.model_id, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined)
      throw error
    }
    await client.finalizeLoggedModel(logged.info.model_id, 'LOGGED_MODEL_READY')
    await client.logRunOutputs(runId, [logged.info.model_id])
    return {source: logged.info.artifact_uri, modelId, modelUuid, files}
  } finally {
    await rm(staging, {recursive: true, force: true})
    forget()
  }
}

/** A LoggedModel for the run, or undefined on a server that predates them (MLflow 2). */
async function createLoggedModelFor(client: MlflowClient, runId: string, options: Omit<ModelFolderOptions, 'runId' | 'modelId'>): Promise<LoggedModel | undefined> {
  const run = await client.getRun(runId)
  try {
    return await client.createLoggedModel({
      experimentId: run.info.experiment_id,
      name: `flare-${options.detector}`,
      modelType: 'flare',
      sourceRunId: runId,
      params: {detector: options.detector, flare_version: options.flareVersion, feature_columns: String(options.featureColumns.length), ...options.flavorExtras},
      tags: {'flare.detector': options.detector},
    })
  } catch (error) {
    if (error instanceof MlflowApiError && (error.status === 404 || error.errorCode === 'ENDPOINT_NOT_FOUND')) return undefined
    throw error
  }
}
