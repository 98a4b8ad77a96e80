import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseToCsv} from '../../src/core/mining/csv-export.js'
import {repoRoot, runCli} from '../helpers/cli.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-parse-out-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')
const csv = path.join(dir, 'good.csv')
const templates = path.join(dir, 'good_templates.csv')
let goodCsv: Buffer
let goodTemplates: Buffer

beforeAll(async () => {
  await parseToCsv({input: sample, output: csv})
  goodCsv = fs.readFileSync(csv)
  goodTemplates = fs.readFileSync(templates)
})

function expectUntouched(): void {
  expect(fs.readFileSync(csv).equals(goodCsv)).toBe(true)
  expect(fs.readFileSync(templates).equals(goodTemplates)).toBe(true)
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
}

describe('a failed `flare parse` leaves the previous CSVs byte for byte', () => {
  const bad: Array<[string, () => string, number]> = [
    ['a missing input', () => path.join(dir, 'nope.log'), 3],
    ['binary input', () => {
      const p = path.join(dir, 'bin.dat')
      fs.writeFileSync(p, Buffer.from([0, 1, 2, 0, 0, 255, 0, 7]))
      return p
    }, 3],
    ['a truncated gzip', () => {
      const p = path.join(dir, 'cut.gz')
      const gz = gzipSync(fs.readFileSync(sample))
      fs.writeFileSync(p, gz.subarray(0, gz.length >> 1))
      return p
    }, 3],
    ['an empty input', () => {
      const p = path.join(dir, 'empty.log')
      fs.writeFileSync(p, '\n\n')
      return p
    }, 3],
  ]
  for (const [what, make, code] of bad) {
    it(`on ${what}: exit ${code}, one clear line`, async () => {
      const r = await runCli(['parse', '-i', make(), '-o', csv])
      expect(r.code).toBe(code)
      expect(r.stderr).toMatch(/^Error: /m)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expectUntouched()
    })
  }

  it('on a corrupt --state file', async () => {
    const state = path.join(dir, 'state.json')
    fs.writeFileSync(state, '{"version": 99, "clusters": "no"}')
    const r = await runCli(['parse', '-i', sample, '-o', csv, '--state', state])
    expect(r.code).toBe(3)
    expectUntouched()
  })

  it('when interrupted mid-run (aborted)', async () => {
    const big = path.join(dir, 'big.log')
    fs.writeFileSync(big, fs.readFileSync(sample, 'utf8').repeat(20))
    const controller = new AbortController()
    const run = parseToCsv({input: big, output: csv, jobs: 1, signal: controller.signal, onProgress: () => controller.abort(new Error('interrupted'))})
    await expect(run).rejects.toThrow()
    expectUntouched()
  })

  it('refuses -o naming the input, and an input named as its own _templates.csv', async () => {
    const log = path.join(dir, 'self.log')
    fs.copyFileSync(sample, log)
    expect((await runCli(['parse', '-i', log, '-o', log])).code).toBe(2)
    const csvInput = path.join(dir, 'x_templates.csv')
    fs.copyFileSync(sample, csvInput)
    const r = await runCli(['parse', '-i', csvInput, '-o', path.join(dir, 'x.csv')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/is the input/)
    expect(fs.readFileSync(csvInput).equals(fs.readFileSync(sample))).toBe(true)
  })
})

describe('`flare parse` and stdout, --state checked up front', () => {
  it('refuses -o - with --json (both on stdout): exit 2, stdout one JSON document, nothing parsed', async () => {
    for (const target of ['-', '/dev/stdout']) {
      const r = await runCli(['parse', '-i', sample, '-o', target, '--json'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stdout).not.toContain('LineId')
      expect(JSON.parse(r.stdout).error).toMatchObject({exit_code: 2, message: `-o ${target} and --json both write to stdout: the CSV and the JSON summary would mix`})
      expect(r.stderr.split('\n')[0]).toBe(`Error: -o ${target} and --json both write to stdout: the CSV and the JSON summary would mix`)
    }
    // the CSV alone on stdout, the summary on stderr, stays as it was
    const csvOnly = await runCli(['parse', '-i', sample, '-o', '-'])
    expect(csvOnly.code, csvOnly.stderr).toBe(0)
    expect(csvOnly.stdout.startsWith('LineId,EventId,')).toBe(true)
    expect(csvOnly.stderr).toContain('templates')
  })

  it('refuses a --state in a missing folder before parsing: exit 2, no CSV written', async () => {
    const out = path.join(dir, 'state-missing.csv')
    const state = path.join(dir, 'missing', 's.json')
    const r = await runCli(['parse', '-i', sample, '-o', out, '--state', state])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe(`Error: cannot write ${state}: the folder ${path.dirname(state)} does not exist`)
    expect(r.stderr).toContain('--state')
    expect(fs.existsSync(out)).toBe(false)
    expect(fs.existsSync(path.join(dir, 'state-missing_templates.csv'))).toBe(false)
    // a --state that is the log, or the CSV, is refused too
    expect((await runCli(['parse', '-i', sample, '-o', out, '--state', sample])).stderr).toMatch(/--state .* is the input/)
    expect((await runCli(['parse', '-i', sample, '-o', out, '--state', out])).code).toBe(2)
    expect(fs.existsSync(out)).toBe(false)
  })

  it('-o - into a full device is one line and exit code 3, as for detect', async () => {
    const {spawnSync} = await import('node:child_process')
    const fd = fs.openSync('/dev/full', 'w')
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'parse', '-i', sample, '-o', '-'], {stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
    fs.closeSync(fd)
    expect(r.status, r.stderr).toBe(3)
    expect(r.stderr.trim().split('\n')[0]).toBe('Error: cannot write standard output: no space left on the device')
    expect(r.stderr).not.toContain('bug in Flare')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
