import {type ChildProcess, spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const datasets = path.resolve(repoRoot, '../shared/datasets')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Variables of the user's shell that would change what the CLI does; tests set what they need. */
const CLEARED = ['COLUMNS', 'FORCE_COLOR', 'DEBUG', 'MLFLOW_TRACKING_URI', 'MLFLOW_EXPERIMENT_NAME', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'FLARE_PROVIDER', 'FLARE_MODEL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'FLARE_OPENAI_API_KEY', 'FLARE_OPENAI_BASE_URL', 'FLARE_API_TOKEN']

/**
 * Runs the built CLI (vitest's global setup builds it) as a user would, colour off unless asked.
 * Retries of a failing MLflow server or LLM endpoint wait 1 ms instead of the real back-off.
 * `onSpawn` gets the child (to signal it); a run that exits without handling a signal reports -1.
 */
export function runCli(args: string[], options: {input?: string | Buffer; env?: Record<string, string | undefined>; cwd?: string; killAfterMs?: number; onSpawn?: (child: ChildProcess) => void} = {}): Promise<CliResult & {elapsedMs: number; killed: boolean}> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let killed = false
    const env: Record<string, string | undefined> = {...process.env, ...Object.fromEntries(CLEARED.map((k) => [k, undefined])), NO_COLOR: '1', FLARE_MLFLOW_RETRY_DELAY_MS: '1', FLARE_LLM_RETRY_DELAY_MS: '1', ...options.env}
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], {cwd: options.cwd ?? repoRoot, env: env as NodeJS.ProcessEnv})
    options.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    // A run that outlives its bound is killed, so a hang fails the test instead of stalling it.
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, options.killAfterMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr, elapsedMs: performance.now() - started, killed})
    })
    // A run that exits before reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}
