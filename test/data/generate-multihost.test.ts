import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate} from '../../data/generate-multihost.mjs'

interface TruthIncident {
  id: string
  kind: string
  hosts: string[]
  start: string
  end: string
  marker: string | null
  silent?: {host: string; program: string | null}
  rate_multiplier?: number
  lines: number
}
interface Truth {
  start: string
  end: string
  lines: number
  hosts: {name: string; role: string}[]
  incidents: TruthIncident[]
}
interface Line {
  t: number
  host: string
  prog: string
  msg: string
}

const repoRoot = path.resolve(import.meta.dirname, '../..')
const LINE = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) ([\w.-]+) ([\w.-]+)(?:\[(\d+)\])?: (.+)$/
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Lines of a generated log, dated in the truth's year (syslog carries none). */
function parse(text: string, year: number): Line[] {
  return text.trimEnd().split('\n').map((l) => {
    const m = LINE.exec(l)
    if (!m) throw new Error(`not an RFC 3164 line: ${l}`)
    return {t: Date.UTC(year, MONTHS.indexOf(m[1]), Number(m[2].trim()), Number(m[3]), Number(m[4]), Number(m[5])), host: m[6], prog: m[7], msg: m[9]}
  })
}

// Four hours over the afternoon deploy (13:00-16:30) with all ten kinds squeezed in: fast, and
// every kind and every kind of noise appears.
const opts = {hours: 4, hosts: 5, incidents: 10, start: '2026-06-09T12:45'}
const a = generate({seed: 11, ...opts}) as {text: string; truth: Truth}
const year = new Date(a.truth.start).getUTCFullYear()
const lines = parse(a.text, year)

describe('generate-multihost', () => {
  it('writes a different log for another seed (the same bytes for the same one: see "command line")', () => {
    const other = generate({seed: 12, ...opts, hours: 2}) as {text: string; truth: Truth}
    expect(other.text === a.text).toBe(false)
    expect(other.truth.incidents.map((i) => `${i.kind}@${i.start}`)).not.toEqual(a.truth.incidents.map((i) => `${i.kind}@${i.start}`))
  })

  it('writes RFC 3164 lines in time order, from every host of the fleet', () => {
    expect(lines.length).toBe(a.truth.lines)
    const backwards = lines.findIndex((l, i) => i > 0 && l.t < lines[i - 1].t)
    expect(backwards).toBe(-1)
    expect(new Set(lines.map((l) => l.host))).toEqual(new Set(a.truth.hosts.map((h) => h.name)))
    expect(lines[0].t).toBeGreaterThanOrEqual(Date.parse(a.truth.start))
    expect(lines[lines.length - 1].t).toBeLessThan(Date.parse(a.truth.end))
  })

  it('holds the ordinary, alarming-looking noise that is not an incident', () => {
    const programs = new Set(lines.map((l) => l.prog))
    for (const p of ['sshd', 'kernel', 'CRON', 'systemd', 'api', 'nginx', 'postgres', 'redis-server', 'worker', 'deployer']) expect(programs, p).toContain(p)
    const count = (re: RegExp) => lines.filter((l) => re.test(l.msg)).length
    expect(count(/Failed password for invalid user \S+ from [\d.]+ port \d+ ssh2/)).toBeGreaterThan(20)
    expect(count(/\[UFW BLOCK\] IN=eth0 .* SRC=[\d.]+ DST=10\./)).toBeGreaterThan(50)
    expect(count(/slow request/)).toBeGreaterThan(0)
    expect(count(/^deploying api /)).toBeGreaterThan(0)
    expect(count(/^Started API server\.$/)).toBeGreaterThan(0)
    // every app line carries its own request id: a "request session" would be one line long
    const ids = lines.filter((l) => l.prog === 'api' && / req=/.test(` ${l.msg}`)).map((l) => /req=(\w+)/.exec(l.msg)![1])
    expect(ids.length).toBeGreaterThan(1000)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('lists incidents of every kind inside the log, each with its evidence in the lines', () => {
    const t0 = Date.parse(a.truth.start)
    const t1 = Date.parse(a.truth.end)
    expect(new Set(a.truth.incidents.map((i) => i.kind)).size).toBe(10)
    for (const inc of a.truth.incidents) {
      const s = Date.parse(inc.start)
      const e = Date.parse(inc.end)
      expect(s, inc.id).toBeGreaterThanOrEqual(t0)
      expect(e, inc.id).toBeLessThan(t1)
      expect(e, inc.id).toBeGreaterThanOrEqual(s)
      const inSpan = lines.filter((l) => l.t >= s - 1000 && l.t <= e + 1000)
      if (inc.silent) {
        const {host, program} = inc.silent
        const quiet = (l: Line) => l.host === host && (program === null || l.prog === program)
        // log times are whole seconds: lines in the seconds the silence starts and ends may be outside it
        expect(inSpan.filter((l) => quiet(l) && l.t > s && l.t < e), inc.id).toEqual([])
        expect(lines.filter((l) => quiet(l) && l.t < s).length, `${inc.id} logs before its silence`).toBeGreaterThan(10)
        continue
      }
      const hits = inSpan.filter((l) => inc.hosts.includes(l.host) && l.msg.includes(inc.marker!))
      expect(hits.length, `${inc.id} ${inc.kind}: "${inc.marker}" on ${inc.hosts}`).toBeGreaterThan(0)
      // the span is where the evidence is: the first and last marker lines are near its ends
      expect(hits[0].t - s, inc.id).toBeLessThan(10 * 60_000)
      if (inc.kind === 'rate-spike') {
        const rate = (ls: Line[], ms: number) => ls.filter((l) => l.host === inc.hosts[0] && l.msg.includes(inc.marker!)).length / ms
        const outside = lines.filter((l) => l.t < s || l.t > e)
        expect(rate(inSpan, e - s + 1000), 'spike rate').toBeGreaterThan(5 * rate(outside, t1 - t0 - (e - s)))
      }
    }
  })

  describe('command line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-multihost-'))
    afterAll(() => rmSync(dir, {recursive: true, force: true}))

    it('writes the log and its truth next to it, byte for byte what another process made from the same seed', () => {
      const out = path.join(dir, 'x.log')
      // one hour keeps it quick; the options are those of the log above
      execFileSync(process.execPath, [path.join(repoRoot, 'data/generate-multihost.mjs'), '--seed', '11', '--hours', '1', '--hosts', '5', '--incidents', '10', '--start', '2026-06-09T12:45', '--out', out], {stdio: 'ignore'})
      const here = generate({seed: 11, ...opts, hours: 1}) as {text: string; truth: Truth}
      expect(here.truth.incidents.length).toBe(10)
      expect(readFileSync(out, 'utf8') === here.text).toBe(true)
      expect(JSON.parse(readFileSync(path.join(dir, 'x.truth.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(here.truth)))
    })
  })
})
