import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Repository root (this file lives in test/core/ingest). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
/** Shared, read-only datasets next to the repository. */
export const datasetsDir = path.resolve(repoRoot, '../shared/datasets')
export const loghubDir = path.join(datasetsDir, 'loghub-2k')
export const hdfsDir = path.join(datasetsDir, 'hdfs')
export const hasLoghub = existsSync(loghubDir)
export const hasHdfs = existsSync(path.join(hdfsDir, 'HDFS_head2k.log'))

export const LOGHUB_SYSTEMS = [
  'Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'Linux',
  'Mac', 'OpenSSH', 'OpenStack', 'Proxifier', 'Spark', 'Thunderbird', 'Windows', 'Zookeeper',
] as const

export function skipNote(what: string): string {
  return `${what} skipped: ${datasetsDir} is absent (see /work/shared/datasets/README.md)`
}
