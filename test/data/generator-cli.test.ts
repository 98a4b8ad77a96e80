import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate as access} from '../../data/generate-access.mjs'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate as ops} from '../../data/generate-ops.mjs'

// The command line the seeded generators share (data/lib/generator-cli.mjs), through each of them.
const repoRoot = path.resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(path.join(tmpdir(), 'flare-generators-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const generators: Array<[string, (o: object) => {text: string; truth: unknown}]> = [
  ['ops', ops as (o: object) => {text: string; truth: unknown}],
  ['access', access as (o: object) => {text: string; truth: unknown}],
]

describe.each(generators)('node data/generate-%s.mjs', (name, generate) => {
  const script = path.join(repoRoot, `data/generate-${name}.mjs`)

  it('writes the log and its truth next to it, the same as generate(), and nothing on stdout', () => {
    const out = path.join(dir, `${name}.log`)
    const stdout = execFileSync(process.execPath, [script, '--seed', '4', '--hours', '5', '--incidents', '5', '--start', '2026-04-14', '--out', out], {stdio: 'pipe', encoding: 'utf8'})
    const made = generate({seed: 4, hours: 5, incidents: 5, start: '2026-04-14'})
    expect(readFileSync(out, 'utf8')).toBe(made.text)
    expect(JSON.parse(readFileSync(path.join(dir, `${name}.truth.json`), 'utf8'))).toEqual(made.truth)
    expect(stdout).toBe('')
  })

  it('rejects a bad option with one line and exit code 2', () => {
    for (const args of [['--hours', 'many'], ['--bogus', '1'], ['--seed']]) {
      let status = 0
      let stderr = ''
      try {
        execFileSync(process.execPath, [script, ...args], {stdio: 'pipe', cwd: dir})
      } catch (e) {
        status = (e as {status: number}).status
        stderr = String((e as {stderr: Buffer}).stderr)
      }
      expect(status, args.join(' ')).toBe(2)
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
    }
  })
})
