import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {repoRoot, runCli} from '../helpers/cli.js'

// Names Flare chose itself (parse's default CSV, the _templates.csv beside a CSV, detect's
// .summaries.json) never replace a file the user had: for loghub data the default name is the
// ground truth's (Linux_2k.log_structured.csv).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-chosen-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')

function folder(name: string): string {
  const d = path.join(dir, name)
  fs.mkdirSync(d)
  fs.copyFileSync(sample, path.join(d, 'app.log'))
  return d
}

describe('parse with no -o', () => {
  it('refuses to replace an existing <input>_structured.csv: exit 2, a hint, the file byte for byte', async () => {
    const d = folder('truth')
    const truth = path.join(d, 'app.log_structured.csv')
    fs.writeFileSync(truth, 'LineId,EventId,EventTemplate\n1,E1,ground truth\n')
    const before = fs.readFileSync(truth)
    const r = await runCli(['parse', '-i', 'app.log'], {cwd: d})
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      'Error: app.log_structured.csv exists: a default output name never replaces a file',
      '→ pass -o FILE to choose the output, or -o app.log_structured.csv to replace it',
    ])
    expect(fs.readFileSync(truth).equals(before)).toBe(true)
    expect(fs.readdirSync(d).sort()).toEqual(['app.log', 'app.log_structured.csv'])
  })

  it('writes the default name when it is free; -o with that name replaces it', async () => {
    const d = folder('free')
    expect((await runCli(['parse', '-i', 'app.log'], {cwd: d})).code).toBe(0)
    expect(fs.readdirSync(d).sort()).toEqual(['app.log', 'app.log_structured.csv', 'app.log_structured_templates.csv'])
    expect((await runCli(['parse', '-i', 'app.log'], {cwd: d})).code).toBe(2)
    fs.writeFileSync(path.join(d, 'app.log_structured.csv'), 'stale')
    expect((await runCli(['parse', '-i', 'app.log', '-o', 'app.log_structured.csv'], {cwd: d})).code).toBe(0)
    expect(fs.readFileSync(path.join(d, 'app.log_structured.csv'), 'utf8')).toMatch(/^LineId,EventId/)
  })
})

describe('a companion name derived from -o', () => {
  it("refuses an existing X_templates.csv when X.csv is new (loghub's Linux_2k.log_templates.csv beside -o Linux_2k.log.csv)", async () => {
    const d = folder('companion')
    const theirs = path.join(d, 'app.log_templates.csv')
    fs.writeFileSync(theirs, 'EventId,EventTemplate,Occurrences\nE1,theirs,1\n')
    const r = await runCli(['parse', '-i', 'app.log', '-o', 'app.log.csv'], {cwd: d})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Error: app.log_templates.csv exists: the templates CSV named after app.log.csv replaces a file only along with app.log.csv (a rerun)')
    expect(r.stderr).toContain('→ move app.log_templates.csv away, or choose another -o')
    expect(fs.readFileSync(theirs, 'utf8')).toBe('EventId,EventTemplate,Occurrences\nE1,theirs,1\n')
    expect(fs.existsSync(path.join(d, 'app.log.csv'))).toBe(false)
  })

  it('is replaced along with its CSV when the same -o is run again', async () => {
    const d = folder('rerun')
    expect((await runCli(['parse', '-i', 'app.log', '-o', 'p.csv'], {cwd: d})).code).toBe(0)
    fs.writeFileSync(path.join(d, 'p_templates.csv'), 'stale')
    expect((await runCli(['parse', '-i', 'app.log', '-o', 'p.csv'], {cwd: d})).code).toBe(0)
    expect(fs.readFileSync(path.join(d, 'p_templates.csv'), 'utf8')).toMatch(/^EventId,EventTemplate,Occurrences\n/)
  })

  it('detect --summarize -o r.json refuses an existing r.summaries.json when r.json is new, before any work', async () => {
    const d = folder('summaries')
    const theirs = path.join(d, 'r.summaries.json')
    fs.writeFileSync(theirs, '{"mine": true}\n')
    const r = await runCli(['detect', '-i', 'app.log', '--summarize', '--llm-provider', 'offline', '-o', 'r.json', '--no-track'], {cwd: d})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Error: r.summaries.json exists: the summaries file named after r.json replaces a file only along with r.json (a rerun)')
    expect(fs.readFileSync(theirs, 'utf8')).toBe('{"mine": true}\n')
    expect(fs.existsSync(path.join(d, 'r.json'))).toBe(false)
  })
})
