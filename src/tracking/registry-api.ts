import {collectPages, MlflowApiBase} from './api-base.js'
import {type KeyValues, toKeyValues} from './batch.js'
import {isMlflowErrorCode} from './http.js'
import {envelopes, type ModelVersion, type Page, type RegisteredModel} from './types.js'

export interface RegistrySearchOptions {
  /** e.g. `name = 'flare-hdfs'` or `name LIKE 'flare-%'` (model versions: also `run_id = '...'`). */
  filter?: string
  maxResults?: number
  /** e.g. ['name ASC'], ['version_number DESC'] */
  orderBy?: readonly string[]
  pageToken?: string
}

export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived'

/** Model registry endpoints: registered models, versions, aliases and (legacy) stages. */
export abstract class MlflowRegistry extends MlflowApiBase {
  async createRegisteredModel(name: string, options: {description?: string; tags?: KeyValues} = {}): Promise<RegisteredModel> {
    const body = {name, description: options.description, tags: toKeyValues(options.tags)}
    const res = await this.post('registered-models/create', body, `register model "${name}"`, envelopes.registeredModel)
    return res.registered_model
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.get('registered-models/get', {name}, `get registered model "${name}"`, envelopes.registeredModel)
    return res.registered_model
  }

  /** The registered model with this name, created if missing (safe against a concurrent creator). */
  async getOrCreateRegisteredModel(name: string, options: {description?: string; tags?: KeyValues} = {}): Promise<RegisteredModel> {
    try {
      return await this.getRegisteredModel(name)
    } catch (error) {
      if (!isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) throw error
    }
    try {
      return await this.createRegisteredModel(name, options)
    } catch (error) {
      if (!isMlflowErrorCode(error, 'RESOURCE_ALREADY_EXISTS')) throw error
      return this.getRegisteredModel(name)
    }
  }

  async searchRegisteredModels(options: RegistrySearchOptions = {}): Promise<Page<RegisteredModel>> {
    const res = await this.get('registered-models/search', searchQuery(options), 'search registered models', envelopes.registeredModelsPage)
    return {items: res.registered_models, nextPageToken: res.next_page_token || undefined}
  }

  async searchAllRegisteredModels(options: Omit<RegistrySearchOptions, 'pageToken'> = {}): Promise<RegisteredModel[]> {
    return collectPages((pageToken) => this.searchRegisteredModels({...options, pageToken}))
  }

  /**
   * Registers `source` as a new version of `name`. For a model logged as run artifacts, `source` is
   * `<run artifact_uri>/<path>` (e.g. mlflow-artifacts:/1/<run>/artifacts/model) or `runs:/<run>/model`,
   * and `runId` must be that run: the server checks the source lies inside it.
   */
  async createModelVersion(
    name: string,
    source: string,
    runId?: string,
    options: {description?: string; tags?: KeyValues; runLink?: string; modelId?: string} = {},
  ): Promise<ModelVersion> {
    const body = {
      name,
      source,
      run_id: runId,
      model_id: options.modelId,
      description: options.description,
      run_link: options.runLink,
      tags: toKeyValues(options.tags),
    }
    const res = await this.post('model-versions/create', body, `create a version of model "${name}"`, envelopes.modelVersion)
    return res.model_version
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const query = {name, version: String(version)}
    const res = await this.get('model-versions/get', query, `get version ${version} of model "${name}"`, envelopes.modelVersion)
    return res.model_version
  }

  async searchModelVersions(options: RegistrySearchOptions = {}): Promise<Page<ModelVersion>> {
    const res = await this.get('model-versions/search', searchQuery(options), 'search model versions', envelopes.modelVersionsPage)
    return {items: res.model_versions, nextPageToken: res.next_page_token || undefined}
  }

  async searchAllModelVersions(options: Omit<RegistrySearchOptions, 'pageToken'> = {}): Promise<ModelVersion[]> {
    return collectPages((pageToken) => this.searchModelVersions({...options, pageToken}))
  }

  async updateModelVersion(name: string, version: string | number, description: string): Promise<ModelVersion> {
    const body = {name, version: String(version), description}
    const res = await this.patch('model-versions/update', body, `update version ${version} of model "${name}"`, envelopes.modelVersion)
    return res.model_version
  }

  async setModelVersionTag(name: string, version: string | number, key: string, value: string): Promise<void> {
    const body = {name, version: String(version), key, value}
    await this.post('model-versions/set-tag', body, `tag version ${version} of model "${name}"`, envelopes.empty)
  }

  /** Points `alias` (e.g. "champion") at a version, moving it if it pointed elsewhere. */
  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    const body = {name, alias, version: String(version)}
    await this.post('registered-models/alias', body, `set alias "${alias}" of model "${name}"`, envelopes.empty)
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.delete('registered-models/alias', {name, alias}, `delete alias "${alias}" of model "${name}"`, envelopes.empty)
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const action = `get alias "${alias}" of model "${name}"`
    const res = await this.get('registered-models/alias', {name, alias}, action, envelopes.modelVersion)
    return res.model_version
  }

  /**
   * The version an alias points at, or undefined when the alias is not set. MLflow answers a
   * missing alias with INVALID_PARAMETER_VALUE ("Registered model alias X not found"), not 404.
   */
  async findModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      return await this.getModelVersionByAlias(name, alias)
    } catch (error) {
      if (isMlflowErrorCode(error, 'INVALID_PARAMETER_VALUE') && /alias .* not found/i.test((error as Error).message)) return undefined
      throw error
    }
  }

  /** Stage transitions, for servers older than aliases (deprecated in MLflow 2.9+, still served by 3.x). */
  async transitionStage(name: string, version: string | number, stage: ModelStage, archiveExistingVersions = false): Promise<ModelVersion> {
    const body = {name, version: String(version), stage, archive_existing_versions: archiveExistingVersions}
    const action = `move version ${version} of model "${name}" to ${stage}`
    const res = await this.post('model-versions/transition-stage', body, action, envelopes.modelVersion)
    return res.model_version
  }
}

function searchQuery(options: RegistrySearchOptions) {
  return {
    filter: options.filter,
    max_results: options.maxResults,
    order_by: options.orderBy,
    page_token: options.pageToken,
  }
}
