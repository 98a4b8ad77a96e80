/** `flare parse --config / --explain / --truth / --sweep` as a user runs them. */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse as parseCsv} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'
import {datasets, repoRoot, runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-parse-tuning-'))
const loghub = path.join(datasets, 'loghub-2k')
const haveLoghub = existsSync(path.join(loghub, 'Linux/Linux_2k.log'))
const hdfsSample = path.join(repoRoot, 'data/hdfs_sample.log')

function folder(name: string, config?: unknown): string {
  const dir = path.join(tmp, name)
  mkdirSync(dir, {recursive: true})
  if (config !== undefined) writeFileSync(path.join(dir, 'flare.config.json'), typeof config === 'string' ? config : JSON.stringify(config))
  return dir
}

/** loghub GA computed the plain way from two EventId columns, to check --truth against. */
function groupingAccuracy(predicted: string[], truth: string[]): number {
  const members = new Map<string, number[]>()
  predicted.forEach((p, i) => members.set(p, [...(members.get(p) ?? []), i]))
  const size = new Map<string, number>()
  for (const t of truth) size.set(t, (size.get(t) ?? 0) + 1)
  let correct = 0
  for (const lines of members.values()) if (lines.every((i) => truth[i] === truth[lines[0]]) && size.get(truth[lines[0]]) === lines.length) correct += lines.length
  return correct / predicted.length
}

describe('parser config file on the CLI', () => {
  it('exits 2 naming the key, on parse and on detect, before reading the log', async () => {
    const dir = folder('bad-regex', {masking: [{regex: 'ok', mask: 'A'}, {regex: 'x', mask: 'B'}, {regex: '[', mask: 'C'}]})
    const parse = await runCli(['parse', '-i', hdfsSample, '-o', '-'], {cwd: dir})
    expect(parse.code).toBe(2)
    expect(parse.stderr).toMatch(/masking\[2\]\.regex: Invalid regular expression/)
    expect(parse.stdout).toBe('')
    const detect = await runCli(['detect', '-i', hdfsSample, '--config', path.join(folder('unknown', {drain: {sim_th: 0.4}}), 'flare.config.json')], {cwd: dir})
    expect(detect.code).toBe(2)
    expect(detect.stderr).toMatch(/drain\.sim_th: unknown key/)
    const range = await runCli(['parse', '-i', hdfsSample, '-o', '-', '--json'], {cwd: folder('range', {drain: {maxChildren: 1}})})
    expect(range.code).toBe(2)
    expect(JSON.parse(range.stdout).error.message).toMatch(/drain\.maxChildren/)
  })

  it('changes the templates, and a saved model records the settings', async () => {
    const dir = folder('rules', {masking: [{regex: 'blk_-?\\d+', mask: 'BLOCK'}], drain: {simThreshold: 0.7}})
    const model = path.join(dir, 'model')
    const run = await runCli(['detect', '-i', hdfsSample, '--save-model', model, '--no-track'], {cwd: dir})
    expect(run.code).toBe(0)
    const state = JSON.parse(readFileSync(path.join(model, 'templates.json'), 'utf8'))
    expect(state.config.rules).toEqual([{regex: 'blk_-?\\d+', mask: 'BLOCK'}])
    expect(state.config.drain.simThreshold).toBe(0.7)
    const csv = await runCli(['parse', '-i', hdfsSample, '-o', '-', '--config', path.join(dir, 'flare.config.json')], {cwd: tmp})
    expect(csv.code).toBe(0)
    const rows = parseCsv(csv.stdout, {columns: true}) as Array<Record<string, string>>
    const withBlock = rows.find((r) => /blk_/.test(r.Content))!
    expect(JSON.parse(withBlock.ParameterList)).toContain(withBlock.Content.match(/blk_-?\d+/)![0])
  })
})

describe('flare parse --explain', () => {
  it('shows tokens, masks, the templates compared and the decision; --json has the same', async () => {
    const a = 'user alice logged in from 10.0.0.1'
    const b = 'user bob logged in from 10.0.0.2'
    const human = await runCli(['parse', '--explain', a, '--explain', b], {cwd: folder('explain')})
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('10.0.0.1:ip')
    expect(human.stdout).toContain('starts a new one')
    const json = await runCli(['parse', '--explain', a, '--explain', b, '--json'], {cwd: folder('explain')})
    const report = JSON.parse(json.stdout)
    expect(report.explanations).toHaveLength(2)
    const [first, second] = report.explanations
    expect(first.decision).toBe('new')
    expect(first.tokens.map((t: {masked: string}) => t.masked)).toEqual(['user', 'alice', 'logged', 'in', 'from', '<*>'])
    // depth 4 routes on the first two tokens: bob's line meets no template of alice's.
    expect(second.route).toEqual(['6 tokens', 'user', 'bob'])
    expect(second.candidates).toEqual([])
    expect(second.templateId).not.toBe(first.templateId)
  })

  it('with -i, explains a log line (header taken off) against the templates of that log', async () => {
    const line = readFileSync(hdfsSample, 'utf8').split('\n')[3]
    const run = await runCli(['parse', '-i', hdfsSample, '--explain', line, '--json'], {cwd: folder('explain-i')})
    expect(run.code).toBe(0)
    const [e] = JSON.parse(run.stdout).explanations
    expect(e.content.length).toBeLessThan(line.length)
    expect(line.endsWith(e.content)).toBe(true)
    expect(e.decision).toBe('seen')
    // The shape was mined before: the masked-line cache decides, whatever the similarity says.
    expect(e.candidates.map((c: {templateId: string}) => c.templateId)).toContain(e.templateId)
  })
})

describe('flare parse --truth and --sweep', () => {
  it.runIf(haveLoghub)('prints GA/PA/FGA/FTA that agree with the CSV it writes (loghub-2k Linux; HDFS groups perfectly)', async () => {
    const log = path.join(loghub, 'Linux/Linux_2k.log')
    const truthCsv = `${log}_structured.csv`
    const run = await runCli(['parse', '-i', log, '--truth', truthCsv, '--json'], {cwd: folder('truth')})
    expect(run.code).toBe(0)
    const {metrics} = JSON.parse(run.stdout)
    const csv = await runCli(['parse', '-i', log, '-o', '-'], {cwd: folder('truth')})
    const ours = parseCsv(csv.stdout, {columns: true}) as Array<Record<string, string>>
    const truth = parseCsv(readFileSync(truthCsv), {columns: true}) as Array<Record<string, string>>
    expect(metrics.messages).toBe(truth.length)
    expect(metrics.ga).toBeCloseTo(groupingAccuracy(ours.map((r) => r.EventId), truth.map((r) => r.EventId)), 12)
    for (const k of ['pa', 'fga', 'fta']) expect(metrics[k]).toBeGreaterThan(0)
    expect(metrics.fta).toBeLessThanOrEqual(metrics.fga)
    const human = await runCli(['parse', '-i', log, '--truth', truthCsv], {cwd: folder('truth')})
    expect(human.stdout).toMatch(/GA \(grouping accuracy\)\s*│\s*0\.\d{3}/)
    const hdfs = await runCli(['parse', '-i', path.join(loghub, 'HDFS/HDFS_2k.log'), '--truth', path.join(loghub, 'HDFS/HDFS_2k.log_structured.csv'), '--json'], {cwd: folder('truth')})
    expect(JSON.parse(hdfs.stdout).metrics.ga).toBe(1)
  })

  it.runIf(haveLoghub)('ranks settings by GA with a truth, and --write-config writes the best one', async () => {
    const log = path.join(loghub, 'Linux/Linux_2k.log')
    const dir = folder('sweep', {masking: [{regex: 'NODEVssh', mask: 'TTY'}]})
    const run = await runCli(['parse', '-i', log, '--truth', `${log}_structured.csv`, '--sweep', 'sim=0.2,0.6;depth=3,4', '--write-config', '--json'], {cwd: dir})
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.ranked).toHaveLength(4)
    const gas = report.ranked.map((s: {truth: {ga: number}}) => s.truth.ga)
    expect(gas).toEqual([...gas].sort((x: number, y: number) => y - x))
    expect(report.ranked.map((s: {rank: number}) => s.rank)).toEqual([1, 2, 3, 4])
    const written = JSON.parse(readFileSync(path.join(dir, 'flare.config.json'), 'utf8'))
    expect(written.masking).toEqual([{regex: 'NODEVssh', mask: 'TTY'}])
    expect(written.drain).toMatchObject({simThreshold: report.best.drain.simThreshold, depth: report.best.drain.depth})
    // The written config reproduces the best GA.
    const again = await runCli(['parse', '-i', log, '--truth', `${log}_structured.csv`, '--json'], {cwd: dir})
    expect(JSON.parse(again.stdout).metrics.ga).toBeCloseTo(report.best.truth.ga, 12)
  })

  it('without a truth, ranks by the unsupervised score and penalises a threshold that merges everything', async () => {
    const log = path.join(tmp, 'events.log')
    const lines: string[] = []
    for (let i = 0; i < 60; i++) {
      lines.push(`worker ${i % 7} started job ${1000 + i}`)
      lines.push(`worker ${i % 7} stopped job ${1000 + i}`)
      lines.push(`worker ${i % 7} failed job ${1000 + i}`)
    }
    writeFileSync(log, lines.join('\n') + '\n')
    const run = await runCli(['parse', '-i', log, '--sweep', 'sim=0.1,0.9', '--json'], {cwd: folder('unsupervised')})
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.ranked_by).toBe('unsupervised')
    const scores = report.ranked.map((s: {score: number}) => s.score)
    expect(scores).toEqual([...scores].sort((x: number, y: number) => y - x))
    const bySim = Object.fromEntries(report.ranked.map((s: {drain: {simThreshold: number}}) => [s.drain.simThreshold, s]))
    // sim 0.1 folds started/stopped/failed into one template: its generalised share shows it.
    expect(bySim['0.1'].templates).toBeLessThan(bySim['0.9'].templates)
    expect(bySim['0.1'].generalisedShare).toBeGreaterThan(bySim['0.9'].generalisedShare)
    expect(report.best.drain.simThreshold).toBe(0.9)
    for (const s of report.ranked) expect(s.stability).toBeGreaterThan(0)
  })

  it('rejects a bad sweep spec with exit 2', async () => {
    const run = await runCli(['parse', '-i', hdfsSample, '--sweep', 'sim=0.4;depth=2'], {cwd: folder('bad-sweep')})
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/depth=2/)
    const noSweep = await runCli(['parse', '-i', hdfsSample, '--write-config'], {cwd: folder('bad-sweep')})
    expect(noSweep.code).toBe(2)
  })
})
