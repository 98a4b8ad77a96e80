import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {credentialTemplates} from '../../../src/core/mining/template-credentials.js'
import {detect} from '../../../src/core/pipeline.js'
import {runCli} from '../../helpers/cli.js'

// Credentials a service logs word for word on every line: Drain keeps such a token as a constant.
const PASSWORD = 'hunter2secret'
const AWS = 'AKIAIOSFODNN7EXAMPLE'

/** Three hosts, ten minutes; every request line carries the same credentials. */
function logWithSecrets(): string {
  const lines: string[] = []
  for (let s = 0; s < 600; s++) {
    const t = new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString()
    const host = `web${s % 3}`
    lines.push(`${t} ${host} app[${100 + (s % 7)}]: INFO exec mysqldump --password=${PASSWORD} --host=db${s % 4}`)
    lines.push(`${t} ${host} app[${100 + (s % 7)}]: INFO s3 client key ${AWS} listed bucket logs`)
    lines.push(`${t} ${host} app[${100 + (s % 7)}]: INFO request served in ${20 + (s % 13)} ms`)
  }
  return lines.join('\n') + '\n'
}

describe('templates holding credentials in a model that leaves the run', () => {
  let dir: string
  let log: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flare-bundle-secrets-'))
    log = join(dir, 'app.log')
    await writeFile(log, logWithSecrets())
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('are found, and named masked', async () => {
    const {bundle} = await detect({input: log})
    const found = credentialTemplates(bundle.miner.toJSON())
    expect(found).toHaveLength(2)
    expect(found.join('\n')).not.toContain(PASSWORD)
    expect(found.join('\n')).not.toContain(AWS)
    expect(found.some((t) => t.includes('--password=<SECRET_1>'))).toBe(true)
  })

  it('detect --save-model warns once, masked, with the rule that keeps them out; the rule does, and the model still scores the log', async () => {
    const warned = await runCli(['detect', '-i', log, '--save-model', join(dir, 'raw'), '--no-track'], {cwd: dir})
    expect(warned.code, warned.stderr).toBe(0)
    const lines = warned.stderr.split('\n').filter((l) => l.includes('credential'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/the saved model keeps 2 templates holding a credential/)
    expect(warned.stderr).not.toContain(PASSWORD)
    expect(warned.stderr).not.toContain(AWS)
    expect(await readFile(join(dir, 'raw', 'templates.json'), 'utf8')).toContain(PASSWORD)

    // The hint's rule, for both credentials: the values become parameters when mined.
    await writeFile(join(dir, 'flare.config.json'), JSON.stringify({masking: [{regex: '(?<=--password=)\\S+', mask: 'SECRET'}, {regex: '\\bAKIA[0-9A-Z]{16}\\b', mask: 'SECRET'}]}))
    const masked = await runCli(['detect', '-i', log, '--save-model', join(dir, 'masked'), '--no-track'], {cwd: dir})
    expect(masked.code, masked.stderr).toBe(0)
    expect(masked.stderr).not.toMatch(/credential/)
    const saved = await readFile(join(dir, 'masked', 'templates.json'), 'utf8')
    expect(saved).not.toContain(PASSWORD)
    expect(saved).not.toContain(AWS)
    const scored = await runCli(['detect', '-i', log, '--model', join(dir, 'masked'), '--json', '--no-track'], {cwd: dir})
    expect(scored.code, scored.stderr).toBe(0)
    // (every line matches a template of the model: nothing new, nothing anomalous)
    const results = JSON.parse(scored.stdout) as {summary: {anomalies: number; sessions: number; templates: number}}
    expect(results.summary.sessions).toBeGreaterThan(0)
    expect(results.summary.anomalies).toBe(0)
  }, 120_000)
})
