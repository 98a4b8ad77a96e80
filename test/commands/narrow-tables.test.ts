import {mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import stringWidth from 'string-width'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, repoRoot, runCli as runInRepo} from '../helpers/cli.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from '../tracking/mlflow-context.js'

// Every command that prints a table, run as a user would in a split tmux pane and in a wide one.
const WIDTHS = [40, 60, 80, 120]
const ANSI = /\u001B\[[0-9;]*m/g
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-narrow-'))
// Run from a scratch directory with short relative paths: a path longer than the terminal is one
// word that no wrapping can split (as the user would see it), and it is not what is tested here.
symlinkSync(path.join(repoRoot, 'data'), path.join(tmp, 'data'))
const runCli: typeof runInRepo = (args, options = {}) => runInRepo(args, {cwd: tmp, ...options})
const results = 'results.json'
const labelled = ['-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv']

/** Lines wider than `columns` as the terminal shows them (colour codes stripped). */
function overflowing(text: string, columns: number): string[] {
  return text.split('\n').filter((line) => stringWidth(line.replace(ANSI, '')) > columns)
}

/** A figure cut short: a word that starts as a number and ends in an ellipsis ("6,6…", "0.9…"). */
const CUT_NUMBER = /(^|[\s│(])\d[\d,.]*%?…/m

/**
 * Exit 0, no line wider than the terminal, no number cut short with an ellipsis (`quotesLogs`:
 * output that quotes log lines cut to fit, IP addresses and all, by design, is not checked for that).
 */
function expectFits(r: CliResult, columns: number, what: string, quotesLogs = false): string {
  expect(r.code, `${what}: ${r.stderr}`).toBe(0)
  expect(overflowing(r.stdout, columns), `${what} at ${columns} columns:\n${r.stdout}`).toEqual([])
  if (!quotesLogs) expect(r.stdout, what).not.toMatch(CUT_NUMBER)
  return r.stdout.replace(ANSI, '')
}

describe('tables in a terminal 40 to 120 columns wide', () => {
  beforeAll(async () => {
    const detected = await runCli(['detect', ...labelled, '--no-track', '-o', results])
    expect(detected.code, detected.stderr).toBe(0)
  })

  for (const columns of WIDTHS) {
    it(`detect, parse, summarize and replay fit ${columns} columns with their figures whole`, async () => {
      const env = {COLUMNS: String(columns)}
      const [detect, parse, explain, summarize, dryRun, replay] = await Promise.all([
        runCli(['detect', ...labelled, '--no-track'], {env}),
        runCli(['parse', '-i', 'data/hdfs_sample.log', '-o', `parsed-${columns}.csv`], {env}),
        runCli(['parse', '-i', 'data/hdfs_sample.log', '--explain', 'Receiving block blk_1 src: /10.0.0.1:50010 dest: /10.0.0.2:50010'], {env}),
        runCli(['summarize', '-i', results, '--eval'], {env}),
        runCli(['summarize', '-i', results, '--dry-run'], {env}),
        runCli(['replay', ...labelled, '--max'], {env}),
      ])

      const d = expectFits(detect, columns, 'detect')
      for (const figure of ['6,625', '(3.9%)', '1.000']) expect(d).toContain(figure)
      for (let i = 1; i <= 5; i++) expect(d).toContain(`INC-00${i}`)
      if (columns < 80) {
        // stacked: one "header: value" line per cell, the figures whole
        expect(d).toMatch(/^sessions: +360$/m)
        expect(d).toMatch(/^templates: +19$/m)
        expect(d).toMatch(/^TN: +346$/m)
        expect(d).not.toContain('│')
      } else {
        // as wide as before: the bordered tables
        expect(d).toMatch(/│ lines │ templates │ sessions │ anomalous │ incidents │ +time │/)
        expect(d).toMatch(/│ +6,625 │ +19 │ +360 │ 14 \(3\.9%\) │ +5 │/)
        expect(d).toMatch(/│ +346 │ +360 │/)
      }

      const p = expectFits(parse, columns, 'parse')
      expect(p).toMatch(/records:?[\s│]+6,625\b/)
      expect(p).toMatch(/templates:?[\s│]+19\b/)
      expect(expectFits(explain, columns, 'parse --explain')).toContain('Receiving block <*> src: <*>')
      const s = expectFits(summarize, columns, 'summarize --eval', true)
      expect(s.split('\n').filter((line) => !/^ {4}line \d+ /.test(line)).join('\n')).not.toMatch(CUT_NUMBER)
      expect(s).toContain('INC-005')
      expect(s).toContain('100%')
      const dry = expectFits(dryRun, columns, 'summarize --dry-run')
      expect(dry).toMatch(/requests/)
      expect(dry).toMatch(/\$0\b/)
      const r = expectFits(replay, columns, 'replay')
      expect(r).toContain('6,625')
      expect(r).toMatch(/unseen/)
    })
  }

  it('coloured (FORCE_COLOR) stacked tables fit 40 columns too; NO_COLOR and pipes stay plain', async () => {
    const coloured = await runCli(['detect', ...labelled, '--no-track'], {env: {COLUMNS: '40', NO_COLOR: undefined, FORCE_COLOR: '1'}})
    expect(coloured.stdout).toMatch(ANSI)
    const plain = expectFits(coloured, 40, 'coloured detect')
    expect(plain).toMatch(/^sessions: +360$/m)
    const noColour = await runCli(['detect', ...labelled, '--no-track'], {env: {COLUMNS: '40'}})
    expect(noColour.stdout).not.toContain('\u001B')
  })

  it('--json is the same document in a narrow terminal', async () => {
    const [narrow, wide] = await Promise.all([40, 120].map((columns) => runCli(['detect', '-i', 'data/hdfs_sample.log', '--no-track', '--json'], {env: {COLUMNS: String(columns)}})))
    const strip = (stdout: string) => {
      const document = JSON.parse(stdout)
      delete document.summary.elapsed_ms
      return document
    }
    expect(strip(narrow!.stdout)).toEqual(strip(wide!.stdout))
    expect(strip(narrow!.stdout).summary.sessions).toBe(360)
  })
})

reportMlflowMissing()

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() says how to get one.
describe.skipIf(!mlflowAvailable)('model sweep / list / compare tables in a terminal 40 to 120 columns wide', () => {
  let server: MlflowTestServer
  let env: Record<string, string>
  const gridFile = path.join(tmp, 'grid.json')
  writeFileSync(gridFile, JSON.stringify({'invariants-mining': {minSupport: [0.9, 0.95]}, pca: {varianceRatio: [0.9]}}))

  beforeAll(async () => {
    server = await useMlflowServer()
    env = {MLFLOW_TRACKING_URI: server.uri, FLARE_CACHE_DIR: path.join(tmp, 'cache')}
  })
  afterAll(async () => {
    await server?.close()
  })

  it('fit every width, figures whole (a lone URL, kept clickable, is the one line allowed to overflow)', {timeout: 300_000}, async () => {
    const sweeps = await Promise.all(WIDTHS.map(async (columns) => {
      // short names: "models:/<name>@champion" is printed as one word
      const experiment = uniqueName(`e${columns}`)
      const model = uniqueName(`m${columns}`)
      const r = await runCli(['model', 'sweep', ...labelled, '--grid', gridFile, '--features', 'counts', '--experiment', experiment, '--promote', '--name', model], {env: {...env, COLUMNS: String(columns)}})
      return {columns, experiment, model, r}
    }))
    for (const {columns, experiment, model, r} of sweeps) {
      expect(r.code, r.stderr).toBe(0)
      const lone = overflowing(r.stdout, columns)
      expect(lone.every((line) => /^\s*https?:\/\/\S+$/.test(line)), r.stdout).toBe(true)
      expect(r.stdout).not.toMatch(CUT_NUMBER)
      expect(r.stdout).toContain('minSupport=0.95')
      expect(r.stdout).toMatch(/\b1\.000\b/)
      if (columns < 80) expect(r.stdout).toMatch(/^F1: +1\.000$/m)

      const [list, compare] = await Promise.all([
        runCli(['model', 'list', '--name', model], {env: {...env, COLUMNS: String(columns)}}),
        runCli(['model', 'compare', '--experiment', experiment], {env: {...env, COLUMNS: String(columns)}}),
      ])
      const l = expectFits(list, columns, 'model list')
      expect(l).toContain(model)
      expect(l).toMatch(/champion/)
      expect(l).toMatch(/\b1\.000\b/)
      const c = expectFits(compare, columns, 'model compare')
      expect(c).toMatch(/best by f1/)
      // under 80 columns nothing is left out; wider, the params may be (as before: --json has all)
      if (columns < 80) expect(c).toMatch(/^minSupport: +0\.95$/m)
      expect(c).toMatch(/\b1\.000\b/)
    }
  })
})
