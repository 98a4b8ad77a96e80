import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {collectInChunks} from '../helpers/chunked-collect.js'
import {runCli} from '../helpers/cli.js'
import {fleetLog} from '../helpers/silent-hosts.js'

// Differential: a host that goes dark, scored with a saved model by batch `detect --model`, by
// `replay --model` and by `collect - --model` fed in random chunks: the same silent windows, the
// same incidents, over the same time. Each window is judged against the model and the quiet windows
// before it alone; the incident runs from when the quiet began (the source's last line before its
// quiet windows; the first window's start when it never logged) to when its lines resumed (the end
// of its last silent window when they never did).

const HOUR = 3_600_000
let dir: string

const CASES = {
  // db-01 stops for 45 minutes and comes back
  mid: {'db-01': [[3 * HOUR, 3.75 * HOUR]]},
  // api-01 stops for good at 05:00
  gone: {'api-01': [[5 * HOUR, Number.POSITIVE_INFINITY]]},
  // mq-01 never logs in this log at all
  never: {'mq-01': [[0, Number.POSITIVE_INFINITY]]},
  // the app on api-01 hangs for an hour, its nginx logging on
  hung: {'app@api-01': [[3 * HOUR, 4 * HOUR]]},
} as const satisfies Record<string, Record<string, Array<[number, number]>>>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-silent-live-'))
  await writeFile(join(dir, 'clean.log'), fleetLog(1, '2026-09-10T00:00:00Z', 8))
  for (const [name, dark] of Object.entries(CASES)) await writeFile(join(dir, `${name}.log`), fleetLog(2, '2026-09-11T00:00:00Z', 8, dark as Record<string, Array<[number, number]>>))
  const fit = await runCli(['detect', '-i', join(dir, 'clean.log'), '--by', 'host', '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code, fit.stderr).toBe(0)
}, 120_000)
afterAll(() => rm(dir, {recursive: true, force: true}))

interface LiveIncident {
  id: string
  signature: string[]
  sessions: number
  firstSeen: string
  lastSeen: string
  severity: string
  title: string
}

/** The last line of `key` (HOST or PROGRAM@HOST) before `from` and its first at or after `to` (ms) in a fleetLog (undefined: none). */
function edgesOf(lines: string[], key: string, from: number, to: number): {before?: number; after?: number} {
  const [program, host] = key.includes('@') ? key.split('@') : [undefined, key]
  let before: number | undefined
  let after: number | undefined
  for (const line of lines) {
    const [month, day, hms, lineHost, text] = line.split(/\s+/)
    if (lineHost !== host || (program !== undefined && !text.startsWith(`${program}[`))) continue
    const t = Date.parse(`${month} ${day} 2026 ${hms} UTC`)
    if (t < from) before = Math.max(before ?? t, t)
    if (t >= to) after = Math.min(after ?? t, t)
  }
  return {before, after}
}

/** `collect - --model` fed the log in seeded random chunks; its incidents as last reported. */
async function collect(log: Buffer, seed: number): Promise<LiveIncident[]> {
  return collectInChunks<LiveIncident>(log, seed, ['--model', join(dir, 'model')])
}

describe('a dark host scored with a saved model, batch against live', () => {
  for (const [name, dark] of Object.entries(CASES)) {
    // a host's silence, or PROGRAM@HOST's: the program's on that host
    const key = Object.keys(dark)[0]
    const host = key.slice(key.indexOf('@') + 1)
    const source = key.replace('@', ' on ')
    it(`${name}: replay flags the windows detect --model flags, and collect raises the same silence whatever the chunks`, async () => {
      const file = join(dir, `${name}.log`)
      const batch = await runCli(['detect', '-i', file, '--model', join(dir, 'model'), '--json', '--no-track'])
      expect(batch.code, batch.stderr).toBe(0)
      const results = JSON.parse(batch.stdout) as {anomalies: Array<{session_id: string; is_anomaly: boolean}>; incidents: Array<{silence?: {source: string}; time_range: {start: string; end: string}}>}
      const flagged = results.anomalies.filter((a) => a.is_anomaly).map((a) => a.session_id).sort()
      // the dark host's windows, and nothing else
      expect(results.incidents.filter((i) => i.silence).map((i) => i.silence!.source)).toEqual([source])
      expect(flagged.length).toBeGreaterThanOrEqual(5)
      for (const id of flagged) expect(id.split(' ')[0]).toBe(host)
      const replay = await runCli(['replay', '-i', file, '--model', join(dir, 'model'), '--max', '--json'])
      expect(replay.code, replay.stderr).toBe(0)
      const live = JSON.parse(replay.stdout) as {flagged: string[]; incidents: LiveIncident[]}
      expect([...live.flagged].sort()).toEqual(flagged)
      expect(live.incidents.map((i) => [i.signature, i.sessions, i.severity, i.title])).toEqual([[[`silent:${key}`], flagged.length, 'high', `no lines from ${source}`]])
      // batch and live tell the same time: the log's own, not the clock's
      const range = results.incidents[0].time_range
      expect(live.incidents.map((i) => [i.firstSeen, i.lastSeen])).toEqual([[range.start, range.end]])
      // ... the source's own: from its last line before the quiet (the log's first window when it
      // never logged) to its first line after (the last flagged window's end when it never came
      // back). Live used to start at the first flagged window's start and end at its last line there
      // (another program's, for a hung one); batch at the first quiet window's start (a flagged
      // window follows one quiet window at least) and the last flagged window's end.
      const starts = flagged.map((id) => Date.parse(id.split(' ')[1]))
      const {before, after} = edgesOf((await readFile(file, 'utf8')).split('\n'), key, Math.min(...starts), Math.max(...starts) + 5 * 60_000)
      const expected = [before ?? Date.parse('2026-09-11T00:00:00Z'), after ?? Math.max(...starts) + 5 * 60_000].map((t) => new Date(t).toISOString())
      expect([range.start, range.end]).toEqual(expected)
      expect(before === undefined).toBe(name === 'never')
      expect(after === undefined).toBe(name === 'never' || name === 'gone')
      const runs = new Set<string>()
      for (const seed of [1, 2]) {
        const chunked = await collect(await readFile(file), seed)
        expect(chunked.map((i) => [i.signature, i.sessions])).toEqual([[[`silent:${key}`], flagged.length]])
        expect(chunked.map((i) => [i.firstSeen, i.lastSeen])).toEqual([[range.start, range.end]])
        // (detectedAt is the wall clock's: the rest is the log's own time)
        runs.add(JSON.stringify(chunked.map((i) => [i.id, i.firstSeen, i.lastSeen, i.sessions, i.severity, i.title])))
      }
      expect(runs.size).toBe(1)
    }, 120_000)
  }
})
