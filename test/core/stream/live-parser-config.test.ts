import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {LiveLine} from '../../../src/core/stream/contracts.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {runCli} from '../../helpers/cli.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-live-config-'))
})
afterAll(() => rm(dir, {recursive: true, force: true}))

const lines = (texts: string[]): LiveLine[] => texts.map((text) => ({text, source: 'x', arrivedAt: 0}))
const hdfs = (text: string): string => `081109 214043 2561 INFO dfs.DataNode$DataXceiver: ${text}`
// `_` is a delimiter in these settings: client_alpha is two words.
const settings = {extraDelimiters: ['_'], rules: [{regex: 'req-[0-9a-f]{8}', mask: 'REQ'}]}

function texts(engine: LiveEngine, word: string): string[] {
  const t = engine.parser.templates
  return t.metas.map((_, i) => t.text(i)).filter((x) => x.includes(word))
}

describe('the live parser settings', () => {
  it('mine with the parser config (--config) when fitting on the stream', () => {
    const stream = Array.from({length: 40}, (_, i) => hdfs(`Served req-0a1b2c${String(i % 10).padStart(2, '0')} for client_alpha blk_${i}`))
    const configured = new LiveEngine({trainFor: {records: 1000}, format: 'hdfs', parser: settings})
    const plain = new LiveEngine({trainFor: {records: 1000}, format: 'hdfs'})
    configured.ingest(lines(stream))
    plain.ingest(lines(stream))
    expect(texts(configured, 'Served')).toEqual(['Served <*> for client alpha blk <*>'])
    expect(texts(plain, 'Served')[0]).toContain('client_alpha')
  })

  it('mine with the settings saved in the model when scoring with one (rules rewrite lines off the byte path)', async () => {
    const fitted = await detect({input: 'data/hdfs_sample.log', parser: settings})
    await saveBundle(join(dir, 'model'), fitted.bundle)
    const engine = new LiveEngine({model: await loadBundle(join(dir, 'model'))})
    engine.ingest(lines([hdfs('Quota reached for client_beta on blk_1'), hdfs('Quota reached for client_gamma on blk_2')]))
    engine.finish()
    expect(texts(engine, 'Quota')).toEqual(['Quota reached for client <*> on blk <*>'])
  })

  it('replay and collect read --config and refuse an invalid one before any work', async () => {
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({drain: {simThreshold: 3}}))
    for (const command of ['replay', 'collect']) {
      const args = command === 'replay' ? ['replay', '-i', 'data/hdfs_sample.log', '--config', bad] : ['collect', 'data/hdfs_sample.log', '--config', bad]
      const r = await runCli(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(/simThreshold/)
    }
  })
})
