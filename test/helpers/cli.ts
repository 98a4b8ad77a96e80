import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const datasets = path.resolve(repoRoot, '../shared/datasets')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI (`npm test` builds first) as a user would, colour off unless asked. */
export function runCli(args: string[], options: {input?: string | Buffer; env?: Record<string, string | undefined>; cwd?: string} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, MLFLOW_TRACKING_URI: undefined, ANTHROPIC_API_KEY: undefined, ...options.env}
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], {cwd: options.cwd ?? repoRoot, env: env as NodeJS.ProcessEnv})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
    child.stdin.end(options.input ?? '')
  })
}
