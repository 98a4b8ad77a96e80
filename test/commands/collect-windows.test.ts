import {spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {collectInChunks} from '../helpers/chunked-collect.js'
import {repoRoot, runCli} from '../helpers/cli.js'

// Differential: live `collect` from stdin against batch `detect --model` on a generated windowed
// (per-host) log, the model fitted on a clean log of another seed. Windows close by log time and
// each is scored against the model alone, so the chunks stdin arrives in change nothing.

const WINDOW_MS = 5 * 60_000
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-collect-windows-'))
  for (const [name, args] of [
    ['clean', ['--seed', '5', '--incidents', '0', '--start', '2026-09-10']],
    ['incidents', ['--seed', '3', '--incidents', '2', '--start', '2026-09-11']],
  ] as const) {
    const made = spawnSync(process.execPath, ['data/generate-multihost.mjs', ...args, '--hours', '6', '--hosts', '4', '--out', join(dir, `${name}.log`), '--truth', join(dir, `${name}.json`)], {cwd: repoRoot, encoding: 'utf8'})
    expect(made.status, made.stderr).toBe(0)
  }
  const fit = await runCli(['detect', '-i', join(dir, 'clean.log'), '--by', 'host', '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code, fit.stderr).toBe(0)
}, 120_000)
afterAll(() => rm(dir, {recursive: true, force: true}))

interface LiveIncident {
  id: string
  firstSeen: string
  lastSeen: string
  sessions: number
  hosts: string[]
}

/** `collect - --model` fed the log in seeded random chunks (1 byte to 64 KB), a few ms apart; its incidents as last reported. */
async function collect(log: Buffer, seed: number, extra: string[]): Promise<LiveIncident[]> {
  return collectInChunks<LiveIncident>(log, seed, ['--model', join(dir, 'model'), ...extra])
}

describe('collect on a windowed log against batch detect --model', () => {
  it('flags the windows batch flags, whatever chunks stdin brings the lines in', async () => {
    const log = await readFile(join(dir, 'incidents.log'))
    const batch = await runCli(['detect', '-i', join(dir, 'incidents.log'), '--model', join(dir, 'model'), '--by', 'host', '--json', '--no-track'])
    expect(batch.code, batch.stderr).toBe(0)
    const flagged = (JSON.parse(batch.stdout).anomalies as Array<{session_id: string; is_anomaly: boolean}>).filter((a) => a.is_anomaly).map((a) => {
      const [host, start] = a.session_id.split(' ')
      return {host, start: Date.parse(start)}
    })
    // both real incidents (pool exhaustion on web-01 and db-01, the OOM kills on worker-01)
    expect(new Set(flagged.map((w) => w.host))).toEqual(new Set(['web-01', 'db-01', 'worker-01']))
    const runs: string[] = []
    for (const seed of [1, 2, 3]) {
      const live = await collect(log, seed, ['--by', 'host'])
      // every anomalous window is in one live incident: as many sessions as batch flags ...
      expect(live.reduce((n, i) => n + i.sessions, 0)).toBe(flagged.length)
      // ... each batch window inside an incident of its host, each incident starting in a batch window
      for (const w of flagged) expect(live.some((i) => i.hosts.includes(w.host) && Date.parse(i.firstSeen) < w.start + WINDOW_MS && Date.parse(i.lastSeen) >= w.start)).toBe(true)
      for (const i of live) {
        const start = Math.floor(Date.parse(i.firstSeen) / WINDOW_MS) * WINDOW_MS
        expect(flagged.some((w) => w.start === start && i.hosts.includes(w.host))).toBe(true)
      }
      runs.push(JSON.stringify(live.map((i) => [i.id, i.firstSeen, i.lastSeen, i.sessions, i.hosts])))
    }
    // the same incidents on every run
    expect(new Set(runs).size).toBe(1)
  }, 180_000)
})
