import {createHash} from 'node:crypto'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Dataset} from './types.js'

/** A content hash short enough for MLflow's 36-character digest column (16 hex chars of SHA-256). */
export function datasetDigest(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16)
}

/**
 * An MLflow dataset record for a local input file, in the shape MLflow's own clients log:
 * source_type "local" with source {"uri": "file:///..."}, schema as mlflow_colspec, profile as counts.
 */
export function localFileDataset(options: {
  filePath: string
  digest: string
  name?: string
  /** Feature columns, logged as double columns of the dataset's schema. */
  columns?: readonly string[]
  profile?: Record<string, number | string>
}): Dataset {
  const dataset: Dataset = {
    name: options.name ?? path.basename(options.filePath),
    digest: options.digest,
    source_type: 'local',
    source: JSON.stringify({uri: pathToFileURL(path.resolve(options.filePath)).href}),
  }
  if (options.columns) {
    dataset.schema = JSON.stringify({mlflow_colspec: options.columns.map((name) => ({type: 'double', name, required: true}))})
  }
  if (options.profile) dataset.profile = JSON.stringify(options.profile)
  return dataset
}
