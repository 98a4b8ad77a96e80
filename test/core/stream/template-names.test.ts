import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {LiveLine} from '../../../src/core/stream/contracts.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {loadLiveState, saveLiveState} from '../../../src/core/stream/state.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-names-'))
  await saveBundle(join(dir, 'model'), (await detect({input: 'data/hdfs_sample.log'})).bundle)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

const model = (): Promise<ModelBundle> => loadBundle(join(dir, 'model'))
const lines = (texts: string[]): LiveLine[] => texts.map((text) => ({text, source: 'x', arrivedAt: 0}))
const at = (s: number, text: string): string => `081109 2140${String(s).padStart(2, '0')} 2561 INFO dfs.DataNode$DataXceiver: ${text}`

// One new event in three shapes (a word that varies, one of another length), and traffic that differs per instance.
const novel = [
  at(1, 'Quota exceeded for blk_11 on volume alpha'),
  at(2, 'Quota exceeded for blk_12 on volume beta'),
  at(3, 'Quota exceeded for blk_13 on volume gamma extra'),
  at(4, 'Quota exceeded for blk_14 on volume delta'),
]
const otherA = [at(0, 'Rebalancer moved blk_21 to rack 4'), at(0, 'Rebalancer moved blk_22 to rack 5'), at(0, 'Receiving block blk_77 src: /10.0.0.1:1 dest: /10.0.0.2:50010')]
const otherB = [at(0, 'Heartbeat lost from blk_31 peer 9 after 3 tries'), at(0, 'Scrubber found blk_32 clean'), at(0, 'Scrubber found blk_33 clean')]

/** Derived id of every template whose text starts with `prefix`. */
function idsOf(engine: LiveEngine, prefix: string): string[] {
  const t = engine.parser.templates
  return t.metas.map((_, i) => i).filter((i) => t.text(i).startsWith(prefix)).map((i) => t.id(i)).sort()
}

describe('names of templates unseen in training', () => {
  it('two instances with different traffic before and lines in another order name the new template identically', async () => {
    const a = new LiveEngine({model: await model()})
    const b = new LiveEngine({model: await model()})
    a.ingest(lines([...otherA, ...novel]))
    b.ingest(lines([...otherB, ...[...novel].reverse()]))
    a.finish()
    b.finish()
    const ids = idsOf(a, 'Quota exceeded')
    expect(ids.length).toBeGreaterThan(0)
    for (const id of ids) expect(id).toMatch(/^N[0-9a-f]{10}$/)
    expect(idsOf(b, 'Quota exceeded')).toEqual(ids)
    // The miners themselves numbered it differently (other templates came first on b).
    const minerIds = (e: LiveEngine): string[] => e.parser.miner!.templates().filter((t) => t.template.startsWith('Quota')).map((t) => t.id)
    expect(minerIds(a)).not.toEqual(minerIds(b))
    // A template of the model keeps its id.
    const trained = (await model()).miner.templates().find((t) => t.template.startsWith('Receiving block'))!
    expect(idsOf(a, 'Receiving block')).toEqual([trained.id])
  })

  it('incident signatures carry the derived names, and a state restore keeps them', async () => {
    const a = new LiveEngine({model: await model()})
    a.ingest(lines([...otherA, ...novel]))
    const events = a.finish()
    const ids = idsOf(a, 'Quota exceeded')
    const signatures = events.flatMap((e) => e.incident.signature)
    expect(signatures.some((s) => ids.includes(s))).toBe(true)
    expect(signatures.filter((s) => s.startsWith('T') || s.startsWith('N')).length).toBe(signatures.length)

    await saveLiveState(join(dir, 'state.json'), {miner: a.parser.miner!, nextIncident: a.nextIncident, names: a.parser.templates.derivedNames()})
    // The file shows the names beside the miner's own ids.
    const saved = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {template_names: Record<string, string>}
    expect(Object.values(saved.template_names)).toEqual(expect.arrayContaining(ids))
    for (const [minerId, name] of Object.entries(saved.template_names)) {
      expect(minerId).toMatch(/^T\d+$/)
      expect(name).toMatch(/^N[0-9a-f]{10}$/)
    }
    const state = await loadLiveState(join(dir, 'state.json'))
    const restored = new LiveEngine({model: await model(), miner: state!.miner})
    restored.ingest(lines([...otherB, at(9, 'Quota exceeded for blk_19 on volume omega')]))
    restored.finish()
    // The restored miner numbers nothing anew: the one template seen again has its name of before.
    const again = idsOf(restored, 'Quota exceeded')
    expect(again).toHaveLength(1)
    expect(ids).toContain(again[0])
  })

  it('names the first 50 unseen templates in a note each, then counts them (one note per power of ten)', async () => {
    const notes: string[] = []
    const engine = new LiveEngine({model: await model(), onNote: (n) => notes.push(n)})
    // 1,000 shapes unlike anything in training (a different word count each time: a template each)
    const words = (k: number): string => Array.from({length: 2 + (k % 40)}, (_, i) => `w${k}x${i}`).join(' ')
    const texts = Array.from({length: 1000}, (_, k) => at(k % 60, `Novel${k} event ${words(k)} for blk_${900 + k}`))
    engine.ingest(lines(texts))
    engine.finish()
    const unseen = engine.stats().unseenTemplates
    expect(unseen).toBeGreaterThan(100)
    const named = notes.filter((n) => /^template \S+ unseen in training: /.test(n))
    expect(named).toHaveLength(50)
    const counted = notes.filter((n) => /templates unseen in training so far/.test(n))
    expect(counted.length).toBe(unseen >= 1000 ? 2 : 1)
    expect(counted[0]).toMatch(/^100 templates unseen in training so far \(only the first 50 are named\)/)
  })
})

