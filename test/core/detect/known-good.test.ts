import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {mulberry32} from '../../../src/core/detect/random.js'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import {datasets} from '../../helpers/cli.js'

/**
 * Known-good protocol: a model fitted on normal sessions only scores new traffic. Templates no
 * normal session showed have no count column in that model; the `unseen` column is how
 * invariants-mining and rare-template still see them.
 */

/** Lines of a seeded `share` of the normal blocks → train; everything else → test. */
async function split(log: string, labels: string, dir: string, share = 0.5, seed = 42): Promise<{train: string; test: string}> {
  const anomalous = new Map<string, boolean>()
  for (const l of (await readFile(labels, 'utf8')).split('\n').slice(1)) {
    const [b, y] = l.split(',')
    if (b) anomalous.set(b.trim(), y.trim() === 'Anomaly')
  }
  const normal = [...anomalous].filter(([, a]) => !a).map(([b]) => b).sort()
  const rand = mulberry32(seed)
  for (let i = normal.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[normal[i], normal[j]] = [normal[j], normal[i]]
  }
  const train = new Set(normal.slice(0, Math.round(normal.length * share)))
  const a: string[] = []
  const b: string[] = []
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    if (!line) continue
    const block = /blk_-?\d+/.exec(line)?.[0]
    ;(block !== undefined && train.has(block) ? a : b).push(line)
  }
  await writeFile(join(dir, 'train.log'), a.join('\n') + '\n')
  await writeFile(join(dir, 'test.log'), b.join('\n') + '\n')
  return {train: join(dir, 'train.log'), test: join(dir, 'test.log')}
}

async function knownGood(log: string, labels: string, dir: string, detector: string) {
  const {train, test} = await split(log, labels, dir)
  const fitted = await detect({input: train, detector})
  await saveBundle(join(dir, detector), fitted.bundle)
  const model = await loadBundle(join(dir, detector))
  const scored = await detect({input: test, model, labelsPath: labels})
  const known = model.vocabulary.index
  const withUnseen = Array.from(scored.sessions, (s) => {
    for (let k = 0; k < s.templates.length; k += 3) if (!known.has(scored.mined.templates[s.templates[k]].id)) return true
    return false
  })
  return {scored, withUnseen}
}

describe('known-good protocol', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flare-known-good-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  for (const detector of ['invariants-mining', 'rare-template']) {
    it(`${detector}: every session holding a template the normal sessions never showed is flagged (hdfs_sample)`, async () => {
      const {scored, withUnseen} = await knownGood('data/hdfs_sample.log', 'data/hdfs_sample_labels.csv', dir, detector)
      expect(withUnseen.filter(Boolean).length).toBeGreaterThan(0)
      withUnseen.forEach((u, i) => {
        if (u) expect(scored.predicted[i], scored.sessions.at(i)!.id).toBe(1)
      })
    }, 60_000)
  }

  const log = join(datasets, 'hdfs/HDFS_2percent.log')
  const labels = join(datasets, 'hdfs/HDFS_2percent_anomaly_label.csv')
  it.skipIf(!existsSync(log))('HDFS_2percent, fit on half the normal blocks: invariants-mining F1 ≥ 0.97 (skipped without the dataset)', async () => {
    const {scored} = await knownGood(log, labels, dir, 'invariants-mining')
    expect(scored.results.evaluation!.f1).toBeGreaterThanOrEqual(0.97)
  }, 120_000)
})
