import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {loadBundle} from '../../src/core/model-bundle.js'
import {FormatGate} from '../../src/core/stream/format-gate.js'
import {nothingScoredWarning} from '../../src/ui/live-view.js'
import type {EngineStats} from '../../src/core/stream/engine.js'
import {runCli} from '../helpers/cli.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-live-silent-'))
  const fits = await Promise.all([
    runCli(['detect', '-i', 'data/hdfs_sample.log', '--save-model', join(dir, 'model'), '--no-track']),
    runCli(['detect', '-i', 'data/syslog_sample.log', '--save-model', join(dir, 'wmodel'), '--no-track']),
  ])
  for (const fit of fits) expect(fit.code, fit.stderr).toBe(0)
}, 60_000)
afterAll(() => rm(dir, {recursive: true, force: true}))

describe('a model scores only logs of its format, live too', () => {
  it('collect refuses a stream of another format on its first lines (exit 3, both formats named)', async () => {
    const r = await runCli(['collect', '-', '--model', join(dir, 'model')], {input: await readFile('data/syslog_sample.log')})
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toContain('Error: stdin does not fit the model: it was fitted on hdfs logs, but only 0 of the first 200 lines are hdfs (the log looks like syslog)')
    expect(r.stderr).toContain('→ score it with a model fitted on this kind of log')
    expect(r.stderr).not.toContain('stopped:')
  })

  it('replay refuses a log of another format before playing it (exit 3)', async () => {
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--model', join(dir, 'wmodel')])
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toContain('data/hdfs_sample.log does not fit the model: it was fitted on syslog logs')
    expect(r.stdout).not.toContain('anomalous')
  })

  it('the gate decides on the sample as it passes in pieces, or at the end on what it had', async () => {
    const model = await loadBundle(join(dir, 'model'))
    const hdfs = (await readFile('data/hdfs_sample.log', 'utf8')).split('\n')
    const syslog = (await readFile('data/syslog_sample.log', 'utf8')).split('\n')
    const fits = new FormatGate(model, 'stdin', 50)
    for (let i = 0; i < 60; i += 7) fits.observe(hdfs.slice(i, i + 7))
    expect(fits.pending).toBe(false)
    const other = new FormatGate(model, 'stdin', 50)
    other.observe(syslog.slice(0, 49))
    expect(other.pending).toBe(true)
    expect(() => other.observe(['', syslog[49]])).toThrow(FlareError)
    const short = new FormatGate(model, 'stdin', 50)
    short.observe(syslog.slice(0, 5))
    expect(() => short.end()).toThrow(/only 0 of the first 5 lines are hdfs/)
  })

  it('a live run that read lines but scored no session ends with a loud warning', () => {
    const stats = {lines: 81, scored: 0, trainingRecords: 0, sessions: {unassigned: 81}} as unknown as EngineStats
    expect(nothingScoredWarning(stats)).toMatch(/^81 lines were read but no session was ever scored, 81 records carried no id/)
    expect(nothingScoredWarning({...stats, scored: 1})).toBeUndefined()
    expect(nothingScoredWarning({...stats, lines: 0})).toBeUndefined()
  })
})

describe('replay says what its sinks could not deliver', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    server = createServer((q, r) => {
      q.resume()
      q.on('end', () => {
        r.writeHead(500)
        r.end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('a webhook answering 500: counted in the summary (--json too) and in a final warning, exit 0 as collect', async () => {
    const sink = `webhook:http://127.0.0.1:${port}/h`
    const r = await runCli(['replay', '-i', 'data/hdfs_sample.log', '--model', join(dir, 'model'), '--sink', sink, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const {summary} = JSON.parse(r.stdout) as {summary: {engine: {incidentsOpened: number}; sinks: Array<{name: string; delivered: number; failed: number}>}}
    expect(summary.sinks).toHaveLength(1)
    expect(summary.sinks[0]).toMatchObject({name: `webhook:http://127.0.0.1:${port}/…`, delivered: 0})
    expect(summary.sinks[0].failed).toBeGreaterThanOrEqual(summary.engine.incidentsOpened)
    expect(r.stderr).toContain(`warning: webhook:http://127.0.0.1:${port}/…: ${summary.sinks[0].failed} events not delivered`)
  }, 60_000)
})
