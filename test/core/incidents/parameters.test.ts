import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {asSeen, describedTemplate, pathShape, type ParameterProfile} from '../../../src/core/incidents/parameters.js'
import {createLineReader} from '../../../src/core/ingest/reader.js'
import {visitLines} from '../../../src/core/ingest/spool.js'
import {detect} from '../../../src/core/pipeline.js'
import {Redactor} from '../../../src/core/explain/redact.js'
import type {Incident} from '../../../src/core/results.js'
import type {Truth} from '../../helpers/generator-truth.js'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate} from '../../../data/generate-access.mjs'

const dir = mkdtempSync(join(tmpdir(), 'flare-params-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const profile = (position: number, lines: number, values: Array<[string, number]>, type = 'other'): ParameterProfile => ({position, type, lines, distinct: values.length, values: values.map(([value, count]) => ({value, count}))})

describe('pathShape', () => {
  it('writes ids as {id}: digits, UUIDs and long hex between separators; words and versions stay', () => {
    expect(pathShape('/api/v1/orders/4812')).toBe('/api/v1/orders/{id}')
    expect(pathShape('/u/0f8fad5b-d9cb-469f-a165-70867728950e/avatar.png')).toBe('/u/{id}/avatar.png')
    expect(pathShape('/assets/app.3f9a2c81d4.js')).toBe('/assets/app.3f9a2c81d4.js')
    expect(pathShape('/blob/3f9a2c81d4e5/raw')).toBe('/blob/{id}/raw')
    expect(pathShape('/category/garden?page=3&limit=20')).toBe('/category/garden?page={id}&limit={id}')
    expect(pathShape('/cafebabe/deadbeef')).toBe('/cafebabe/deadbeef')
    expect(pathShape('/')).toBe('/')
  })
})

describe('asSeen', () => {
  it('writes in the values that held in most lines, leaves the others as <*>', () => {
    const t = 'GET <*> <*> <*> Gateway Timeout'
    const p = [profile(0, 100, [['/a', 40], ['/b', 35]]), profile(1, 100, [['HTTP/2.0', 100]]), profile(2, 100, [['504', 81]], 'number')]
    expect(asSeen(t, p)).toBe('GET <*> HTTP/2.0 504 Gateway Timeout')
  })

  it('is undefined when nothing held one value, or the template has other <*> than the profiles', () => {
    expect(asSeen('a <*> b', [profile(0, 10, [['x', 5], ['y', 5]])])).toBeUndefined()
    expect(asSeen('a <*> b <*>', [profile(0, 10, [['x', 10]])])).toBeUndefined()
    // one line is no pattern
    expect(asSeen('a <*> b', [profile(0, 1, [['x', 1]])])).toBeUndefined()
  })
})

describe('describedTemplate', () => {
  it("masks a secret value in its place in the template, where the redactor sees its name", () => {
    const mask = new Redactor({personal: false})
    const t = {id: 'T1', template: 'db login failed for svc password=<*>', count: 9}
    const d = describedTemplate(t, [profile(0, 9, [['hunter2-a', 4], ['hunter2-b', 3], ['hunter2-c', 2]])], (s) => mask.redact(s))
    expect(JSON.stringify(d)).not.toMatch(/hunter2/)
    expect(d.parameters![0].values.map((v) => v.count)).toEqual([4, 3, 2])
    expect(d.parameters![0].values[0].value).toMatch(/^<SECRET(_\d+)?>$/)
  })

  it('masks the first word of a quoted secret with spaces, whose closing quote lies after the value', () => {
    const mask = new Redactor({personal: false})
    const t = {id: 'T4', template: 'login failed password: <*> horse <*> battery" attempt', count: 4}
    const d = describedTemplate(t, [profile(0, 4, [['"Pwb6sou5Zq', 2], ['"Pw10fb8vZq', 2]]), profile(1, 4, [['509x', 4]])], (s) => mask.redact(s))
    expect(JSON.stringify(d.parameters)).not.toMatch(/Pw/)
    expect(d.parameters![0].values.every((v) => /^<SECRET(_\d+)?>$/.test(v.value))).toBe(true)
  })

  it("keeps a value that is no secret though the template holds one elsewhere (a constant password, a url after it)", () => {
    const mask = new Redactor({personal: false})
    const t = {id: 'T5', template: 'curl -u admin:hunter2xyz https://<*> password=hunter2xyz attempt <*>', count: 6}
    const d = describedTemplate(t, [profile(0, 6, [['api.example.com/v1', 6]]), profile(1, 6, [['3', 4], ['4', 2]])], (s) => mask.redact(s))
    expect(d.parameters![1].values.map((v) => v.value)).toEqual(['3', '4'])
    expect(d.template).not.toContain('hunter2xyz')
    expect(JSON.stringify(d)).not.toContain('hunter2xyz')
  })
})

describe('visitLines', () => {
  it('visits exactly the lines of the ranges (overlapping, unsorted, past the end), across read buffers', async () => {
    const path = join(dir, 'lines.log')
    const n = 60_000
    writeFileSync(path, Array.from({length: n}, (_, i) => `line ${i + 1} ${'x'.repeat(i % 97)}`).join('\n'))
    const all: string[] = []
    for await (const batch of createLineReader(path).batches()) all.push(...batch)
    expect(all).toHaveLength(n)
    const ranges: Array<[number, number]> = [[59_990, 70_000], [1, 1], [20_000, 20_010], [20_005, 30_000], [45_000, 44_000], [7, 7]]
    const seen: Array<[number, string]> = []
    await visitLines(path, ranges, (line, text) => seen.push([line, text]))
    const want = new Set<number>()
    for (const [a, b] of ranges) for (let k = a; k <= Math.min(b, n); k++) want.add(k)
    expect(seen.map(([l]) => l)).toEqual([...want].sort((a, b) => a - b))
    for (const [l, text] of seen) expect(text).toBe(all[l - 1])
  })
})

describe('incidents of an access log say what their lines held', () => {
  it('names the endpoint and status of a deploy bug and of an auth outage, on their virtual host', async () => {
    const {text, truth} = generate({seed: 4, hours: 6, incidents: 6, start: '2026-04-14'}) as {text: string; truth: Truth}
    const path = join(dir, 'access.log')
    writeFileSync(path, text)
    const {results} = await detect({input: path})
    const overlapping = (start: string, end: string): Incident[] =>
      results.incidents.filter((i) => i.time_range.start !== null && Date.parse(i.time_range.start) <= Date.parse(end) && Date.parse(i.time_range.end!) >= Date.parse(start))
    const cases = [
      {kind: 'deploy-bug', want: ['GET /api/v1/orders/{id} ', ' 500 Internal Server Error']},
      {kind: 'auth-outage', want: ['POST /api/v1/auth/token ', ' 401 Unauthorized']},
    ]
    for (const {kind, want} of cases) {
      const real = truth.incidents.find((i) => i.kind === kind)!
      const raised = overlapping(real.start, real.end)
      expect(raised.length, kind).toBeGreaterThan(0)
      const seen = raised.flatMap((i) => i.templates.map((t) => t.as_seen ?? ''))
      expect(seen.some((s) => want.every((w) => s.includes(w))), `${kind}: ${seen.join(' | ')}`).toBe(true)
      expect(raised.some((i) => i.streams?.includes(real.hosts[0])), kind).toBe(true)
    }
    // every profiled template: its parameters as many as its <*>, their counts within its lines
    const profiled = results.incidents.flatMap((i) => i.templates).filter((t) => t.parameters)
    expect(profiled.length).toBeGreaterThan(5)
    for (const t of profiled) {
      expect(t.parameters!.length).toBe(t.template.split('<*>').length - 1)
      for (const p of t.parameters!) {
        expect(p.values.reduce((a, v) => a + v.count, 0)).toBeLessThanOrEqual(p.lines)
        expect(p.values.length).toBeLessThanOrEqual(Math.min(3, p.distinct))
      }
    }
  }, 60_000)

  it('reads a syslog log (its times have no year): the database a burst of failures could not reach, on its host', async () => {
    const path = join(dir, 'fleet.log')
    const lines: string[] = []
    const start = Date.parse('2026-10-20T00:00:00Z')
    const stamp = (t: number) => {
      const d = new Date(t)
      return `Oct 20 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`
    }
    for (let t = start, i = 0; t < start + 8 * 3_600_000; t += 4000, i++) {
      const host = `web${(i % 3) + 1}`
      lines.push(`${stamp(t)} ${host} app[${200 + (i % 3)}]: INFO request ${i} served in ${i % 97} ms`)
      // the odd failure against one database or another, all day
      if (i % 900 === 450) lines.push(`${stamp(t + 1)} ${host} app[${200 + (i % 3)}]: ERROR connect to db-${i % 5}.internal:5432 failed: Connection refused`)
      // 04:00-04:20 on web2: every second request fails against db-7
      if (host === 'web2' && t >= start + 4 * 3_600_000 && t < start + 4.33 * 3_600_000) lines.push(`${stamp(t + 2)} web2 app[201]: ERROR connect to db-7.internal:5432 failed: Connection refused`)
    }
    writeFileSync(path, lines.join('\n') + '\n')
    const {results} = await detect({input: path})
    expect(results.summary.format).toBe('syslog')
    const burst = results.incidents.find((i) => i.templates.some((t) => t.template.includes('failed: Connection refused')))
    expect(burst, JSON.stringify(results.incidents.map((i) => i.templates[0]?.template))).toBeDefined()
    const t = burst!.templates.find((x) => x.template.includes('failed: Connection refused'))!
    expect(t.template).toContain('connect to <*> failed')
    expect(t.as_seen).toMatch(/^(ERROR )?connect to db-7\.internal:5432 failed: Connection refused$/)
    expect(burst!.streams).toEqual(['web2'])
    expect(t.parameters![0].values[0]).toEqual({value: 'db-7.internal:5432', count: t.parameters![0].lines})
  }, 60_000)

  it('reads a stack trace as the read did, one record: its template gets its profile', async () => {
    const path = join(dir, 'traces.log')
    const lines: string[] = []
    const start = Date.parse('2026-10-20T00:00:00Z')
    for (let t = start, i = 0; t < start + 8 * 3_600_000; t += 4000, i++) {
      const host = `web${(i % 3) + 1}`
      const at = new Date(t).toISOString()
      lines.push(`${at} ${host} app[77]: INFO request ${i} served in ${i % 97} ms`)
      const burst = host === 'web1' && t >= start + 5 * 3_600_000 && t < start + 5.3 * 3_600_000
      if (burst || i % 1200 === 600) {
        lines.push(`${at} ${host} app[77]: ERROR query failed on ${burst ? 'db-primary' : `db-replica-${i % 4}`} attempt ${i % 3}`)
        lines.push('java.lang.IllegalStateException: pool exhausted', '    at com.x.Pool.get(Pool.java:42)', '    at com.x.Svc.run(Svc.java:7)')
      }
    }
    writeFileSync(path, lines.join('\n') + '\n')
    const {results} = await detect({input: path})
    const t = results.incidents.flatMap((i) => i.templates).find((x) => x.template.includes('query failed on'))
    expect(t, JSON.stringify(results.incidents.map((i) => i.templates[0]?.template))).toBeDefined()
    // (the trace's lines are one record, one template)
    expect(t!.template).toContain('at com.x.Pool.get(')
    expect(t!.parameters).toBeDefined()
    expect(t!.as_seen).toMatch(/query failed on db-primary attempt \d java\.lang\.IllegalStateException: pool exhausted at com\.x\.Pool\.get\(Pool\.java:42\)/)
  }, 60_000)

  it('does not read again the lines of id sessions (their incidents keep no parameters)', async () => {
    const path = join(dir, 'ids.log')
    const lines: string[] = []
    for (let i = 0; i < 3000; i++) {
      const blk = `blk_${1000 + (i % 300)}`
      const bad = i % 300 === 7 && i > 1500
      lines.push(`081109 2035${String(i % 60).padStart(2, '0')} ${i} ${bad ? 'ERROR' : 'INFO'} dfs.DataNode: ${bad ? `Exception writing ${blk} to /10.0.0.${i % 7}:50010` : `Receiving ${blk} src: /10.0.0.${i % 5}:50010`}`)
    }
    writeFileSync(path, lines.join('\n'))
    const {results} = await detect({input: path})
    expect(results.summary.session_key).toMatch(/block/)
    expect(results.incidents.length).toBeGreaterThan(0)
    for (const i of results.incidents) for (const t of i.templates) expect(t.parameters).toBeUndefined()
  }, 60_000)
})
