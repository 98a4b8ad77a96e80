// Where things live, shared by every bench script.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Read-only public datasets (see /work/shared/datasets/README.md). */
export const DATASETS = process.env.FLARE_DATASETS ?? path.resolve(ROOT, '../shared/datasets')
/** Generated files (scaled logs, matrices, results) — gitignored. */
export const BENCH_OUT = path.join(ROOT, '.bench')
export const CLI = path.join(ROOT, 'bin/run.js')

export function benchOut(...parts) {
  fs.mkdirSync(BENCH_OUT, {recursive: true})
  return path.join(BENCH_OUT, ...parts)
}

export function datasetsPresent() {
  return fs.existsSync(path.join(DATASETS, 'hdfs/HDFS_2percent.log'))
}

/** Fail early, with the fix, when dist/ is missing (the npm scripts build first). */
export function requireBuild() {
  if (!fs.existsSync(path.join(ROOT, 'dist/core/pipeline.js'))) {
    console.error('dist/ is missing: run `npm run build` first (npm run bench:detect does it for you)')
    process.exit(2)
  }
}
