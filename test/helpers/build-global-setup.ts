import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Newest modification time under `dir` (files only). */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs)
  }
  return latest
}

/**
 * Vitest globalSetup: the end-to-end tests start the built CLI (bin/run.js → dist/), so the run
 * builds it here, once, before any test file starts — unless dist is already newer than every
 * source (oclif.manifest.json is the build's last output). No test file ever builds.
 */
export default function setup(): void {
  const stamp = path.join(root, 'oclif.manifest.json')
  const inputs = Math.max(newest(path.join(root, 'src')), ...['tsconfig.json', 'package.json', 'bin/bundle-zod.js', 'bin/manifest.js'].map((f) => statSync(path.join(root, f)).mtimeMs))
  if (existsSync(path.join(root, 'dist/commands')) && existsSync(stamp) && statSync(stamp).mtimeMs >= inputs) return
  for (const args of [['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], ['bin/bundle-zod.js'], ['bin/manifest.js']]) {
    const run = spawnSync(process.execPath, args, {cwd: root, encoding: 'utf8'})
    if (run.status !== 0) throw new Error(`building the CLI failed (${args.join(' ')}):\n${run.stdout}${run.stderr}`)
  }
}
