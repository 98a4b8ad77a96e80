import * as z from '../core/zod.js'
import {type KeyValues, toKeyValues} from './batch.js'
import {MlflowRegistry} from './registry-api.js'
import {keyValueSchema} from './types.js'

/** An MLflow 3 LoggedModel: a model as a first-class entity, linked to the run that produced it. */
export const loggedModelSchema = z.object({
  info: z.object({
    model_id: z.string(),
    experiment_id: z.string(),
    name: z.string().optional(),
    artifact_uri: z.string().optional(),
    status: z.string().optional(),
    source_run_id: z.string().optional(),
    model_type: z.string().optional(),
    creator_id: z.union([z.string(), z.number()]).optional(),
    tags: z.array(keyValueSchema).default([]),
  }),
  data: z.object({params: z.array(keyValueSchema).default([])}).partial().optional(),
})
export type LoggedModel = z.infer<typeof loggedModelSchema>

const envelope = z.object({model: loggedModelSchema})
const page = z.object({models: z.array(loggedModelSchema).default([]), next_page_token: z.string().optional()})
const empty = z.object({}).passthrough()

/** MLflow 3's logged-models endpoints (the UI's Models tab and `mlflow.search_logged_models`). */
export abstract class MlflowLoggedModels extends MlflowRegistry {
  async createLoggedModel(options: {experimentId: string; name: string; modelType?: string; sourceRunId?: string; params?: KeyValues; tags?: KeyValues}): Promise<LoggedModel> {
    const body = {
      experiment_id: options.experimentId,
      name: options.name,
      model_type: options.modelType,
      source_run_id: options.sourceRunId,
      params: toKeyValues(options.params),
      tags: toKeyValues(options.tags),
    }
    return (await this.post('logged-models', body, `create logged model "${options.name}"`, envelope)).model
  }

  /** READY once its artifacts are uploaded; UPLOAD_FAILED when they could not be. */
  async finalizeLoggedModel(modelId: string, status: 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'): Promise<LoggedModel> {
    return (await this.patch(`logged-models/${encodeURIComponent(modelId)}`, {model_id: modelId, status}, `finalize logged model ${modelId}`, envelope)).model
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return (await this.get(`logged-models/${encodeURIComponent(modelId)}`, {}, `get logged model ${modelId}`, envelope)).model
  }

  async searchLoggedModels(options: {experimentIds: string[]; filter?: string; maxResults?: number}): Promise<LoggedModel[]> {
    const body = {experiment_ids: options.experimentIds, filter: options.filter, max_results: options.maxResults ?? 100}
    return (await this.post('logged-models/search', body, 'search logged models', page)).models
  }

  /** Lists the model among the run's outputs, so the run page links to it. */
  async logRunOutputs(runId: string, modelIds: string[]): Promise<void> {
    await this.post('runs/outputs', {run_id: runId, models: modelIds.map((model_id) => ({model_id, step: 0}))}, 'link the run to its model', empty)
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.post('experiments/set-experiment-tag', {experiment_id: experimentId, key, value}, `tag experiment ${experimentId}`, empty)
  }
}
