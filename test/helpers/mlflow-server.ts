import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {stopGroup} from './process-group.js'

const here = path.dirname(fileURLToPath(import.meta.url))

/** The mlflow CLI to test against: $FLARE_MLFLOW_BIN, else the repo's .venv; undefined if neither exists. */
export function mlflowBinary(env: Record<string, string | undefined> = process.env): string | undefined {
  const candidate = env.FLARE_MLFLOW_BIN || path.resolve(here, '../../.venv/bin/mlflow')
  return existsSync(candidate) ? candidate : undefined
}

export const mlflowMissingMessage =
  'MLflow tracking tests skipped: no mlflow binary (set FLARE_MLFLOW_BIN, or create .venv with `pip install mlflow`).'

export interface MlflowServer {
  uri: string
  port: number
  /** Holds mlflow.db and artifacts/; removed by stop(). */
  dir: string
  /** Everything the server printed. */
  logFile: string
  /** Resolves once /health answers; rejects with the server's output if it never does. */
  ready: Promise<void>
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts `mlflow server` on a free loopback port with a throwaway sqlite store and artifact
 * directory. `ready` resolves once /health answers (10-30 s on a cold start). The server runs in
 * its own process group, so stop() ends it and every worker it forked. Output goes to `logFile`.
 */
export async function launchMlflowServer(options: {bin?: string; startTimeoutMs?: number} = {}): Promise<MlflowServer> {
  const bin = options.bin ?? mlflowBinary()
  if (!bin) throw new Error(mlflowMissingMessage)
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-mlflow-'))
  const logFile = path.join(dir, 'server.log')
  const port = await freePort()
  const args = [
    'server',
    '--host', '127.0.0.1',
    '--port', String(port),
    '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`,
    '--artifacts-destination', path.join(dir, 'artifacts'),
    '--workers', '1',
  ]
  const log = openSync(logFile, 'a')
  const child = spawn(bin, args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', log, log],
    // The job runner forks several background consumers that these tests never use.
    env: {...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', MLFLOW_TRACKING_URI: undefined},
  })
  closeSync(log)
  child.unref()
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  const uri = `http://127.0.0.1:${port}`
  const timeoutMs = options.startTimeoutMs ?? 120_000
  const ready = waitForMlflow(uri, {timeoutMs, logFile, hasExited: () => exited !== undefined})
  ready.catch(() => {}) // observed by whoever awaits it; never an unhandled rejection
  return {uri, port, dir, logFile, ready, stop: () => stopProcessGroup(child, dir)}
}

/** launchMlflowServer, then wait until it is healthy (stopping it if it never gets there). */
export async function startMlflowServer(options: {bin?: string; startTimeoutMs?: number} = {}): Promise<MlflowServer> {
  const server = await launchMlflowServer(options)
  try {
    await server.ready
  } catch (error) {
    await server.stop()
    throw error
  }
  return server
}

/** Polls /health until it answers 200; the error carries the server's last output. */
export async function waitForMlflow(
  uri: string,
  options: {timeoutMs?: number; logFile?: string; hasExited?: () => boolean} = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (options.hasExited?.()) throw new Error(`mlflow server exited before it was healthy:\n${tail(options.logFile)}`)
    try {
      const res = await fetch(`${uri}/health`)
      await res.arrayBuffer()
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await sleep(250)
  }
  throw new Error(`mlflow server at ${uri} not healthy within ${timeoutMs} ms:\n${tail(options.logFile)}`)
}

function tail(logFile: string | undefined): string {
  if (!logFile || !existsSync(logFile)) return '(no server log)'
  return readFileSync(logFile, 'utf8').slice(-4000)
}

async function stopProcessGroup(child: ChildProcess, dir: string): Promise<void> {
  await stopGroup(child, 10_000)
  rmSync(dir, {recursive: true, force: true})
}
