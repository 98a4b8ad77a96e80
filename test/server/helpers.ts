import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {repoRoot} from '../helpers/cli.js'
// The built server (vitest's global setup builds dist): worker threads load compiled files.
import {buildServer, type ServerOptions} from '../../dist/server/app.js'

export const hdfsSample = readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8')

export interface RunningServer {
  url: string
  close: () => Promise<void>
}

/** A real server on 127.0.0.1, a free port, the offline explainer, a database in a temp folder unless given. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const env = {...process.env}
  for (const key of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'FLARE_PROVIDER', 'MLFLOW_TRACKING_URI', 'OPENAI_API_KEY', 'OPENAI_BASE_URL']) delete env[key]
  const server = await buildServer({env, ...options})
  const url = await server.app.listen({port: 0, host: '127.0.0.1'})
  return {url, close: server.close}
}

export function tempDir(): {dir: string; remove: () => void} {
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-serve-test-'))
  return {dir, remove: () => rmSync(dir, {recursive: true, force: true})}
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{status: number; body: any; headers: Headers}> {
  const response = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body: typeof body === 'string' ? body : JSON.stringify(body)})
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return {status: response.status, body: parsed, headers: response.headers}
}
