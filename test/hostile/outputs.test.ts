import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {writeSummaries} from '../../src/core/explain/documents.js'
import {summarizeIncidents} from '../../src/core/explain/summarize.js'
import {FlareError} from '../../src/core/errors.js'
import {checkOutputs, openOutput, writeFileAtomic, writeFolderAtomic} from '../../src/core/io/output.js'
import {detect} from '../../src/core/pipeline.js'
import {repoRoot, runCli} from '../helpers/cli.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-outputs-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')

async function refusal(promise: Promise<unknown>): Promise<FlareError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(FlareError)
  return error as FlareError
}

describe('an output that is an input', () => {
  it('is refused by path, hard link and symbolic link', async () => {
    const log = path.join(dir, 'in.log')
    fs.copyFileSync(sample, log)
    fs.linkSync(log, path.join(dir, 'hard.log'))
    fs.symlinkSync(log, path.join(dir, 'soft.log'))
    for (const out of ['in.log', 'hard.log', 'soft.log']) {
      const error = await refusal(checkOutputs([{path: path.join(dir, out), flag: '-o'}], [log]))
      expect(error.exitCode).toBe(2)
      expect(error.message).toMatch(/is the input/)
    }
    expect(fs.readFileSync(log)).toEqual(fs.readFileSync(sample))
  })

  it('is refused by the CLI before any work, leaving the log intact (detect -i X -o X)', async () => {
    const log = path.join(dir, 'cli.log')
    fs.copyFileSync(sample, log)
    const r = await runCli(['detect', '-i', log, '-o', log, '--no-track'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/is the input/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(fs.readFileSync(log)).toEqual(fs.readFileSync(sample))
  })
})

describe('atomic writes', () => {
  it('leave the previous file as it was when the write is aborted', async () => {
    const target = path.join(dir, 'keep.json')
    fs.writeFileSync(target, 'GOOD')
    const out = await openOutput(target)
    out.stream.write('partial')
    await out.abort()
    expect(fs.readFileSync(target, 'utf8')).toBe('GOOD')
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('replace it whole on success', async () => {
    const target = path.join(dir, 'replace.json')
    fs.writeFileSync(target, 'OLD')
    await writeFileAtomic(target, 'NEW')
    expect(fs.readFileSync(target, 'utf8')).toBe('NEW')
  })

  it('say "no space left" with exit code 3 on a full device, and leave no temp file', async () => {
    const error = await refusal(writeFileAtomic('/dev/full', 'x'.repeat(1 << 16), {flag: '-o'}))
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe('cannot write /dev/full: no space left on the device')
  })

  it('keep an earlier model folder when filling the new one fails', async () => {
    const model = path.join(dir, 'model')
    fs.mkdirSync(model)
    fs.writeFileSync(path.join(model, 'bundle.json'), 'OLD')
    await refusal(writeFolderAtomic(model, async (staging) => {
      fs.writeFileSync(path.join(staging, 'bundle.json'), 'NEW')
      throw new FlareError('disk went away')
    }))
    expect(fs.readFileSync(path.join(model, 'bundle.json'), 'utf8')).toBe('OLD')
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.model'))).toEqual([])
  })
})

describe('stdout on a full device', () => {
  it('is one line and exit code 3, no stack', async () => {
    const {spawnSync} = await import('node:child_process')
    const fd = fs.openSync('/dev/full', 'w')
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'detect', '-i', sample, '--json', '--no-track'], {stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', env: {...process.env, NO_COLOR: '1', MLFLOW_TRACKING_URI: ''}})
    fs.closeSync(fd)
    expect(r.status).toBe(3)
    expect(r.stderr.trim().split('\n')[0]).toBe('Error: cannot write standard output: no space left on the device')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('a summaries file written again', () => {
  it('keeps its good summaries when the new run fails them, and takes new good ones', async () => {
    const out = await detect({input: sample})
    const results = out.results
    const target = path.join(dir, 'summaries.json')
    const first = await summarizeIncidents(results)
    expect(first.incidents.every((r) => r.status === 'ok')).toBe(true)
    await writeSummaries(target, first)
    // A later run that failed every incident but one, and only asked for INC-001 and INC-002.
    const failed = {
      ...first,
      incidents: first.incidents.slice(0, 2).map((r, i) => (i === 0 ? {...r, status: 'error' as const, summary: null, error: 'HTTP 529'} : {...r, summary: r.summary && {...r.summary, explanation: 'REWRITTEN'}})),
    }
    const written = await writeSummaries(target, failed)
    expect(written.incidents.map((r) => r.incident_id)).toEqual(first.incidents.map((r) => r.incident_id))
    expect(written.incidents[0]).toEqual(first.incidents[0])
    expect(written.incidents[1]!.summary!.explanation).toBe('REWRITTEN')
    expect(written.totals.ok).toBe(first.incidents.length)
    expect(JSON.parse(fs.readFileSync(target, 'utf8'))).toEqual(written)
  })

  it('is replaced, not merged, when it holds summaries of other results', async () => {
    const results = (await detect({input: sample})).results
    const target = path.join(dir, 'other.json')
    const doc = await summarizeIncidents(results)
    await writeSummaries(target, {...doc, source: {...doc.source, input: 'another-run.log'}})
    const written = await writeSummaries(target, {...doc, incidents: doc.incidents.slice(0, 1)})
    expect(written.incidents).toHaveLength(1)
    expect(written.source.input).toBe(doc.source.input)
  })
})

describe('outputs that would destroy other files of the run', () => {
  it('--save-model refuses a folder holding anything but a model, and one holding an input', async () => {
    const logs = path.join(dir, 'logsdir')
    fs.mkdirSync(logs)
    fs.copyFileSync(sample, path.join(logs, 'app.log'))
    fs.writeFileSync(path.join(logs, 'notes.txt'), 'mine')
    const r = await runCli(['detect', '-i', path.join(logs, 'app.log'), '--save-model', logs, '--no-track'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--save-model \S+logsdir holds the input \S+app\.log: replacing the folder would delete it/)
    const other = path.join(dir, 'other.log')
    fs.copyFileSync(sample, other)
    const r2 = await runCli(['detect', '-i', other, '--save-model', logs, '--no-track'])
    expect(r2.code).toBe(2)
    expect(r2.stderr).toMatch(/holds files that are not a Flare model's \(app\.log, notes\.txt\): replacing the folder would delete them/)
    expect(r2.stderr).not.toMatch(/\n\s+at /)
    expect(fs.readdirSync(logs).sort()).toEqual(['app.log', 'notes.txt'])
    expect(fs.readFileSync(path.join(logs, 'notes.txt'), 'utf8')).toBe('mine')
  })

  it('--save-model replaces an earlier model and fills an empty folder, keeping the folder\'s permissions', async () => {
    const model = path.join(dir, 'model-again')
    fs.mkdirSync(model)
    fs.chmodSync(model, 0o750)
    const first = await runCli(['detect', '-i', sample, '--save-model', model, '--no-track'])
    expect(first.code, first.stderr).toBe(0)
    expect(fs.readdirSync(model).sort()).toEqual(['bundle.json', 'detector.json', 'templates.json', 'vocab.json'])
    const second = await runCli(['detect', '-i', sample, '--save-model', model, '--no-track'])
    expect(second.code, second.stderr).toBe(0)
    expect(fs.statSync(model).mode & 0o777).toBe(0o750)
  })

  it('refuses -o over the config file, and a --state that is an output or the input (parse)', async () => {
    const cfg = path.join(dir, 'cfg.json')
    fs.writeFileSync(cfg, '{"drain":{"simThreshold":0.5}}')
    const d = await runCli(['detect', '-i', sample, '--config', cfg, '-o', cfg, '--no-track'])
    expect(d.code).toBe(2)
    expect(d.stderr).toMatch(/-o \S+cfg\.json is the input/)
    const p = await runCli(['parse', '-i', sample, '--config', cfg, '-o', cfg])
    expect(p.code).toBe(2)
    expect(fs.readFileSync(cfg, 'utf8')).toBe('{"drain":{"simThreshold":0.5}}')
    const csv = path.join(dir, 'p.csv')
    const same = await runCli(['parse', '-i', sample, '-o', csv, '--state', csv])
    expect(same.code).toBe(2)
    expect(same.stderr).toMatch(/--state \S+p\.csv is also the output of -o/)
    const templates = await runCli(['parse', '-i', sample, '-o', path.join(dir, 'o1.csv'), '--state', path.join(dir, 'o1_templates.csv')])
    expect(templates.code).toBe(2)
    expect(templates.stderr).toMatch(/is also the output of -o \(its _templates\.csv\)/)
    const log = path.join(dir, 'state-is-input.log')
    fs.copyFileSync(sample, log)
    const input = await runCli(['parse', '-i', log, '-o', path.join(dir, 'x.csv'), '--state', log])
    expect(input.code).toBe(2)
    expect(input.stderr).toMatch(/--state \S+ is the input/)
    expect(fs.readFileSync(log)).toEqual(fs.readFileSync(sample))
    expect(fs.existsSync(csv)).toBe(false)
  })

  it('refuses -o whose .summaries.json (detect --summarize) would overwrite an input', async () => {
    const labels = path.join(dir, 'r.summaries.json')
    fs.copyFileSync(path.join(repoRoot, 'data/hdfs_sample_labels.csv'), labels)
    const r = await runCli(['detect', '-i', sample, '--labels', labels, '-o', path.join(dir, 'r.json'), '--summarize', '--no-track'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/-o \(its \.summaries\.json\) \S+r\.summaries\.json is the input/)
    expect(fs.existsSync(path.join(dir, 'r.json'))).toBe(false)
  })
})
