import {describe, expect, it} from 'vitest'
import type {Truth} from '../helpers/generator-truth.js'
import {accessFormat} from '../../src/core/ingest/index.js'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate} from '../../data/generate-access.mjs'

const KINDS = ['upstream-down', 'overload', 'deploy-bug', 'auth-outage', 'rate-limit', 'quiet']

// Six hours with one incident of each kind: fast, and every kind appears.
const opts = {hours: 6, incidents: 6, start: '2026-04-14'}
const a = generate({seed: 4, ...opts}) as {text: string; truth: Truth}
const raw = a.text.trimEnd().split('\n')
const lines = raw.map((text, i) => {
  const r = accessFormat.parse(text, i + 1)
  if (!r) throw new Error(`not an access line: ${text}`)
  return {t: r.timestamp!, host: r.host!, text, status: Number(/" (\d{3}) /.exec(text)![1])}
})

describe('generate-access', () => {
  it('is deterministic: the same seed gives the same bytes and truth, another seed another day', () => {
    const again = generate({seed: 4, ...opts}) as {text: string; truth: Truth}
    expect(again.text).toBe(a.text)
    expect(again.truth).toEqual(a.truth)
    const other = generate({seed: 5, ...opts}) as {text: string; truth: Truth}
    expect(other.text === a.text).toBe(false)
    expect(other.truth.incidents.map((i) => `${i.kind}@${i.start}`)).not.toEqual(a.truth.incidents.map((i) => `${i.kind}@${i.start}`))
  })

  it("writes access lines Flare parses, in time order, each on one of the truth's vhosts", () => {
    expect(lines).toHaveLength(a.truth.lines)
    expect(lines.findIndex((l, i) => i > 0 && l.t < lines[i - 1].t)).toBe(-1)
    expect(new Set(lines.map((l) => l.host))).toEqual(new Set(a.truth.hosts.map((h) => h.name)))
    expect(lines[0].t).toBeGreaterThanOrEqual(Date.parse(a.truth.start))
    expect(lines[lines.length - 1].t).toBeLessThan(Date.parse(a.truth.end))
  })

  it('has the normal noise: scanner 404s, health checks, 499s, 304s and stray 5xx outside incidents', () => {
    const inIncident = (t: number) => a.truth.incidents.some((i) => t >= Date.parse(i.start) - 1000 && t <= Date.parse(i.end) + 1000)
    expect(raw.filter((l) => l.includes('/wp-login.php') || l.includes('/.env')).length).toBeGreaterThan(5)
    expect(raw.filter((l) => l.includes('"GET /healthz HTTP/1.1" 200')).length).toBeGreaterThan(4 * 6 * 300)
    for (const s of [499, 304, 401]) expect(lines.some((l) => l.status === s)).toBe(true)
    expect(lines.some((l) => l.status >= 500 && !inIncident(l.t))).toBe(true)
  })

  it('has a well-formed truth: one incident of each kind, inside the log, apart, on its vhosts, its marker in its span', () => {
    const {incidents, hosts} = a.truth
    expect(a.truth.generator).toBe('data/generate-access.mjs')
    expect(incidents.map((i) => i.kind).sort()).toEqual([...KINDS].sort())
    expect(new Set(incidents.map((i) => i.id)).size).toBe(incidents.length)
    const names = new Set(hosts.map((h) => h.name))
    const spans = incidents.map((i) => [Date.parse(i.start), Date.parse(i.end)]).sort((x, y) => x[0] - y[0])
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThan(spans[i - 1][1])
    for (const inc of incidents) {
      const s = Date.parse(inc.start)
      const e = Date.parse(inc.end)
      expect(s).toBeLessThanOrEqual(e)
      expect(s).toBeGreaterThanOrEqual(Date.parse(a.truth.start))
      expect(e).toBeLessThan(Date.parse(a.truth.end))
      for (const h of inc.hosts) expect(names.has(h)).toBe(true)
      if (inc.kind === 'quiet') {
        expect(inc.marker).toBeNull()
        expect(inc.silent).toEqual({host: inc.hosts[0], program: null})
        expect(lines.filter((l) => l.host === inc.silent!.host && l.t > s && l.t < e)).toEqual([])
      } else {
        const marked = lines.filter((l) => l.text.includes(inc.marker!) && inc.hosts.includes(l.host))
        expect(marked.some((l) => l.t >= s && l.t <= e + 1000)).toBe(true)
        expect(inc.lines).toBeGreaterThan(0)
      }
    }
  })
})
