import {cp, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle} from '../../../src/core/model-bundle.js'
import {saveTemplateState} from '../../../src/core/mining/state-file.js'
import {detect, type DetectOutput} from '../../../src/core/pipeline.js'
import {templateWithoutSecrets} from '../../../src/core/mining/saved-state.js'

// Credentials a service logs word for word on every line: Drain keeps such a token as a constant.
const PASSWORD = 'hunter2secret'
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcDEF123'
const AWS = 'AKIAIOSFODNN7EXAMPLE'

/** Three hosts, ten minutes; every request line carries the same credentials, and (`burst`) one host has a burst of errors. */
function logWithSecrets(burst = true): string {
  const lines: string[] = []
  for (let s = 0; s < 600; s++) {
    const t = new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString()
    const host = `web${s % 3}`
    lines.push(`${t} ${host} app[${100 + (s % 7)}]: INFO connecting to db with password=${PASSWORD} pool ${s % 5}`)
    lines.push(`${t} ${host} app[${100 + (s % 7)}]: INFO upstream call Authorization: Bearer ${BEARER} took ${20 + (s % 13)} ms`)
    lines.push(`${t} ${host} app[${100 + (s % 7)}]: INFO s3 client key ${AWS} listed bucket logs`)
    if (burst && host === 'web1' && s > 400 && s < 430) lines.push(`${t} ${host} app[101]: ERROR db connection refused after ${s % 4} retries`)
  }
  return lines.join('\n') + '\n'
}

describe('saved templates carry no credentials', () => {
  let dir: string
  let log: string
  let clean: string
  let fitted: DetectOutput
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flare-bundle-secrets-'))
    log = join(dir, 'app.log')
    clean = join(dir, 'clean.log')
    await writeFile(log, logWithSecrets())
    await writeFile(clean, logWithSecrets(false))
    fitted = await detect({input: clean})
    await saveBundle(join(dir, 'model'), fitted.bundle)
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('the miner kept the credentials as constants (what the mask is for)', () => {
    const text = fitted.bundle.miner.toJSON().clusters.map((c) => c.template).join('\n')
    expect(text).toContain(PASSWORD)
    expect(text).toContain(AWS)
  })

  it('a saved model\'s templates.json holds none of them, and its other files none either', async () => {
    for (const name of ['templates.json', 'vocab.json', 'detector.json', 'bundle.json']) {
      const text = await readFile(join(dir, 'model', name), 'utf8')
      for (const secret of [PASSWORD, BEARER, AWS]) expect(text, `${name} holds ${secret}`).not.toContain(secret)
    }
    const templates = JSON.parse(await readFile(join(dir, 'model', 'templates.json'), 'utf8')) as {clusters: Array<{template: string}>}
    // the rest of each template is kept as written
    expect(templates.clusters.map((c) => c.template)).toContain('INFO connecting to db with <*> pool <*>')
  })

  it('a reloaded model scores a log exactly as the same model saved with its credentials does', async () => {
    // (a saved windowed model scores each window alone, not as the fit did: the reference is the
    // same bundle with its templates as mined)
    const raw = join(dir, 'raw-model')
    await cp(join(dir, 'model'), raw, {recursive: true})
    await writeFile(join(raw, 'templates.json'), JSON.stringify(fitted.bundle.miner.toJSON()))
    const [masked, unmasked] = await Promise.all([loadBundle(join(dir, 'model')), loadBundle(raw)])
    const a = await detect({input: log, model: masked})
    const b = await detect({input: log, model: unmasked})
    expect(a.mined.templates.slice(0, fitted.mined.templates.length).map((t) => t.id)).toEqual(fitted.mined.templates.map((t) => t.id))
    expect(a.mined.templates.map((t) => t.id)).toEqual(b.mined.templates.map((t) => t.id))
    expect(Array.from(a.scores)).toEqual(Array.from(b.scores))
    expect(a.results.incidents.length).toBeGreaterThan(0)
    expect(a.results.incidents.map((i) => [i.id, i.size])).toEqual(b.results.incidents.map((i) => [i.id, i.size]))
  })

  it('parse --state files are saved without them too', async () => {
    const path = join(dir, 'state.json')
    await saveTemplateState(path, fitted.bundle.miner)
    const text = await readFile(path, 'utf8')
    for (const secret of [PASSWORD, BEARER, AWS]) expect(text).not.toContain(secret)
  })

  it('masks whole tokens, and leaves templates without credentials as they are', () => {
    expect(templateWithoutSecrets(`login ok password=${PASSWORD} user <*>`)).toBe('login ok <*> user <*>')
    expect(templateWithoutSecrets('Receiving block <*> src: <*> dest: <*>')).toBe('Receiving block <*> src: <*> dest: <*>')
    expect(templateWithoutSecrets('')).toBe('')
  })
})
