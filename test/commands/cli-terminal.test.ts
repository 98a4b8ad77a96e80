import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import stringWidth from 'string-width'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const widest = (text: string): number => Math.max(0, ...text.split('\n').map((line) => stringWidth(line)))
const sample = ['detect', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '--no-track']

describe('flare in a real terminal', () => {
  for (const columns of ['80', '100']) {
    it(`detect's tables fit ${columns} columns`, async () => {
      const r = await runCli(sample, {env: {COLUMNS: columns}})
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('INC-001')
      expect(widest(r.stdout)).toBeLessThanOrEqual(Number(columns))
    })
  }

  it('a mistyped command gets a suggestion and exit code 2', async () => {
    const r = await runCli(['detct', '-i', 'x.log'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('"detct" is not a flare command')
    expect(r.stderr).toContain('did you mean: flare detect?')
    const topic = await runCli(['model', 'comapre'])
    expect(topic.stderr).toContain('did you mean: flare model compare?')
    const nothing = await runCli(['xyzzy'])
    expect(nothing.stderr).toContain('flare --help')
  })

  it('a log given as an argument is shown where it goes: the command again with -i (exit 2)', async () => {
    const r = await runCli(['detect', 'my app.log', '--json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('flare detect reads its input from -i, not from an argument')
    expect(r.stderr).toContain("→ flare detect -i 'my app.log' --json")
    expect(r.stderr).not.toContain('is not a flare command')
    // --json: stdout is the JSON error a command gives, whichever side of the file the flag is
    expect(JSON.parse(r.stdout).error).toEqual({message: 'flare detect reads its input from -i, not from an argument', hint: "flare detect -i 'my app.log' --json", exit_code: 2})
    const plain = await runCli(['detect', 'my app.log'])
    expect(plain.stdout).toBe('')
    const listJson = await runCli(['model', 'list', 'extra', '--json'])
    expect(listJson.code).toBe(2)
    expect(JSON.parse(listJson.stdout).error).toMatchObject({message: 'Unexpected argument: extra', exit_code: 2})
    const sweep = await runCli(['model', 'sweep', 'x.log'])
    expect(sweep.stderr).toContain('→ flare model sweep -i x.log')
    // a file name with colons, a flag with its value after it, and two files (a shell glob)
    const odd = await runCli(['detect', 'logs/2024-01-01T00:00:00.log', '-o', 'out.json', '--json'])
    expect(odd.stderr).toContain('→ flare detect -i logs/2024-01-01T00:00:00.log -o out.json --json')
    const two = await runCli(['detect', 'a.log', 'b.log', '--window', '10m'])
    expect(two.stderr).toContain('(one input: 2 were given)')
    expect(two.stderr).toContain('→ flare detect -i a.log --window 10m')
    // flags before the file: oclif parses the command, and the log is its unexpected argument
    const after = await runCli(['detect', '--window', '5m', 'x.log'])
    expect(after.code).toBe(2)
    expect(after.stderr).toContain('flare detect reads its input from -i, not from an argument')
    expect(after.stderr).toContain('→ flare detect -i x.log')
    const json = await runCli(['detect', '--json', 'x.log'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout).error).toMatchObject({message: 'flare detect reads its input from -i, not from an argument', exit_code: 2})
    // a command without an input: the argument is unexpected
    const list = await runCli(['model', 'list', 'extra'])
    expect(list.code).toBe(2)
    expect(list.stderr).toContain('Unexpected argument: extra')
    expect(list.stderr).toContain('flare model list --help')
  })

  it('a usage error is one line and where the help is, not the whole help (exit 2)', async () => {
    const cases: Array<[string[], string, string]> = [
      [['detect', '-i', 'x.log', '--bogus'], 'Nonexistent flag: --bogus', 'flare detect --help'],
      [['detect'], 'Missing required flag input', 'flare detect --help'],
      [['detect', '-i', 'x.log', 'extra'], 'Unexpected argument: extra', 'flare detect --help'],
      [['detect', '-i', 'x.log', '--max-sessions', 'abc'], 'Parsing --max-sessions: Expected an integer but received: abc', 'flare detect --help'],
      [['detect', '-i', 'x.log', '--llm-model', 'm'], 'All of the following must be provided when using --llm-model: --summarize', 'flare detect --help'],
      [['model', 'sweep', '-i', 'x.log', '--labels', 'l.csv', '--bogus'], 'Nonexistent flag: --bogus', 'flare model sweep --help'],
    ]
    for (const [args, message, help] of cases) {
      const r = await runCli(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(`Error: ${message}\n→ see ${help}\n`)
    }
  })

  it('with --json, stdout is one JSON document even for an error', async () => {
    const missing = await runCli(['detect', '-i', 'no-such.log', '--json'])
    expect(missing.code).toBe(3)
    expect(JSON.parse(missing.stdout)).toEqual({error: {message: 'No such file: no-such.log', hint: expect.stringContaining('Check the path'), exit_code: 3}})
    const badFlag = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--json', '--bogus'])
    expect(badFlag.code).toBe(2)
    expect(JSON.parse(badFlag.stdout).error).toEqual({message: 'Nonexistent flag: --bogus', hint: 'see flare detect --help', exit_code: 2})
    expect(badFlag.stdout).not.toContain('"oclif"')
    const summarize = await runCli(['summarize', '-i', 'no-such.json', '--json'])
    expect(JSON.parse(summarize.stdout).error.exit_code).toBe(summarize.code)
  })

  it('flags that cannot apply are refused, not ignored', async () => {
    const windowOnIds = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--session-key', 'block', '--window', '5m', '--no-track'])
    expect(windowOnIds.code).toBe(2)
    expect(windowOnIds.stderr).toContain('--session-key block groups lines by id')
    const track = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--track'])
    expect(track.code).toBe(2)
    expect(track.stderr).toContain('MLFLOW_TRACKING_URI is not set')
  })

  it('--window with the automatic key gives time windows instead of being dropped', async () => {
    const r = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--window', '5m', '--no-track', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).summary.session_key).toMatch(/^window/)
  })

  it('help shows a readable usage line and no option list broken mid-word', async () => {
    const r = await runCli(['detect', '--help'])
    expect(r.stdout).toContain('flare detect -i LOG')
    expect(r.stdout).not.toMatch(/invariants-min\s*\n/)
    expect(r.stdout).not.toContain('offline --summarize]')
    for (const name of ['--llm-base-url', '--llm-model', '--llm-provider', 'FLARE_OPENAI_BASE_URL', 'FLARE_MODEL', 'FLARE_PROVIDER']) expect(r.stdout).toContain(name)
    const summarize = await runCli(['summarize', '--help'])
    for (const name of ['--llm-base-url', '--llm-model', '--llm-provider', '--llm-timeout']) expect(summarize.stdout).toContain(name)
  })
})

describe('summarize in a real terminal', () => {
  it('the summary and eval tables fit 80 columns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-width-'))
    const results = path.join(dir, 'results.json')
    const detected = await runCli([...sample, '-o', results])
    expect(detected.code, detected.stderr).toBe(0)
    const r = await runCli(['summarize', '-i', results, '--eval'], {env: {COLUMNS: '80'}})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('INC-001')
    expect(r.stdout).toMatch(/checks\s/)
    expect(widest(r.stdout)).toBeLessThanOrEqual(80)
  })
})
