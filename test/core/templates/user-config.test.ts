import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FlareError} from '../../../src/core/errors.js'
import {TemplateMiner} from '../../../src/core/templates/index.js'
import {parseTemplateState} from '../../../src/core/templates/state-schema.js'
import {loadUserConfig, writeDrainSettings} from '../../../src/core/mining/parser-config-file.js'
import {parseUserConfig} from '../../../src/core/templates/user-config.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-user-config-'))

function failure(value: unknown): FlareError {
  try {
    parseUserConfig(value, 'flare.config.json')
  } catch (error) {
    return error as FlareError
  }
  throw new Error('the config was accepted')
}

describe('parser config file', () => {
  it('names the offending key of a bad regex, an unknown key and an out-of-range value (exit 2)', () => {
    const bad = failure({masking: [{regex: 'a', mask: 'A'}, {regex: 'b', mask: 'B'}, {regex: '(unclosed', mask: 'C'}]})
    expect(bad.exitCode).toBe(2)
    expect(bad.message).toMatch(/^flare\.config\.json: masking\[2\]\.regex: Invalid regular expression/)
    expect(failure({drain: {simThreshold: 0.5, sim_th: 0.4}}).message).toMatch(/drain\.sim_th: unknown key/)
    expect(failure({masks: []}).message).toMatch(/: masks: unknown key/)
    expect(failure({drain: {depth: 2}}).message).toMatch(/drain\.depth: .*>=3/)
    expect(failure({drain: {simThreshold: 1.2}}).message).toMatch(/drain\.simThreshold/)
    expect(failure({masking: [{regex: 'x', mask: 'has space'}]}).message).toMatch(/masking\[0\]\.mask/)
    expect(failure({extraDelimiters: [' ']}).message).toMatch(/extraDelimiters\[0\]/)
  })

  it('reads ./flare.config.json when there is one, and only the keys it sets', async () => {
    expect((await loadUserConfig(undefined, tmp)).parser).toEqual({})
    writeFileSync(path.join(tmp, 'flare.config.json'), JSON.stringify({drain: {simThreshold: 0.45}}))
    const loaded = await loadUserConfig(undefined, tmp)
    expect(loaded.parser).toEqual({drain: {simThreshold: 0.45}})
    const miner = new TemplateMiner(loaded.parser)
    expect(miner.config.drain.simThreshold).toBe(0.45)
    expect(miner.config.drain.depth).toBe(new TemplateMiner().config.drain.depth)
    await expect(loadUserConfig(path.join(tmp, 'missing.json'))).rejects.toMatchObject({exitCode: 2})
  })

  it('--write-config keeps the rules already in the file', async () => {
    const file = path.join(tmp, 'written.json')
    writeFileSync(file, JSON.stringify({masking: [{regex: 'req-\\d+', mask: 'REQ'}]}))
    await writeDrainSettings(file, {simThreshold: 0.5, depth: 5})
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({masking: [{regex: 'req-\\d+', mask: 'REQ'}], drain: {simThreshold: 0.5, depth: 5}})
  })
})

describe('user masking rules and extra delimiters', () => {
  const rules = [{regex: 'req-[0-9a-f]+', mask: 'REQ'}, {regex: '\\d+\\.\\d+\\.\\d+\\.\\d+', mask: 'IP'}]

  it('mask what the built-in masking leaves, and give the values back as parameters', () => {
    // Without the rule, a request id without digits is a literal word.
    expect(new TemplateMiner().add('served req-abc from cache').template).toBe('served req-abc from cache')

    const miner = new TemplateMiner({rules, extractParams: true})
    const first = miner.add('served req-abc from cache, id=req-12 peer 10.1.2.3')
    const second = miner.add('served req-ffe from cache, id=req-9a peer 10.1.2.4')
    expect(second.templateId).toBe(first.templateId)
    expect(second.change).toBe('none')
    expect(first.template).toBe('served <*> from cache, id=<*> peer <*>')
    expect(second.params).toEqual([
      {value: 'req-ffe', type: 'other'},
      {value: 'req-9a', type: 'other'},
      {value: '10.1.2.4', type: 'ip'},
    ])
    expect(miner.extractParams('served req-01 from cache, id=req-02 peer 1.1.1.1', first.templateId)?.map((p) => p.value)).toEqual(['req-01', 'req-02', '1.1.1.1'])
  })

  it('split on extra delimiters as on whitespace (Drain3 extra_delimiters)', () => {
    const miner = new TemplateMiner({extraDelimiters: ['_', '::']})
    const t = miner.add('job_17_done::ok')
    expect(t.template).toBe('job <*> done ok')
    expect(miner.add('job_18_done::ok').templateId).toBe(t.templateId)
  })

  it('are recorded in the saved state and come back with it', () => {
    const miner = new TemplateMiner({rules, extraDelimiters: ['_']})
    miner.add('served req-abc from cache')
    const state = parseTemplateState(JSON.parse(JSON.stringify(miner.toJSON())))
    expect(state.config.rules).toEqual(rules)
    expect(state.config.extraDelimiters).toEqual(['_'])
    const again = TemplateMiner.fromJSON(state)
    expect(again.match('served req-0ff from cache')?.template).toBe('served <*> from cache')
    // A state from before rules existed still loads, with none.
    const old = JSON.parse(JSON.stringify(new TemplateMiner().toJSON()))
    delete old.config.rules
    delete old.config.extraDelimiters
    expect(parseTemplateState(old).config.rules).toEqual([])
  })
})
