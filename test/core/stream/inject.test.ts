import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readLineBatches} from '../../../src/core/ingest/index.js'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {Injector, parseInjection} from '../../../src/core/stream/inject.js'

const SAMPLE = 'data/hdfs_sample.log'
let dir: string
let lines: string[]
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-inject-'))
  await saveBundle(join(dir, 'model'), (await detect({input: SAMPLE})).bundle)
  lines = []
  for await (const batch of readLineBatches(SAMPLE)) lines.push(...batch)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

function inject(spec: string): {injector: Injector; out: string[]} {
  const injector = new Injector(parseInjection(spec), 'hdfs')
  const out: string[] = []
  for (const line of lines) injector.apply(line, out)
  injector.finish(out)
  return {injector, out}
}

describe('anomaly injection', () => {
  it('is seeded: the same spec changes the same sessions, another seed others', () => {
    const a = inject('error:0.05,drop:0.05,seed=3')
    const b = inject('error:0.05,drop:0.05,seed=3')
    const c = inject('error:0.05,drop:0.05,seed=4')
    expect(a.injector.injected.length).toBeGreaterThan(5)
    expect(b.injector.truthCsv()).toBe(a.injector.truthCsv())
    expect(c.injector.truthCsv()).not.toBe(a.injector.truthCsv())
    const drops = a.injector.injected.filter((i) => i.kind === 'drop').length
    const errors = a.injector.injected.filter((i) => i.kind === 'error').length
    expect(a.out.length).toBe(lines.length - drops + errors)
  })

  it('keeps every line of a reorder, swapped with its session\'s next one', () => {
    const {injector, out} = inject('reorder:0.05,seed=5')
    expect(injector.injected.length).toBeGreaterThan(0)
    expect([...out].sort()).toEqual([...lines].sort())
    expect(out).not.toEqual(lines)
  })

  it('a silent host drops every later line of its session; a latency shift scales the bare numbers of them', () => {
    const silent = inject('silent:0.05,seed=11')
    const gone = new Set(silent.injector.injected.map((i) => i.session))
    expect(gone.size).toBeGreaterThan(2)
    for (const i of silent.injector.injected) {
      const kept = silent.out.filter((l) => l.includes(`${i.session} `) || l.endsWith(i.session))
      const before = lines.slice(0, i.line - 1).filter((l) => l.includes(`${i.session} `) || l.endsWith(i.session))
      expect(kept).toEqual(before)
    }
    const slow = inject('latency:0.2,seed=11')
    expect(slow.out.length).toBe(lines.length)
    const changed = slow.out.filter((l, k) => l !== lines[k])
    expect(changed.length).toBeGreaterThan(0)
    // Only numbers change (×10: one more digit), never block ids or addresses.
    for (const l of changed) {
      const k = slow.out.indexOf(l)
      expect(l.replace(/\d+/g, '#')).toBe(lines[k].replace(/\d+/g, '#'))
      expect(l.match(/blk_-?\d+/g)).toEqual(lines[k].match(/blk_-?\d+/g))
    }
  })

  it('injected error lines and bursts are caught by the engine with a model of the clean log', async () => {
    const {injector, out} = inject('error:0.05,burst:0.05,seed=9')
    const flagged = new Set<string>()
    const engine = new LiveEngine({model: await loadBundle(join(dir, 'model')), idleMs: 7 * 86_400_000, onScored: (s) => s.anomalous && flagged.add(s.id)})
    engine.ingest(out.map((text) => ({text, source: SAMPLE, arrivedAt: Number.NaN})))
    engine.finish()
    const missed = injector.injected.filter((i) => !flagged.has(i.session))
    expect(injector.injected.length).toBeGreaterThan(5)
    expect(missed).toEqual([])
  })

  it('refuses an unknown kind', () => {
    expect(() => parseInjection('explode:0.1')).toThrow(/invalid --inject part/)
  })
})
