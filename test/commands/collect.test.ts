import {spawn} from 'node:child_process'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path, {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeLlmServer} from '../helpers/fake-llm-servers.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-collect-'))
  const fit = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code).toBe(0)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('flare collect', () => {
  it('on SIGTERM keeps the open sessions and the incidents still open in the state (a stop scores and resolves nothing early) and exits 0 within seconds; the next start goes on with them and detects what one run does', async () => {
    const state = join(dir, 'state.json')
    const events = join(dir, 'events.jsonl')
    const log = (await readFile('data/hdfs_sample.log', 'utf8')).trim().split('\n')
    const cut = 3300
    // --idle 5m: blocks close all along the log, so incidents are open at the stop, and so are blocks cut by it.
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'collect', '-', '--model', join(dir, 'model'), '--idle', '5m', '--state', state, '--sink', `jsonl:${events}`, '--json'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    // stdin stays open, as with `tail -F | flare collect`: only the signal ends the run.
    child.stdin.on('error', () => {})
    child.stdin.write(log.slice(0, cut).join('\n') + '\n')
    // The signal handlers are in place once it says what it collects from (start-up is slow on a busy machine).
    const deadline = Date.now() + 30_000
    while (!stderr.includes('collecting from') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const signalled = Date.now()
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const took = Date.now() - signalled
    expect(code, stderr).toBe(0)
    expect(took).toBeLessThan(5000)
    expect(stderr).toContain(`stopped: ${cut.toLocaleString('en-US')} lines`)
    const printed = stdout.trim().split('\n').map((l) => JSON.parse(l))
    const opened = printed.filter((e) => e.kind === 'opened').map((e) => e.incident.id as string)
    expect(opened.length).toBeGreaterThan(0)
    // A stop is not a resolution: with --state what is open stays open, kept in the file.
    const quiet = printed.filter((e) => e.kind === 'resolved')
    for (const e of quiet) expect(e.reason).toBe('quiet')
    const kept = opened.filter((id) => !quiet.some((e) => e.incident.id === id))
    expect(kept.length).toBeGreaterThan(0)
    const written = (await readFile(events, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    expect(written).toEqual(printed)
    const saved = JSON.parse(await readFile(state, 'utf8'))
    expect(saved.kind).toBe('flare-live-state')
    expect(saved.next_incident).toBe(opened.length + 1)
    expect(saved.open_incidents.map((o: {incident: {id: string}}) => o.incident.id).sort()).toEqual([...kept].sort())
    expect(stderr).toContain(`${kept.length} open incident${kept.length === 1 ? '' : 's'} (${kept.join(', ')}) kept in ${state}`)
    // Nor is a stop the end of a session: the blocks open at the stop are kept, not scored half.
    const sessions = saved.open_sessions.sessions.length as number
    expect(sessions).toBeGreaterThan(0)
    expect(stderr).toContain(`${sessions} open sessions kept in ${state}`)

    // The next start goes on with them: the rest of the log joins the blocks it began, and what is
    // raised over both runs is what one run over the whole log raises.
    const again = await runCli(['collect', '-', '--model', join(dir, 'model'), '--idle', '5m', '--state', state, '--json'], {input: log.slice(cut).join('\n') + '\n'})
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain(`${kept.length} incident${kept.length === 1 ? '' : 's'} open at the last stop go`)
    expect(again.stderr).toContain(`${sessions} sessions open at the last stop go on`)
    expect(again.stderr).toContain(`, ${kept.length} resumed from --state)`)
    const next = again.stdout.trim().split('\n').map((l) => JSON.parse(l))
    for (const id of kept) expect(next.some((e) => e.kind === 'resolved' && e.incident.id === id)).toBe(true)
    for (const e of next.filter((x) => x.kind === 'opened')) expect(Number(e.incident.id.slice(4))).toBeGreaterThan(opened.length)
    const after = JSON.parse(await readFile(state, 'utf8'))
    expect(after.open_incidents).toBeUndefined()
    expect(after.open_sessions).toBeUndefined()
    const once = await runCli(['collect', '-', '--model', join(dir, 'model'), '--idle', '5m', '--json'], {input: log.join('\n') + '\n'})
    expect(once.code, once.stderr).toBe(0)
    const shape = (e: {kind: string; reason?: string; incident: {id: string; sessions: number; score: number; title: string}}): string => `${e.kind} ${e.incident.id} ${e.reason ?? ''} ${e.incident.sessions} ${e.incident.score} ${e.incident.title}`
    // Each incident's events, in their order (how events of different incidents interleave follows
    // the wall clock too: when quiet time moves event time on, which differs from run to run).
    const byIncident = (list: Array<Parameters<typeof shape>[0]>): Record<string, string[]> => {
      const out: Record<string, string[]> = {}
      for (const e of list) (out[e.incident.id] ??= []).push(shape(e))
      return out
    }
    expect(byIncident([...printed, ...next])).toEqual(byIncident(once.stdout.trim().split('\n').map((l) => JSON.parse(l))))
    const scored = (text: string): number => Number(/stopped: [\d,]+ lines · \d+ open \/ ([\d,]+) closed sessions/.exec(text)![1].replace(/,/g, ''))
    expect(scored(stderr) + scored(again.stderr)).toBe(scored(once.stderr))
  })

  it('at the end of stdin a webhook retries what is in flight, and the final line counts what it could not deliver', async () => {
    // 503 to each body's first POST; `resolved` events are refused every time
    const tries = new Map<string, number>()
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {kind: string; incident: {id: string}}
        const key = `${body.incident.id}:${body.kind}`
        tries.set(key, (tries.get(key) ?? 0) + 1)
        res.writeHead(body.kind === 'resolved' || tries.get(key) === 1 ? 503 : 200).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const started = Date.now()
      const r = await runCli(['collect', '-', '--model', join(dir, 'model'), '--sink', `webhook:http://127.0.0.1:${port}/h`], {input: await readFile('data/hdfs_sample.log'), env: {NO_COLOR: '1'}})
      expect(r.code, r.stderr).toBe(0)
      // within the webhook's bound at close (5 s) and start-up
      expect(Date.now() - started).toBeLessThan(25_000)
      const keys = [...tries.keys()]
      const resolved = keys.filter((k) => k.endsWith(':resolved'))
      expect(resolved.length).toBeGreaterThan(0)
      // each other event retried once and delivered; the resolved ones retried too, and counted
      for (const k of keys.filter((k) => !k.endsWith(':resolved'))) expect(tries.get(k), k).toBe(2)
      for (const k of resolved) expect(tries.get(k), k).toBeGreaterThan(1)
      const stopped = r.stderr.split('\n').find((l) => l.includes('stopped:'))
      expect(stopped, r.stderr).toContain(`webhook:http://127.0.0.1:${port}/…: ${resolved.length} events not delivered`)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }, 60_000)

  it('ends at the end of stdin when stdin is the only source', async () => {
    const r = await runCli(['collect', '--model', join(dir, 'model'), '--json'], {input: await readFile('data/hdfs_sample.log')})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').filter((l) => JSON.parse(l).kind === 'opened').length).toBeGreaterThan(0)
    // every line reached the engine (oclif must not take piped stdin as the sources argument)
    expect(r.stderr).toMatch(/stopped: 6,625 lines/)
  })

  it('keeps a configured key out of what it prints and writes, and log text cannot drive the terminal', async () => {
    const key = 'sk-ant-test-SECRETKEY1234567890'
    const events = join(dir, 'secret-events.jsonl')
    const sample = await readFile('data/hdfs_sample.log', 'utf8')
    // A block whose lines name the key and carry terminal escapes (an unseen template: reported in a note).
    const bad = ['081109 204655 556 ERROR dfs.DataNode: auth failed with key ' + key + ' for blk_-9999999999999999', '081109 204656 556 ERROR dfs.DataNode: evil \x1b]0;PWNED\x07 \x1b[2J title for blk_-9999999999999999'].join('\n')
    const r = await runCli(['collect', '--model', join(dir, 'model'), '--json', '--sink', `jsonl:${events}`], {input: `${sample}${bad}\n`, env: {ANTHROPIC_API_KEY: key}})
    expect(r.code, r.stderr).toBe(0)
    const written = await readFile(events, 'utf8')
    // the key's line made it into an incident (as a sample line or a template), redacted
    expect(`${r.stdout}${written}`).toContain('<redacted>')
    for (const text of [r.stdout, r.stderr, written]) expect(text).not.toContain(key)
    expect(r.stderr).toContain('unseen in training')
    expect(r.stderr).not.toMatch(/\x1b\]|\x07/)
  })

  it('a SIGTERM does not wait for an LLM that never answers: the explanation in flight is dropped, every incident is written', async () => {
    const llm = await startFakeLlmServer('openai', () => ({hang: true}))
    const events = join(dir, 'hung-events.jsonl')
    try {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'collect', '-', '--model', join(dir, 'model'), '--summarize', '--llm-base-url', llm.openaiBaseURL, '--llm-model', 'slow', '--llm-timeout', '120', '--sink', `jsonl:${events}`, '--json'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      child.stdout.on('data', () => {})
      child.stdin.on('error', () => {})
      child.stdin.write(await readFile('data/hdfs_sample.log'))
      // Sessions close on the way (idle on event time): an incident opens and its explanation hangs.
      const deadline = Date.now() + 30_000
      while (llm.requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
      expect(llm.requests.length, stderr).toBeGreaterThan(0)
      const signalled = Date.now()
      child.kill('SIGTERM')
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      expect(code, stderr).toBe(0)
      expect(Date.now() - signalled).toBeLessThan(5000)
      const written = (await readFile(events, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
      const opened = written.filter((e) => e.kind === 'opened').length
      expect(opened).toBeGreaterThan(1)
      // No --state to keep them: the stop resolves those still open, saying it was a stop (others went quiet before).
      const resolved = written.filter((e) => e.kind === 'resolved')
      expect(resolved.length).toBe(opened)
      for (const e of resolved) expect(['quiet', 'stopped']).toContain(e.reason)
    } finally {
      await llm.close()
    }
  })

  it('a --state written with another model: one warning line, and its templates are not restored', async () => {
    const state = join(dir, 'other-model-state.json')
    const hdfs = await runCli(['collect', '--model', join(dir, 'model'), '--state', state], {input: await readFile('data/hdfs_sample.log')})
    expect(hdfs.code, hdfs.stderr).toBe(0)
    const fit = await runCli(['detect', '-i', 'data/service_sample.jsonl', '--save-model', join(dir, 'service-model'), '--no-track'])
    expect(fit.code, fit.stderr).toBe(0)
    const before = await readFile(state, 'utf8')
    const r = await runCli(['collect', '--model', join(dir, 'service-model'), '--state', state], {input: await readFile('data/service_sample.jsonl')})
    expect(r.code, r.stderr).toBe(0)
    // The HDFS model's state is kept beside before this run's replaces it (a wrong --model costs no template ids).
    const kept = /state \S+: kept as (\S+\.bak) \(written with another model\)/.exec(r.stderr)
    expect(kept, r.stderr).not.toBeNull()
    expect(kept![1].slice(0, state.length + 1)).toBe(`${state}.`)
    expect(kept![1].slice(state.length)).toMatch(/^\.[0-9a-f]{8}\.bak$/)
    expect(await readFile(kept![1], 'utf8')).toBe(before)
    expect(await readFile(state, 'utf8')).not.toBe(before)
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^warning: the --state file was written with another model \(sha256:[0-9a-f]{16}; this one is sha256:[0-9a-f]{16}\): its templates are ignored, starting from the model's$/)
    expect(r.stderr).not.toMatch(/templates restored/)
    expect(r.stderr).not.toMatch(/unseen in training/)
    // Saved again, the state now names the service model: a second run restores it quietly.
    const again = await runCli(['collect', '--model', join(dir, 'service-model'), '--state', state], {input: await readFile('data/service_sample.jsonl')})
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toMatch(/^warning:/m)
    expect(again.stderr).toMatch(/templates restored/)
  })

  it('status lines keep their own colours (not written out as text), and an opened incident shows no delay that is only a replayed log\'s age', async () => {
    const r = await runCli(['collect', '--model', join(dir, 'model')], {input: await readFile('data/hdfs_sample.log'), env: {FORCE_COLOR: '1'}})
    expect(r.code, r.stderr).toBe(0)
    const stopped = r.stderr.split('\n').find((l) => l.includes('stopped: '))
    expect(stopped, r.stderr).toBeDefined()
    expect(stopped).toContain('\x1b[2m')
    expect(r.stderr).not.toContain('\\x1b')
    expect(r.stderr).toMatch(/opened/)
    // the sample's lines are from 2008: "+570096061s after first line" said nothing
    expect(r.stderr + r.stdout).not.toMatch(/after (its )?first line/)
  })

  it('refuses a directory as a source (exit 2, with the glob to use) instead of following nothing forever', async () => {
    const r = await runCli(['collect', dir, '--model', join(dir, 'model')], {killAfterMs: 20_000})
    expect(r.killed).toBe(false)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('it is a directory')
    expect(r.stderr).toContain(`${dir}/*.log`)
  })
})

