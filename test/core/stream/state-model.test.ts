import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {IngestWarning} from '../../../src/core/ingest/index.js'
import {loadBundle, modelFingerprint, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {LiveLine} from '../../../src/core/stream/contracts.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {loadLiveState, saveLiveState} from '../../../src/core/stream/state.js'

const HDFS = 'data/hdfs_sample.log'
const SERVICE = 'data/service_sample.jsonl'
let dir: string
let fingerprints: {hdfs: string; service: string}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-state-model-'))
  const hdfs = await detect({input: HDFS})
  const service = await detect({input: SERVICE})
  await saveBundle(join(dir, 'hdfs'), hdfs.bundle)
  await saveBundle(join(dir, 'service'), service.bundle)
  fingerprints = {hdfs: modelFingerprint(hdfs.bundle.manifest), service: modelFingerprint(service.bundle.manifest)}
})
afterAll(() => rm(dir, {recursive: true, force: true}))

const live = (texts: string[]): LiveLine[] => texts.map((text) => ({text, source: 'x', arrivedAt: Number.NaN}))
const linesOf = async (path: string, n: number): Promise<string[]> => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').slice(0, n)
const NOVEL = '081109 214043 2561 INFO dfs.DataNode$DataXceiver: Totally new event for blk_1 with code 7'

/** Scores a few HDFS lines (one of them new to the model) with the HDFS model and saves the state as the runner does. */
async function stateFromHdfs(path: string, record = true): Promise<{novelId: string}> {
  const engine = new LiveEngine({model: await loadBundle(join(dir, 'hdfs'))})
  engine.ingest(live([...(await linesOf(HDFS, 20)), NOVEL]))
  engine.finish()
  const index = engine.parser.templates.metas.findIndex((_, i) => engine.parser.templates.text(i).startsWith('Totally new'))
  await saveLiveState(path, {miner: engine.parser.miner!, nextIncident: 3, model: record ? engine.modelFingerprint : undefined})
  return {novelId: engine.parser.templates.id(index)}
}

describe('the model a --state file was written with', () => {
  it('the fingerprint is the same for a fitted model, the folder it was saved to and the folder loaded again; another fit differs', async () => {
    const loaded = await loadBundle(join(dir, 'hdfs'))
    expect(fingerprints.hdfs).toMatch(/^sha256:[0-9a-f]{16}$/)
    expect(modelFingerprint(loaded.manifest)).toBe(fingerprints.hdfs)
    expect(modelFingerprint((await loadBundle(join(dir, 'hdfs'))).manifest)).toBe(fingerprints.hdfs)
    expect(fingerprints.service).not.toBe(fingerprints.hdfs)
    // Scoring adds live templates to the miner, never to the manifest: the fingerprint holds.
    const engine = new LiveEngine({model: loaded})
    engine.ingest(live([NOVEL]))
    engine.finish()
    expect(engine.modelFingerprint).toBe(fingerprints.hdfs)
  })

  it('is recorded in the state file and read back', async () => {
    const path = join(dir, 'recorded.json')
    await stateFromHdfs(path)
    const file = JSON.parse(await readFile(path, 'utf8')) as {model_fingerprint?: string}
    expect(file.model_fingerprint).toBe(fingerprints.hdfs)
    expect((await loadLiveState(path))?.model).toBe(fingerprints.hdfs)
  })

  it("a state written with another model: one warning, and the model's templates are used", async () => {
    const path = join(dir, 'other.json')
    await stateFromHdfs(path)
    const state = (await loadLiveState(path))!
    const service: ModelBundle = await loadBundle(join(dir, 'service'))
    const warnings: IngestWarning[] = []
    const engine = new LiveEngine({model: service, miner: state.miner, minerModel: state.model, nextIncident: state.nextIncident, onWarning: (w) => warnings.push(w)})
    expect(warnings).toHaveLength(1)
    expect(warnings[0].code).toBe('state-other-model')
    expect(warnings[0].message).toContain('written with another model')
    expect(warnings[0].message).toContain("starting from the model's")
    expect(warnings[0].message).not.toContain('\n')
    expect(engine.stateUsed).toBe(false)
    const lines = live(await linesOf(SERVICE, 400))
    engine.ingest(lines)
    engine.finish()
    // The same as scoring with that model and no state at all.
    const fresh = new LiveEngine({model: await loadBundle(join(dir, 'service'))})
    fresh.ingest(live(await linesOf(SERVICE, 400)))
    fresh.finish()
    // The service model's own templates: every one of the lines it was fitted on is known to it.
    const modelIds = new Set(service.miner.templates().map((t) => t.id))
    const ids = engine.parser.templates.metas.map((m) => m.id)
    expect(ids.length).toBeGreaterThan(3)
    for (const id of ids) expect(modelIds.has(id)).toBe(true)
    expect(engine.stats().unseenTemplates).toBe(0)
    expect(engine.stats().scored).toBe(fresh.stats().scored)
    expect(engine.stats().anomalous).toBe(fresh.stats().anomalous)
    expect(ids).toEqual(fresh.parser.templates.metas.map((m) => m.id))
    expect(warnings).toHaveLength(1)
    // Saved again from here, the state names the model it now holds templates of.
    expect(engine.modelFingerprint).toBe(fingerprints.service)
  })

  it('a state written with the same model is restored as before (ids of live templates kept)', async () => {
    const path = join(dir, 'same.json')
    const {novelId} = await stateFromHdfs(path)
    expect(novelId).toMatch(/^N[0-9a-f]{10}$/)
    const state = (await loadLiveState(path))!
    const warnings: IngestWarning[] = []
    const engine = new LiveEngine({model: await loadBundle(join(dir, 'hdfs')), miner: state.miner, minerModel: state.model, onWarning: (w) => warnings.push(w)})
    expect(warnings).toEqual([])
    expect(engine.stateUsed).toBe(true)
    engine.ingest(live([NOVEL.replace('blk_1', 'blk_9')]))
    engine.finish()
    expect(engine.parser.templates.metas.map((m) => m.id)).toEqual([novelId])
    expect(engine.stats().templates).toBe(state.miner.size)
  })

  it('a state that records no model (an older file, or saved while --train-for was training) is used as before', async () => {
    const path = join(dir, 'unrecorded.json')
    const {novelId} = await stateFromHdfs(path, false)
    const text = await readFile(path, 'utf8')
    expect(text).not.toContain('model_fingerprint')
    const state = (await loadLiveState(path))!
    expect(state.model).toBeUndefined()
    const warnings: IngestWarning[] = []
    const engine = new LiveEngine({model: await loadBundle(join(dir, 'service')), miner: state.miner, minerModel: state.model, onWarning: (w) => warnings.push(w)})
    expect(warnings).toEqual([])
    expect(engine.stateUsed).toBe(true)
    expect(engine.stats().templates).toBe(state.miner.size)
    engine.ingest(live([NOVEL.replace('blk_1', 'blk_9')]))
    engine.finish()
    expect(engine.parser.templates.metas.map((m) => m.id)).toEqual([novelId])
  })

  it('a model trained on the stream is recorded as it will be saved (--train-for --save-model, then --model)', async () => {
    let trained: ModelBundle | undefined
    const engine = new LiveEngine({trainFor: {records: 4000}, onTrained: (b) => (trained = b)})
    expect(engine.modelFingerprint).toBeUndefined()
    engine.ingest(live(await linesOf(HDFS, 6000)))
    engine.finish()
    expect(engine.modelFingerprint).toBe(modelFingerprint(trained!.manifest))
    await saveBundle(join(dir, 'trained'), trained!)
    expect(modelFingerprint((await loadBundle(join(dir, 'trained'))).manifest)).toBe(engine.modelFingerprint)
  })

  it('a state file whose model_fingerprint is not a string is read as recording none', async () => {
    const path = join(dir, 'odd.json')
    await stateFromHdfs(path)
    const file = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
    await writeFile(path, JSON.stringify({...file, model_fingerprint: 12}))
    expect((await loadLiveState(path))?.model).toBeUndefined()
  })
})
