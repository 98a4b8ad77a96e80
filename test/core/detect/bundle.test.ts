import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect, type DetectOutput} from '../../../src/core/pipeline.js'

const HDFS = 'data/hdfs_sample.log'
const HDFS_LABELS = 'data/hdfs_sample_labels.csv'

describe('ensemble and model bundles on hdfs_sample', () => {
  let dir: string
  let ensemble: DetectOutput
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flare-bundle-'))
    ensemble = await detect({input: HDFS, labelsPath: HDFS_LABELS, detector: 'ensemble', detectorParams: {members: 'invariants-mining,pca'}})
    await saveBundle(join(dir, 'ensemble'), ensemble.bundle)
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('the bundle records each member\'s features, and a reloaded ensemble scores exactly as the fitted one', async () => {
    const {features, feature_columns} = ensemble.bundle.manifest
    expect(features.members?.map((m) => [m.detector, m.sets.join('+')])).toEqual([['invariants-mining', 'counts+unseen'], ['pca', 'presence+counts']])
    expect(feature_columns.some((c) => c.startsWith('invariants-mining/count:'))).toBe(true)
    expect(feature_columns.some((c) => c.startsWith('pca/has:'))).toBe(true)
    const model = await loadBundle(join(dir, 'ensemble'))
    const again = await detect({input: HDFS, model})
    expect(Array.from(again.scores)).toEqual(Array.from(ensemble.scores))
    // incidents are explained on one member's block, with plain column names
    expect(again.results.incidents.some((inc) => inc.reasons.some((r) => r.feature.startsWith('count:')))).toBe(true)
    for (const inc of again.results.incidents) for (const r of inc.reasons) expect(r.feature).not.toMatch(/\//)
  })

  it('the default ensemble is no worse than its best member', async () => {
    const f1 = async (detector: string) => (await detect({input: HDFS, labelsPath: HDFS_LABELS, detector})).results.evaluation!.f1
    const members = await Promise.all(['invariants-mining', 'rare-template'].map(f1))
    expect(await f1('ensemble')).toBeGreaterThanOrEqual(Math.max(...members))
  })

  it('rejects a bundle whose vocabulary does not give the feature columns its manifest lists', async () => {
    const other = await detect({input: 'data/service_sample.jsonl', detector: 'invariants-mining'})
    const mixed = join(dir, 'mixed-vocab')
    await saveBundle(mixed, other.bundle)
    await copyFile(join(dir, 'ensemble', 'vocab.json'), join(mixed, 'vocab.json'))
    await expect(loadBundle(mixed)).rejects.toThrow(/vocab\.json does not match bundle\.json/)
  })

  it('rejects a bundle whose detector was fitted on a different number of features', async () => {
    const mixed = join(dir, 'mixed-detector')
    await saveBundle(mixed, ensemble.bundle)
    const detector = JSON.parse(await readFile(join(mixed, 'detector.json'), 'utf8'))
    detector.state.nFeatures -= 1
    await writeFile(join(mixed, 'detector.json'), JSON.stringify(detector))
    await expect(loadBundle(mixed)).rejects.toThrow(new RegExp(`fitted on ${ensemble.bundle.manifest.feature_columns.length - 1} features`))
  })

  it('scoring a matrix of the wrong width fails with a hint, not a wrong answer', async () => {
    const other = await detect({input: 'data/service_sample.jsonl', detector: 'invariants-mining'})
    expect(() => ensemble.bundle.detector.score(other.matrix)).toThrow(/fitted on \d+ features but got \d+/)
  })
})
