import {spawn} from 'node:child_process'
import path from 'node:path'
import {expect} from 'vitest'
import {mulberry32} from '../../src/core/detect/random.js'
import {repoRoot} from './cli.js'

/**
 * `flare collect - ARGS --json` fed `log` on stdin in seeded random chunks (most small, some up to
 * 64 KB, now and then a pause): the incidents it reported, each as its last event left it.
 */
export async function collectInChunks<Incident extends {id: string}>(log: Buffer, seed: number, args: string[]): Promise<Incident[]> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'collect', '-', ...args, '--json'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const rand = mulberry32(seed)
  for (let at = 0; at < log.length; ) {
    const chunk = log.subarray(at, at + Math.max(1, Math.floor(rand() ** 3 * 65_536)))
    at += chunk.length
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve))
    if (rand() < 0.05) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 50)))
  }
  child.stdin.end()
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(code, stderr).toBe(0)
  const last = new Map<string, Incident>()
  for (const line of stdout.trim().split('\n').filter(Boolean)) {
    const event = JSON.parse(line) as {incident: Incident}
    last.set(event.incident.id, event.incident)
  }
  return [...last.values()]
}
