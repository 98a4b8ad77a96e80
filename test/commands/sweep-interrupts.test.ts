import type {ChildProcess} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import type {IncomingMessage} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Run} from '../../src/tracking/types.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {holdingProxy, type HoldingProxy, isModelUpload} from '../helpers/holding-proxy.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from '../tracking/mlflow-context.js'

/**
 * `flare model sweep` interrupted part way (Ctrl-C, SIGTERM) against a real MLflow server: the
 * parent run and the child being logged end as KILLED, the children already logged stay FINISHED,
 * no run is left RUNNING, the exit status is the signal's, stderr says so in one line, and no
 * temporary folder is left. The signal is sent once the server shows a finished child (polled
 * through runs/search); the grid has far more points than can be logged before it lands.
 */

const GRID_POINTS = 120
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-sweep-interrupts-'))
const grid = path.join(tmp, 'grid.json')
writeFileSync(grid, JSON.stringify({pca: {varianceRatio: Array.from({length: GRID_POINTS}, (_, i) => Number((0.5 + i * 0.004).toFixed(3)))}}))
const proxies: HoldingProxy[] = []

afterAll(async () => {
  for (const proxy of proxies) await proxy.close()
  rmSync(tmp, {recursive: true, force: true})
})

const tag = (run: Run, key: string): string | undefined => run.data.tags?.find((t) => t.key === key)?.value

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() registers a placeholder naming the fix.
describe.skipIf(!mlflowAvailable)('flare model sweep interrupted (real MLflow server)', () => {
  let server: MlflowTestServer

  beforeAll(async () => {
    server = await useMlflowServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  /** The sweep's parent run and its children (by sweep index), as the server has them now. */
  async function sweepRuns(experiment: string): Promise<{parent?: Run; children: Run[]}> {
    const exp = await server.client.getExperimentByName(experiment)
    if (!exp) return {children: []}
    const runs = await server.client.searchAllRuns({experimentIds: [exp.experiment_id]})
    const children = runs.filter((r) => tag(r, 'flare.run_kind') === 'sweep-child').sort((a, b) => Number(tag(a, 'flare.sweep_index')) - Number(tag(b, 'flare.sweep_index')))
    return {parent: runs.find((r) => tag(r, 'flare.run_kind') === 'sweep'), children}
  }

  interface Interrupted extends CliResult {
    experiment: string
    tempDir: string
    /** From the (first) signal to the exit. */
    exitMs: number
  }

  /**
   * Starts a sweep against `uri`, polls the real server until a child run is FINISHED, then calls
   * `interrupt` with the CLI's process (it sends the signal, at once or when the proxy holds a request).
   */
  async function sweepUntilAChildFinished(uri: string, interrupt: (child: ChildProcess) => void, signalled: () => number | undefined): Promise<Interrupted> {
    const experiment = uniqueName('flare-sweep-interrupted')
    const tempDir = mkdtempSync(path.join(tmp, 'tmpdir-'))
    let child: ChildProcess | undefined
    let exited = false
    const run = runCli(['model', 'sweep', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '--grid', grid, '--experiment', experiment], {
      env: {TMPDIR: tempDir, MLFLOW_TRACKING_URI: uri, FLARE_MLFLOW_TIMEOUT: '60'},
      killAfterMs: 120_000,
      onSpawn: (c) => (child = c),
    }).finally(() => (exited = true))
    const deadline = Date.now() + 90_000
    while (!exited && Date.now() < deadline && !(await sweepRuns(experiment)).children.some((r) => r.info.status === 'FINISHED')) await sleep(50)
    if (!exited) interrupt(child!)
    const r = await run
    const at = signalled()
    expect(at, `no signal was sent (the sweep ended first, or no child finished): ${r.stderr}`).toBeDefined()
    return {...r, experiment, tempDir, exitMs: performance.now() - at!}
  }

  /** Sends `signal` now; returns when it was sent. */
  function sender(signal: NodeJS.Signals): {send: (child: ChildProcess) => void; at: () => number | undefined} {
    let at: number | undefined
    return {
      send: (child) => {
        at ??= performance.now()
        child.kill(signal)
      },
      at: () => at,
    }
  }

  function expectOneStderrLine(stderr: string, pattern: RegExp): void {
    const lines = stderr.split('\n').filter((line) => line.trim() !== '')
    expect(lines, stderr).toHaveLength(1)
    expect(lines[0]).toMatch(pattern)
  }

  it('SIGINT: exits 130, parent KILLED, logged children FINISHED, none RUNNING, no temp folder left', async () => {
    const signal = sender('SIGINT')
    const r = await sweepUntilAChildFinished(server.uri, signal.send, signal.at)
    expect(r.code, r.stderr).toBe(130)
    expectOneStderrLine(r.stderr, /^Interrupted: stopped the sweep; its (run|2 open runs) in MLflow ended as KILLED$/)
    expect(r.stdout).toBe('')
    expect(readdirSync(r.tempDir)).toEqual([])
    const {parent, children} = await sweepRuns(r.experiment)
    expect(parent?.info.status).toBe('KILLED')
    const statuses = children.map((c) => c.info.status)
    expect(statuses).not.toContain('RUNNING')
    expect(statuses.length).toBeLessThan(GRID_POINTS)
    // Each child before the last finished; the last one was FINISHED or cut short (KILLED).
    expect(statuses.slice(0, -1).every((s) => s === 'FINISHED'), statuses.join(',')).toBe(true)
    expect(statuses.at(-1)).toMatch(/^(FINISHED|KILLED)$/)
    expect(statuses.filter((s) => s === 'FINISHED').length).toBeGreaterThanOrEqual(1)
    // the stderr line counts what it ended: the parent, and the child if one was open
    expect(r.stderr).toContain(statuses.at(-1) === 'KILLED' ? 'its 2 open runs' : 'its run')
  })

  it('SIGTERM while a child is being logged: exits 143, that child and the parent KILLED, the earlier ones FINISHED', async () => {
    // Once a child is FINISHED the proxy holds the next model-folder upload, and the signal goes then:
    // a child is certainly open (created, not ended) when it lands.
    const signal = sender('SIGTERM')
    let armed = false
    let child: ChildProcess | undefined
    const proxy = await holdingProxy(server.uri, (req) => {
      if (!armed || !isModelUpload(req)) return false
      if (child) signal.send(child)
      return true
    })
    proxies.push(proxy)
    const r = await sweepUntilAChildFinished(proxy.uri, (c) => {
      child = c
      armed = true
    }, signal.at)
    expect(r.code, r.stderr).toBe(143)
    expectOneStderrLine(r.stderr, /^Terminated: stopped the sweep; its 2 open runs in MLflow ended as KILLED$/)
    expect(readdirSync(r.tempDir)).toEqual([])
    const {parent, children} = await sweepRuns(r.experiment)
    expect(parent?.info.status).toBe('KILLED')
    const statuses = children.map((c) => c.info.status)
    expect(statuses.at(-1)).toBe('KILLED')
    expect(statuses.slice(0, -1)).toEqual(statuses.slice(0, -1).map(() => 'FINISHED'))
    expect(statuses.length).toBeGreaterThanOrEqual(2)
  })

  it('a server that stops answering: exits 130 within the 2 s bound anyway, with the tracking URI masked', async () => {
    // From the signal on, the proxy answers nothing: ending the runs as KILLED cannot finish.
    const signal = sender('SIGINT')
    let silent = false
    const proxy = await holdingProxy(server.uri, () => silent)
    proxies.push(proxy)
    const login = proxy.uri.replace('http://', 'http://flare:s3cret-pw@')
    const r = await sweepUntilAChildFinished(login, (c) => {
      silent = true
      signal.send(c)
    }, signal.at)
    expect(r.code, r.stderr).toBe(130)
    expect(r.exitMs).toBeGreaterThan(1_900)
    expect(r.exitMs).toBeLessThan(6_000)
    expectOneStderrLine(r.stderr, /^Interrupted: stopped the sweep; MLflow at http:\/\/127\.0\.0\.1:\d+ did not answer within 2 s \(its runs may show RUNNING\)$/)
    expect(r.stderr).not.toContain('s3cret-pw')
    expect(readdirSync(r.tempDir)).toEqual([])
  })

  it('a second Ctrl-C exits at once, without waiting for the server', async () => {
    // The proxy goes silent at the first signal; the second one is sent when the first asks to end a run as KILLED.
    const signal = sender('SIGINT')
    let silent = false
    let child: ChildProcess | undefined
    let second: number | undefined
    const proxy = await holdingProxy(server.uri, (req: IncomingMessage) => {
      if (silent && /\/runs\/update$/.test(req.url ?? '')) {
        req.on('data', (chunk: Buffer) => {
          if (second !== undefined || !chunk.includes('KILLED')) return
          second = performance.now()
          child?.kill('SIGINT')
        })
      }
      return silent
    })
    proxies.push(proxy)
    const r = await sweepUntilAChildFinished(proxy.uri, (c) => {
      child = c
      silent = true
      signal.send(c)
    }, signal.at)
    expect(second, r.stderr).toBeDefined()
    expect(r.code, r.stderr).toBe(130)
    // The first signal's handler would have exited after 2 s with its line; the second cut it short.
    expect(r.stderr).not.toContain('Interrupted:')
    expect(r.exitMs).toBeLessThan(1_900)
    expect(readdirSync(r.tempDir)).toEqual([])
  })
})

reportMlflowMissing()
