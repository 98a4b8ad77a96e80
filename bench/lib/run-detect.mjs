// `flare detect --json` on one file through the built CLI, as a user runs it: tracking and colour
// off, the wall time measured around the whole process.
import {spawnSync} from 'node:child_process'
import {CLI, ROOT} from './paths.mjs'

/** {doc, wall} on success; {error, wall} with the exit code and the output's gist otherwise. */
export function runDetect(file, extra = []) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [CLI, 'detect', '-i', file, '--json', '--no-track', ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: {...process.env, NO_COLOR: '1', MLFLOW_TRACKING_URI: ''},
  })
  const wall = performance.now() - t0
  if (r.status !== 0) return {error: `exit ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 800)}`, wall}
  return {doc: JSON.parse(r.stdout), wall}
}
