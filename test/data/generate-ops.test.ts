import {describe, expect, it} from 'vitest'
import type {Truth} from '../helpers/generator-truth.js'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate} from '../../data/generate-ops.mjs'

const LINE = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) ([\w.-]+) ([\w./-]+)(?:\[(\d+)\])?: (.+)$/
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const KINDS = ['new-failure', 'rate-spike', 'flapping', 'job-failing', 'quiet']

// Five hours with one incident of each kind: fast, and every kind appears.
const opts = {hours: 5, incidents: 5, start: '2026-04-14'}
const a = generate({seed: 4, ...opts}) as {text: string; truth: Truth}
const year = new Date(a.truth.start).getUTCFullYear()
const lines = a.text.trimEnd().split('\n').map((l) => {
  const m = LINE.exec(l)
  if (!m) throw new Error(`not an RFC 3164 line: ${l}`)
  return {t: Date.UTC(year, MONTHS.indexOf(m[1]), Number(m[2].trim()), Number(m[3]), Number(m[4]), Number(m[5])), host: m[6], prog: m[7], msg: m[9]}
})

describe('generate-ops', () => {
  it('is deterministic: the same seed gives the same bytes and truth, another seed another day', () => {
    const again = generate({seed: 4, ...opts}) as {text: string; truth: Truth}
    expect(again.text).toBe(a.text)
    expect(again.truth).toEqual(a.truth)
    const other = generate({seed: 5, ...opts}) as {text: string; truth: Truth}
    expect(other.text === a.text).toBe(false)
    expect(other.truth.incidents.map((i) => `${i.kind}@${i.start}`)).not.toEqual(a.truth.incidents.map((i) => `${i.kind}@${i.start}`))
  })

  it('writes RFC 3164 lines in time order, on its five hosts, with the count the truth gives', () => {
    expect(lines).toHaveLength(a.truth.lines)
    for (let i = 1; i < lines.length; i++) expect(lines[i].t).toBeGreaterThanOrEqual(lines[i - 1].t)
    expect(new Set(lines.map((l) => l.host))).toEqual(new Set(a.truth.hosts.map((h) => h.name)))
    expect(lines[0].t).toBeGreaterThanOrEqual(Date.parse(a.truth.start))
    expect(lines[lines.length - 1].t).toBeLessThan(Date.parse(a.truth.end))
  })

  it('gives every app line a req= id of its own', () => {
    const ids = lines.flatMap((l) => [...l.msg.matchAll(/req=(\w+)/g)].map((m) => m[1]))
    expect(ids.length).toBeGreaterThan(1000)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('has a well-formed truth: one incident of each kind, inside the log, on its hosts, its marker in its span', () => {
    const {incidents, hosts} = a.truth
    expect(a.truth.generator).toBe('data/generate-ops.mjs')
    expect(incidents.map((i) => i.kind).sort()).toEqual([...KINDS].sort())
    expect(new Set(incidents.map((i) => i.id)).size).toBe(incidents.length)
    const names = new Set(hosts.map((h) => h.name))
    for (const inc of incidents) {
      const s = Date.parse(inc.start)
      const e = Date.parse(inc.end)
      expect(s).toBeLessThanOrEqual(e)
      expect(s).toBeGreaterThanOrEqual(Date.parse(a.truth.start))
      expect(e).toBeLessThan(Date.parse(a.truth.end))
      for (const h of inc.hosts) expect(names.has(h)).toBe(true)
      if (inc.kind === 'quiet') {
        expect(inc.marker).toBeNull()
        const {host, program} = inc.silent!
        expect(lines.filter((l) => l.host === host && (program === null || l.prog === program) && l.t > s && l.t < e)).toEqual([])
      } else {
        const marked = lines.filter((l) => l.msg.includes(inc.marker!) && inc.hosts.includes(l.host))
        expect(marked.some((l) => l.t >= s && l.t <= e + 1000)).toBe(true)
        expect(inc.lines).toBeGreaterThan(0)
      }
    }
  })
})
