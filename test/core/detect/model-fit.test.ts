import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {IngestWarning} from '../../../src/core/ingest/index.js'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import {datasets, runCli} from '../../helpers/cli.js'

const HDFS = 'data/hdfs_sample.log'

/** HDFS lines whose message words are reversed: same format and block ids, templates the model never saw. */
function disguise(line: string): string {
  const at = line.indexOf(': ')
  return line.slice(0, at + 2) + line.slice(at + 2).replace(/\b(?!blk_)[A-Za-z]{4,}\b/g, (w) => [...w].reverse().join(''))
}

describe('a model checks that the log fits it before scoring', () => {
  let dir: string
  let model: ModelBundle
  let lines: string[]
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flare-fit-'))
    const out = await detect({input: HDFS})
    await saveBundle(join(dir, 'hdfs'), out.bundle)
    model = await loadBundle(join(dir, 'hdfs'))
    lines = (await readFile(HDFS, 'utf8')).split('\n').filter(Boolean)
  }, 60_000)
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  const scoreWith = async (text: string, extra: Partial<Parameters<typeof detect>[0]> = {}): Promise<IngestWarning[]> => {
    const file = join(dir, `log-${Math.random().toString(36).slice(2)}.log`)
    await writeFile(file, text)
    const warnings: IngestWarning[] = []
    await detect({input: file, model: await loadBundle(join(dir, 'hdfs')), onWarning: (w) => warnings.push(w), ...extra})
    return warnings
  }

  it('the log it was fitted on passes without a word', async () => {
    expect(await scoreWith(lines.join('\n'))).toEqual([])
  })

  it('a log in another format is refused (exit 3), naming both formats and the fix', async () => {
    const error = await detect({input: 'data/service_sample.jsonl', model}).catch((e: unknown) => e)
    expect(error).toMatchObject({exitCode: 3, message: expect.stringMatching(/fitted on hdfs logs.*looks like jsonl/)})
    expect((error as {hint: string}).hint).toMatch(/--save-model/)
  })

  it('a share of never-seen templates warns; a majority is refused', async () => {
    const some = lines.map((l, i) => (i % 5 === 0 ? disguise(l) : l)).join('\n')
    const warnings = await scoreWith(some)
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/% of its events .* never saw/)
    const most = lines.map((l, i) => (i % 5 === 0 ? l : disguise(l))).join('\n')
    await expect(scoreWith(most)).rejects.toMatchObject({exitCode: 3, message: expect.stringMatching(/does not fit the model: \d+% of its events/)})
  })

  it('--session-key is honoured when it is the model\'s key and refused with a reason otherwise', async () => {
    expect(await scoreWith(lines.join('\n'), {sessionKey: 'block'})).toEqual([])
    await expect(scoreWith(lines.join('\n'), {sessionKey: 'window'})).rejects.toMatchObject({exitCode: 2, message: expect.stringMatching(/--session-key window does not fit the model: it was fitted on sessions by block/)})
  })

  it('flare detect --model --session-key request: exit 2 with the reason, not ignored', async () => {
    const r = await runCli(['detect', '-i', HDFS, '--model', join(dir, 'hdfs'), '--session-key', 'request', '--no-track'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/fitted on sessions by block/)
  }, 30_000)

  const linux = join(datasets, 'loghub-2k/Linux/Linux_2k.log')
  const mac = join(datasets, 'loghub-2k/Mac/Mac_2k.log')
  it.skipIf(!existsSync(linux) || !existsSync(mac))('a model of one syslog log refuses another syslog log (skipped without loghub-2k)', async () => {
    const out = await detect({input: linux})
    await saveBundle(join(dir, 'linux'), out.bundle)
    const error = await detect({input: mac, model: await loadBundle(join(dir, 'linux'))}).catch((e: unknown) => e)
    expect(error).toMatchObject({exitCode: 3, message: expect.stringMatching(/templates the model .* never saw/)})
  }, 60_000)
})
