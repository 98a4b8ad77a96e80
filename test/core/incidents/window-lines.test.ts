import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {detect} from '../../../src/core/pipeline.js'
import type {Incident} from '../../../src/core/results.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-window-lines-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

const MIN = 60_000
const ERROR = 'ERROR db: connection refused to the primary'

/**
 * Eight hours of three hosts' ordinary lines (one every 20 s each); on web1 an error line at 20 and
 * 40 past each hour, then a burst of 100 of it from 04:00 to 04:06. The incident's count must be
 * what `grep` finds in the burst's stretch: 100 lines (the hour's others are 20 minutes off).
 */
function burstLog(): {file: string; errors: number; inBurst: number} {
  const t0 = Date.UTC(2024, 2, 1)
  const lines: Array<[number, string]> = []
  for (const [h, host] of ['web1', 'web2', 'db1'].entries()) {
    for (let t = t0 + h * 1000, k = 0; t < t0 + 8 * 60 * MIN; t += 20_000, k++) {
      lines.push([t, `${host} INFO http: GET /index 200 in ${(k * 7 + h) % 90} ms`])
    }
  }
  for (let hour = 0; hour < 8; hour++) for (const m of [20, 40]) lines.push([t0 + (hour * 60 + m) * MIN + 500, `web1 ${ERROR}`])
  for (let i = 0; i < 100; i++) lines.push([t0 + 4 * 60 * MIN + i * 3600 + 500, `web1 ${ERROR}`])
  lines.sort((a, b) => a[0] - b[0])
  const text = lines.map(([t, rest]) => `${new Date(t).toISOString().slice(0, 19)} ${rest}`).join('\n') + '\n'
  const file = path.join(dir, 'burst.log')
  fs.writeFileSync(file, text)
  const errors = text.split('\n').filter((l) => l.includes(ERROR))
  return {file, errors: errors.length, inBurst: errors.filter((l) => l >= '2024-03-01T03:50' && l < '2024-03-01T04:15').length}
}

/** The incident listing the error template, and that template's entry. */
function errorIncident(incidents: Incident[]): {incident: Incident; template: Incident['templates'][number]} {
  const incident = incidents.find((i) => i.templates.some((t) => t.template.includes('connection refused')))
  expect(incident, 'an incident for the burst').toBeDefined()
  return {incident: incident!, template: incident!.templates.find((x) => x.template.includes('connection refused'))!}
}

describe('incidents of sliding windows', () => {
  const {file, errors, inBurst} = burstLog()
  const run = async (stepMs?: number) => errorIncident((await detect({input: file, sessionKey: 'window', windowMs: 10 * MIN, stepMs})).results.incidents)

  it('count each log line once, not once per overlapping window', async () => {
    expect([errors, inBurst]).toEqual([116, 100])
    for (const stepMs of [10 * MIN, 2 * MIN, 3 * MIN]) {
      const {incident, template} = await run(stepMs)
      const label = `--window 10m --step ${stepMs / MIN}m`
      expect(template.count, label).toBe(inBurst)
      // the totals beside it and the evidence count the same lines
      expect(Object.values(incident.levels).reduce((a, b) => a + b, 0), label).toBe(inBurst)
      expect(incident.components.reduce((a, c) => a + c.count, 0), label).toBe(inBurst)
      expect(incident.reasons[0].value, label).toBe(inBurst)
      expect(incident.reasons[0].note, label).toContain(`${inBurst} lines on web1`)
    }
  })

  it('expects the normal rate over the time the windows cover, so count and expected stay comparable', async () => {
    const tumbling = await run()
    const sliding = await run(2 * MIN)
    // Seven windows 2 minutes apart cover 22 minutes: 2.2 ten-minute windows' worth of the normal
    // rate (the usual line per 30 minutes), not 7 (a sum over the overlapping windows).
    const ratio = sliding.template.expected / tumbling.template.expected
    expect(ratio).toBeGreaterThan(1.5)
    expect(ratio).toBeLessThan(3)
    expect(sliding.incident.reasons[0].normal).toBe(sliding.template.expected)
  })

  it('time an incident by its lines, not by all its windows', async () => {
    // The burst runs 04:00:00–04:05:56; a 10-minute window from 03:51 on holds some of it, and
    // the windows flagged reached from about 03:51 to 04:15.
    expect((await run()).incident.time_range).toEqual({start: '2024-03-01T04:00:00.000Z', end: '2024-03-01T04:10:00.000Z'})
    for (const stepMs of [MIN, 2 * MIN, 3 * MIN]) {
      const {incident} = await run(stepMs)
      expect(incident.time_range, `--window 10m --step ${stepMs / MIN}m`).toEqual({start: '2024-03-01T04:00:00.000Z', end: '2024-03-01T04:06:00.000Z'})
    }
  })
})
