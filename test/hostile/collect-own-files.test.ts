import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ownFiles} from '../../src/core/io/output.js'
import {repoRoot, runCli} from '../helpers/cli.js'

// `flare collect 'g/*' --sink jsonl:g/incidents.log --state g/state.json` followed its own sink
// and state (and the state's temporary file) as logs, and raised incidents about its own events.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-own-files-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')
const model = path.join(dir, 'model')

beforeAll(async () => {
  expect((await runCli(['detect', '-i', sample, '--save-model', model, '--no-track'])).code).toBe(0)
})

describe('files a run writes', () => {
  it('are told apart from the logs beside them: the outputs, their scratch, staging and .bak files', () => {
    const g = path.join(dir, 'g')
    // The state named relative to the working folder, the files found by absolute path: one place.
    const own = ownFiles([{path: path.join(g, 'incidents.log'), flag: '--sink'}, {path: path.relative(process.cwd(), path.join(g, 'state.json')), flag: '--state'}, {path: path.join(g, 'm'), flag: '--save-model'}])
    const flagOf = (name: string): string | undefined => own(path.join(g, name))?.flag
    expect(flagOf('incidents.log')).toBe('--sink')
    expect(flagOf('.incidents.log.4242.tmp')).toBe('--sink')
    expect(flagOf('state.json')).toBe('--state')
    expect(flagOf('.state.json.77.tmp')).toBe('--state')
    expect(flagOf('state.json.a1b2c3d4.bak')).toBe('--state')
    expect(flagOf('m/manifest.json')).toBe('--save-model')
    expect(flagOf('.m.staging-x1/manifest.json')).toBe('--save-model')
    for (const log of ['a.log', 'incidents.log.1', 'state.json.d/x.log', '../h/incidents.log', 'old-incidents.log']) expect(flagOf(log), log).toBeUndefined()
  })

  it("collect 'g/*' never follows its own sink and state, saying so once each; every line it reads is the log's", async () => {
    const g = path.join(dir, 'loop')
    fs.mkdirSync(g)
    fs.copyFileSync(sample, path.join(g, 'a.log'))
    const events = path.join(g, 'incidents.log')
    const r = await runCli(['collect', `${g}/*`, '--from-start', '--model', model, '--sink', `jsonl:${events}`, '--state', path.join(g, 'state.json')], {
      killAfterMs: 60_000,
      onSpawn: (child) => {
        let stderr = ''
        child.stderr!.on('data', (d) => (stderr += d))
        // Stopped once incidents were written and the folder was listed again since (a feedback
        // loop reads them back within that time), and the state was saved at least once.
        const poll = setInterval(() => {
          if (!stderr.includes('collecting from') || !fs.existsSync(events) || fs.statSync(events).size === 0) return
          clearInterval(poll)
          setTimeout(() => child.kill('SIGINT'), 4000)
        }, 100)
      },
    })
    expect(r.code, r.stderr).toBe(0)
    // The log's lines and nothing else (its own events and state read back made it 6,649 lines).
    const stopped = r.stderr.split('\n').find((l) => l.includes('stopped: '))
    expect(stopped).toMatch(/stopped: 6,625 lines/)
    expect(r.stderr).toContain(`not following ${events} (nor its temporary files): this run writes it (--sink)`)
    expect(r.stderr).toContain(`not following ${path.join(g, 'state.json')} (nor its temporary files): this run writes it (--state)`)
    expect(r.stderr.split('\n').filter((l) => /\bfollowing /.test(l) && !l.includes('not following'))).toEqual([])
    const written = fs.readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    for (const event of written) for (const line of (event.incident?.sampleLines ?? []) as string[]) expect(line).not.toContain('"kind"')
  })
})
