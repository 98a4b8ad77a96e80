import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import {fleetLog} from '../../helpers/silent-hosts.js'
import {runCli} from '../../helpers/cli.js'

// A host that goes dark, scored with a saved model (each window against the model alone): the
// model's per-host low count judges it, a sparse host's ordinary gaps are not raised.

const HOUR = 3_600_000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-window-silence-'))
let model: ModelBundle
const log = (name: string, text: string): string => {
  const file = path.join(dir, `${name}.log`)
  fs.writeFileSync(file, text)
  return file
}

beforeAll(async () => {
  const fitted = await detect({input: log('clean', fleetLog(1, '2026-09-10T00:00:00Z', 8)), by: ['host']})
  expect(fitted.results.summary.detector).toBe('window-rate')
  await saveBundle(path.join(dir, 'model'), fitted.bundle)
  model = await loadBundle(path.join(dir, 'model'))
}, 60_000)
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

function silences(results: Awaited<ReturnType<typeof detect>>['results']): Array<{source: string; start: string; end: string}> {
  return results.incidents.filter((i) => i.silence).map((i) => ({source: i.silence!.source, start: i.time_range.start, end: i.time_range.end}))
}

describe('a saved window-rate model and a host that goes dark', () => {
  it('raises a host that stops logging for 45 minutes mid-way, and nothing on a clean log of another day', async () => {
    const clean = await detect({input: log('next', fleetLog(2, '2026-09-11T00:00:00Z', 8)), model})
    expect(silences(clean.results)).toEqual([])
    const dark = await detect({input: log('dark', fleetLog(2, '2026-09-11T00:00:00Z', 8, {'db-01': [[3 * HOUR, 3.75 * HOUR]]})), model})
    const found = silences(dark.results)
    expect(found.map((s) => s.source)).toEqual(['db-01'])
    // from its last line before the quiet to its first after (not its quiet windows' edges, 03:00-03:45)
    expect(Date.parse(found[0].start)).toBe(Date.parse('2026-09-11T02:59:19Z'))
    expect(Date.parse(found[0].end)).toBe(Date.parse('2026-09-11T03:45:11Z'))
  }, 60_000)

  it('raises a host that stops for good before the log ends, and one the log never names', async () => {
    const gone = await detect({input: log('gone', fleetLog(2, '2026-09-11T00:00:00Z', 8, {'api-01': [[5 * HOUR, Number.POSITIVE_INFINITY]]})), model})
    // (its last line; it never comes back: the log's end)
    expect(silences(gone.results).map((s) => [s.source, Date.parse(s.start), Date.parse(s.end)])).toEqual([['api-01', Date.parse('2026-09-11T04:59:45Z'), Date.parse('2026-09-11T08:00:00Z')]])
    const never = await detect({input: log('never', fleetLog(2, '2026-09-11T00:00:00Z', 8, {'mq-01': [[0, Number.POSITIVE_INFINITY]]})), model})
    // (no line at all: from the log's first window)
    expect(silences(never.results).map((s) => [s.source, Date.parse(s.start), Date.parse(s.end)])).toEqual([['mq-01', Date.parse('2026-09-11T00:00:00Z'), Date.parse('2026-09-11T08:00:00Z')]])
  }, 60_000)

  it('raises a program that stops while its host logs on, not the host', async () => {
    const hung = await detect({input: log('hung', fleetLog(2, '2026-09-11T00:00:00Z', 8, {'app@api-01': [[3 * HOUR, 4 * HOUR]]})), model})
    // the app's own last line and first line back, not nginx's
    expect(silences(hung.results).map((s) => [s.source, Date.parse(s.start), Date.parse(s.end)])).toEqual([['app on api-01', Date.parse('2026-09-11T02:59:53Z'), Date.parse('2026-09-11T04:00:36Z')]])
  }, 60_000)

  it('never raises a sparse host for its ordinary gaps, however long', async () => {
    // bastion-01 logs about once in three windows: hours without a line are its normal
    for (const seed of [2, 3, 4, 5]) {
      const run = await detect({input: log(`sparse-${seed}`, fleetLog(seed, '2026-09-11T00:00:00Z', 8, {'bastion-01': [[HOUR, 4 * HOUR]]})), model})
      expect(silences(run.results)).toEqual([])
    }
  }, 60_000)

  it('a model saved before hosts had a low count still loads and raises the dark host', async () => {
    const folder = path.join(dir, 'model-old')
    fs.cpSync(path.join(dir, 'model'), folder, {recursive: true})
    const file = path.join(folder, 'detector.json')
    const json = JSON.parse(fs.readFileSync(file, 'utf8'))
    for (const stream of Object.values(json.state.profiles.streams) as Array<{low?: number}>) {
      expect(stream.low).toBeGreaterThanOrEqual(0)
      delete stream.low
    }
    fs.writeFileSync(file, JSON.stringify(json))
    const old = await loadBundle(folder)
    const dark = await detect({input: log('dark-old', fleetLog(2, '2026-09-11T00:00:00Z', 8, {'db-01': [[3 * HOUR, 3.75 * HOUR]]})), model: old})
    expect(silences(dark.results).map((s) => s.source)).toEqual(['db-01'])
  }, 60_000)

  it('a log of one host of the fleet (grep web-01 app.log) raises none of the others as silent, in batch and live', async () => {
    // (the hosts the model knows are judged when the log names at least half of them)
    const whole = fleetLog(2, '2026-09-11T00:00:00Z', 8, {'db-01': [[3 * HOUR, 3.75 * HOUR]]})
    const one = log('one-host', whole.split('\n').filter((line) => line.includes(' api-01 ')).join('\n') + '\n')
    expect(silences((await detect({input: one, model})).results)).toEqual([])
    const replay = await runCli(['replay', '-i', one, '--model', path.join(dir, 'model'), '--max', '--json'])
    expect(replay.code, replay.stderr).toBe(0)
    const live = JSON.parse(replay.stdout) as {incidents: Array<{title: string}>}
    expect(live.incidents.filter((i) => /no lines from/.test(i.title))).toEqual([])
    // two of four hosts named: the absent ones are judged (mq-01, which logs every window, raised)
    const two = log('two-hosts', whole.split('\n').filter((line) => / (api-01|db-01) /.test(line)).join('\n') + '\n')
    const judged = (await detect({input: two, model})).results
    expect(silences(judged).map((s) => s.source)).toContain('mq-01')
  }, 120_000)
})
