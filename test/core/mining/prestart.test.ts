import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import Parse from '../../../src/commands/parse.js'
import {peekParseArgs, type FlagSpec} from '../../../src/core/mining/prestart.js'
import {repoRoot} from '../../helpers/cli.js'

// bin/run.js starts `flare parse`'s worker threads before oclif loads, from arguments it peeks at
// with the flags oclif.manifest.json lists for the command; whatever it cannot follow must give
// null (the run then starts its workers itself).

/** The parse command's flags as its definition has them (plus --json, which oclif adds). */
type Definition = {char?: string; type: 'boolean' | 'option'; allowNo?: boolean; options?: readonly string[]}
const definitions: Record<string, Definition> = Parse.flags

function commandFlags(): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = {}
  for (const [name, f] of Object.entries(definitions)) flags[name] = {char: f.char, type: f.type, allowNo: f.allowNo}
  if (Parse.enableJsonFlag) flags.json = {type: 'boolean'}
  return flags
}

const flags = commandFlags()

describe('the flags prestart follows', () => {
  const manifestPath = path.join(repoRoot, 'oclif.manifest.json')

  it('are the parse command definition\'s: the manifest (what bin/run.js reads) lists the same flags', () => {
    expect(existsSync(manifestPath), `${manifestPath} is written by npm run build`).toBe(true)
    const listed = JSON.parse(readFileSync(manifestPath, 'utf8')).commands.parse.flags as Record<string, FlagSpec>
    const shape = (all: Record<string, FlagSpec>): string[] => Object.entries(all).map(([name, f]) => `${name} -${f.char ?? ''} ${f.type}${f.allowNo ? ' allowNo' : ''}`).sort()
    expect(shape(listed)).toEqual(shape(flags))
  })

  it('include every flag of the command, so adding one never turns prestart off', () => {
    for (const [name, f] of Object.entries(definitions)) {
      if (name === 'input') continue
      const value = name === 'jobs' ? '2' : f.type === 'option' ? (f.options?.[0] ?? 'x') : undefined
      const argv = ['-i', 'a.log', `--${name}`, ...(value === undefined ? [] : [value])]
      expect(peekParseArgs(argv, flags), argv.join(' ')).not.toBeNull()
    }
  })
})

describe('peeking at flare parse arguments', () => {
  it('finds the input and --jobs in every spelling oclif accepts', () => {
    expect(peekParseArgs(['-i', 'a.log'], flags)).toEqual({input: 'a.log', jobs: 0})
    expect(peekParseArgs(['--input', 'a.log', '--jobs', '3'], flags)).toEqual({input: 'a.log', jobs: 3})
    expect(peekParseArgs(['--input=a.log', '--jobs=1'], flags)).toEqual({input: 'a.log', jobs: 1})
    expect(peekParseArgs(['-ia.log', '-j2'], flags)).toEqual({input: 'a.log', jobs: 2})
    expect(peekParseArgs(['-i=a.log', '-j=2'], flags)).toEqual({input: 'a.log', jobs: 2})
    expect(peekParseArgs(['-o', '-', '-i', 'x.log', '--format', 'hdfs', '--state', 's.json', '--json'], flags)).toEqual({input: 'x.log', jobs: 0})
    expect(peekParseArgs(['-f', 'auto', '--output=o.csv', '-i', '-'], flags)).toEqual({input: '-', jobs: 0})
  })

  it('gives up on help, unknown flags, stray words, a missing value or input, and odd --jobs', () => {
    expect(peekParseArgs([], flags)).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--help'], flags)).toBeNull()
    expect(peekParseArgs(['-h'], flags)).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--verbose', 'x'], flags)).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '-x', 'y'], flags)).toBeNull()
    expect(peekParseArgs(['a.log'], flags)).toBeNull()
    expect(peekParseArgs(['-i'], flags)).toBeNull()
    expect(peekParseArgs(['--jobs', '2'], flags)).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--jobs', 'two'], flags)).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--jobs', '-1'], flags)).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--', '-x'], flags)).toBeNull()
  })
})
