import * as z from '../core/zod.js'

// Shapes of the MLflow REST answers Flare reads. MLflow's JSON omits empty fields and proto3
// defaults, so most fields are optional; int64 fields arrive as numbers, or as strings from some
// servers and proxies, and doubles as the strings "NaN"/"Infinity" when not finite.

const int64 = z.union([z.number(), z.string()]).transform(Number)
const double = z.union([z.number(), z.string()]).transform(Number)

export const keyValueSchema = z.object({key: z.string(), value: z.string().default('')})
export type KeyValue = z.infer<typeof keyValueSchema>

export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
  creation_time: int64.optional(),
  last_update_time: int64.optional(),
  tags: z.array(keyValueSchema).default([]),
})
export type Experiment = z.infer<typeof experimentSchema>

export const runStatusSchema = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'])
export type RunStatus = z.infer<typeof runStatusSchema>

export const runInfoSchema = z.object({
  run_id: z.string(),
  run_name: z.string().optional(),
  experiment_id: z.string(),
  user_id: z.string().optional(),
  status: runStatusSchema.optional(),
  start_time: int64.optional(),
  end_time: int64.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: z.string().optional(),
})
export type RunInfo = z.infer<typeof runInfoSchema>

export const metricSchema = z.object({
  key: z.string(),
  value: double,
  timestamp: int64.default(0),
  step: int64.default(0),
})
export type Metric = z.infer<typeof metricSchema>

export const datasetSchema = z.object({
  name: z.string(),
  digest: z.string(),
  source_type: z.string(),
  source: z.string(),
  schema: z.string().optional(),
  profile: z.string().optional(),
})
export type Dataset = z.infer<typeof datasetSchema>

export const datasetInputSchema = z.object({
  tags: z.array(keyValueSchema).default([]),
  dataset: datasetSchema,
})
export type DatasetInput = z.infer<typeof datasetInputSchema>

export const runSchema = z.object({
  info: runInfoSchema,
  data: z
    .object({
      metrics: z.array(metricSchema).default([]),
      params: z.array(keyValueSchema).default([]),
      tags: z.array(keyValueSchema).default([]),
    })
    .default({metrics: [], params: [], tags: []}),
  inputs: z.object({dataset_inputs: z.array(datasetInputSchema).default([])}).default({dataset_inputs: []}),
})
export type Run = z.infer<typeof runSchema>

export const fileInfoSchema = z.object({
  path: z.string(),
  is_dir: z.boolean().default(false),
  file_size: int64.optional(),
})
export type FileInfo = z.infer<typeof fileInfoSchema>

export const modelVersionSchema = z.object({
  name: z.string(),
  version: z.string(),
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  current_stage: z.string().optional(),
  description: z.string().optional(),
  source: z.string().optional(),
  run_id: z.string().optional(),
  run_link: z.string().optional(),
  /** MLflow 3: the LoggedModel this version was registered from. */
  model_id: z.string().optional(),
  user_id: z.string().optional(),
  status: z.string().optional(),
  status_message: z.string().optional(),
  tags: z.array(keyValueSchema).default([]),
  aliases: z.array(z.string()).default([]),
})
export type ModelVersion = z.infer<typeof modelVersionSchema>

export const registeredModelSchema = z.object({
  name: z.string(),
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  description: z.string().optional(),
  latest_versions: z.array(modelVersionSchema).default([]),
  tags: z.array(keyValueSchema).default([]),
  aliases: z.array(z.object({alias: z.string(), version: z.string()})).default([]),
})
export type RegisteredModel = z.infer<typeof registeredModelSchema>

/** Response envelopes, one per endpoint family. */
export const envelopes = {
  experiment: z.object({experiment: experimentSchema}),
  experimentId: z.object({experiment_id: z.string()}),
  run: z.object({run: runSchema}),
  runInfo: z.object({run_info: runInfoSchema}),
  runsPage: z.object({runs: z.array(runSchema).default([]), next_page_token: z.string().optional()}),
  metricsPage: z.object({metrics: z.array(metricSchema).default([]), next_page_token: z.string().optional()}),
  files: z.object({files: z.array(fileInfoSchema).default([])}),
  registeredModel: z.object({registered_model: registeredModelSchema}),
  registeredModelsPage: z.object({
    registered_models: z.array(registeredModelSchema).default([]),
    next_page_token: z.string().optional(),
  }),
  modelVersion: z.object({model_version: modelVersionSchema}),
  modelVersionsPage: z.object({
    model_versions: z.array(modelVersionSchema).default([]),
    next_page_token: z.string().optional(),
  }),
  empty: z.object({}),
}

/** One page of a search; pass `nextPageToken` back as `pageToken` for the next one. */
export interface Page<T> {
  items: T[]
  nextPageToken?: string
}
