import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {createServer, type IncomingMessage} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {repoRoot, runCli} from '../helpers/cli.js'

// Ctrl-C during a replay and what a replay shows: as `collect` does (README, live detection).
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-replay-stop-'))
  const fit = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code).toBe(0)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

const readEvents = async (file: string): Promise<Array<{kind: string; reason?: string; incident: {id: string}}>> =>
  existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l)) : []

describe('flare replay, stopped', () => {
  it('on SIGINT closes the open incidents (resolved: stopped) in the sinks, prints a partial summary and exits 0', async () => {
    const events = join(dir, 'stopped.jsonl')
    let child!: import('node:child_process').ChildProcess
    const run = runCli(['replay', '-i', 'data/hdfs_sample.log', '--rate', '600/s', '--model', join(dir, 'model'), '--sink', `jsonl:${events}`], {killAfterMs: 60_000, onSpawn: (c) => (child = c)})
    // Stopped once incidents are open (polling the sink file), well before the log's end.
    const deadline = Date.now() + 40_000
    while (!(await readEvents(events)).some((e) => e.kind === 'opened') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    const signalled = Date.now()
    child.kill('SIGINT')
    const r = await run
    expect(r.killed).toBe(false)
    expect(r.code, r.stderr).toBe(0)
    expect(Date.now() - signalled).toBeLessThan(8000)
    expect(r.stderr).toContain('stopping: scoring open sessions, closing open incidents (SIGINT again to quit at once)')
    const m = /interrupted at line ([\d,]+) \(log time 2008-11-\d\dT[\d:.]+Z\)/.exec(r.stdout)
    expect(m, r.stdout).not.toBeNull()
    const at = Number(m![1].replaceAll(',', ''))
    expect(at).toBeGreaterThan(0)
    expect(at).toBeLessThan(6625)
    const written = await readEvents(events)
    const opened = written.filter((e) => e.kind === 'opened').map((e) => e.incident.id)
    const resolved = written.filter((e) => e.kind === 'resolved')
    expect(opened.length).toBeGreaterThan(0)
    // Every incident the sink saw open, it saw closed; those still open at the stop say so.
    expect(resolved.map((e) => e.incident.id).sort()).toEqual([...opened].sort())
    expect(resolved.some((e) => e.reason === 'stopped')).toBe(true)
    for (const e of resolved) expect(['stopped', 'quiet']).toContain(e.reason)
    // Piped stdout: the events are shown on stderr, `closed` ones included.
    expect(r.stderr).toMatch(/closed {3}INC-\d+ .*Flare stopped watching/)
  }, 90_000)

  it('--json after SIGINT: one summary document that says where it was interrupted', async () => {
    let child!: import('node:child_process').ChildProcess
    const events = join(dir, 'json.jsonl')
    const run = runCli(['replay', '-i', 'data/hdfs_sample.log', '--rate', '2000/s', '--model', join(dir, 'model'), '--sink', `jsonl:${events}`, '--json'], {killAfterMs: 60_000, onSpawn: (c) => (child = c)})
    const deadline = Date.now() + 40_000
    while ((await readEvents(events)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    child.kill('SIGINT')
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.summary.interrupted.at_line).toBe(doc.summary.lines)
    expect(doc.summary.lines).toBeLessThan(6625)
    const written = await readEvents(events)
    expect(written.filter((e) => e.kind === 'resolved').map((e) => e.incident.id).sort()).toEqual(written.filter((e) => e.kind === 'opened').map((e) => e.incident.id).sort())
    expect((doc.incidents as Array<{id: string}>).map((i) => i.id).sort()).toEqual(written.filter((e) => e.kind === 'opened').map((e) => e.incident.id).sort())
  }, 90_000)

  it('with a webhook that never answers, one SIGINT still ends the replay within the sinks\' close bound (exit 0, summary printed)', async () => {
    const held: IncomingMessage[] = []
    const server = createServer((req) => void held.push(req))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      let child!: import('node:child_process').ChildProcess
      const run = runCli(['replay', '-i', 'data/hdfs_sample.log', '--rate', '2000/s', '--model', join(dir, 'model'), '--sink', `webhook:${url}`], {killAfterMs: 60_000, onSpawn: (c) => (child = c)})
      const deadline = Date.now() + 40_000
      while (held.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      const signalled = Date.now()
      child.kill('SIGINT')
      const r = await run
      expect(r.code, r.stderr).toBe(0)
      // collect's bound: SINK_CLOSE_TIMEOUT_MS (6 s), plus start-up slack on a busy machine.
      expect(Date.now() - signalled).toBeLessThan(9000)
      expect(r.stdout).toMatch(/interrupted at line [\d,]+/)
    } finally {
      for (const req of held) req.socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }, 90_000)

  it('a second SIGINT quits at once (130), saying what that left undone, while a webhook that never answers holds the clean stop', async () => {
    // A 127.0.0.1 receiver that takes every request and never answers: closing the sink waits for it.
    const held: IncomingMessage[] = []
    const server = createServer((req) => void held.push(req))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      let child!: import('node:child_process').ChildProcess
      let stderr = ''
      const run = runCli(['replay', '-i', 'data/hdfs_sample.log', '--rate', '2000/s', '--model', join(dir, 'model'), '--sink', `webhook:${url}`], {killAfterMs: 60_000, onSpawn: (c) => {
        child = c
        c.stderr!.on('data', (d) => (stderr += d))
      }})
      const deadline = Date.now() + 40_000
      while (held.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      expect(held.length).toBeGreaterThan(0)
      child.kill('SIGINT')
      while (!stderr.includes('stopping:') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      const signalled = Date.now()
      child.kill('SIGINT')
      const r = await run
      expect(r.code, r.stderr).toBe(130)
      expect(Date.now() - signalled).toBeLessThan(2000)
      expect(r.stderr).toContain('quit at once: open sessions were not scored, open incidents not closed in the sinks')
    } finally {
      for (const req of held) req.socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }, 90_000)
})

describe('flare replay, on a terminal', () => {
  it('shows resolved events as collect does (stdout on a terminal, stderr when piped)', async () => {
    const events = join(dir, 'all.jsonl')
    const args = ['bin/run.js', 'replay', '-i', 'data/hdfs_sample.log', '--model', join(dir, 'model'), '--sink', `jsonl:${events}`]
    // A real pseudo-terminal: script(1) runs the CLI on one.
    const tty = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qc', [process.execPath, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'inherit']})
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('close', () => resolve(out))
    })
    const written = await readEvents(events)
    const resolved = written.filter((e) => e.kind === 'resolved')
    expect(resolved.length).toBeGreaterThan(0)
    expect(tty.match(/ resolved INC-\d+/g)?.length).toBe(resolved.length)
    expect(tty.match(/ opened {3}INC-\d+/g)?.length).toBe(written.filter((e) => e.kind === 'opened').length)
    const piped = await runCli(args.slice(1))
    expect(piped.code).toBe(0)
    expect(piped.stderr.match(/ resolved INC-\d+/g)?.length).toBe(resolved.length)
  }, 90_000)
})
