import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {truncate, visible} from '../../src/ui/format.js'
import {repoRoot, runCli} from '../helpers/cli.js'

/**
 * Text from a log reaches the terminal in tables, summaries and messages: a hostile or binary
 * log must not be able to clear the screen, retitle the window or overwrite what Flare printed.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-terminal-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

const ATTACK = '\x1b[2J\x1b]0;pwned\x07'
// Any C0 control but LF and tab, DEL, or a C1 control.
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/

describe('control characters from a log', () => {
  it('are written out visibly by visible(), which keeps only SGR colours when asked', () => {
    expect(visible(`a${ATTACK}b\r\x08\x9b\tc\nd`)).toBe('a\\x1b[2J\\x1b]0;pwned\\x07b\\r\\x08\\x9b\tc\nd')
    expect(visible('\x1b[31mred\x1b[39m \x1b[2J', true)).toBe('\x1b[31mred\x1b[39m \\x1b[2J')
    expect(visible('\x1b[31mred\x1b[39m')).toBe('\\x1b[31mred\\x1b[39m')
    expect(truncate(`x ${ATTACK} y`, 80)).toBe('x \\x1b[2J\\x1b]0;pwned\\x07 y')
  })

  it('never reach the terminal raw from detect (table, summaries) on a log with an escape attack in failing lines', async () => {
    const log = path.join(dir, 'escape.log')
    const sample = fs.readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8')
    fs.writeFileSync(log, sample.replace(/Got exception while serving/g, `Got exception ${ATTACK} while\b\b serving\x9b`))
    const r = await runCli(['detect', '-i', log, '--no-track', '--summarize', '--llm-provider', 'offline'], {cwd: dir})
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(RAW_CONTROL)
    expect(r.stderr).not.toMatch(RAW_CONTROL)
    // The lines are shown, escaped: the attack is visible rather than gone.
    expect(r.stdout).toContain('Got exception \\x1b[')
    expect(r.stdout).toContain(';pwned\\x07')
  })

  it('never reach the terminal raw from an error message that quotes the input', async () => {
    const missing = path.join(dir, `no${ATTACK}such.log`)
    const r = await runCli(['detect', '-i', missing, '--no-track'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('no\\x1b[2J')
    expect(r.stderr).not.toMatch(RAW_CONTROL)
  })
})
