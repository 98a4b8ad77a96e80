import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import {repoRoot} from '../../helpers/cli.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-window-model-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

describe('a saved window-rate model', () => {
  it('scores a log as the model in memory did once saved and loaded, and a damaged baseline is refused', async () => {
    const input = path.join(repoRoot, 'data/syslog_sample.log')
    const fitted = await detect({input})
    expect(fitted.results.summary.detector).toBe('window-rate')
    const folder = path.join(dir, 'model')
    await saveBundle(folder, fitted.bundle)
    // (scored against its profiles, one window at a time: the fitted log's own bursts are its normal now)
    const inMemory = await detect({input, model: fitted.bundle})
    const again = await detect({input, model: await loadBundle(folder)})
    expect(again.results.anomalies).toEqual(inMemory.results.anomalies)
    expect(again.results.incidents.map((i) => [i.time_range, i.templates[0]?.template])).toEqual(inMemory.results.incidents.map((i) => [i.time_range, i.templates[0]?.template]))
    const file = path.join(folder, 'detector.json')
    const json = JSON.parse(fs.readFileSync(file, 'utf8'))
    const stream = Object.keys(json.state.baselines)[0]!
    json.state.baselines[stream][0] = [-1, 0]
    fs.writeFileSync(file, JSON.stringify(json))
    await expect(loadBundle(folder)).rejects.toThrow(/invalid model/)
  })
})
