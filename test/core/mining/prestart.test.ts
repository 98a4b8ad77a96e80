import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import Parse from '../../../src/commands/parse.js'
import {looksLikeHdfs, peekParseArgs, type FlagSpec} from '../../../src/core/mining/prestart.js'
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
  it('finds the input, --jobs and --format in every spelling oclif accepts', () => {
    expect(peekParseArgs(['-i', 'a.log'], flags)).toEqual({input: 'a.log', jobs: 0, format: 'auto'})
    expect(peekParseArgs(['--input', 'a.log', '--jobs', '3'], flags)).toEqual({input: 'a.log', jobs: 3, format: 'auto'})
    expect(peekParseArgs(['--input=a.log', '--jobs=1'], flags)).toEqual({input: 'a.log', jobs: 1, format: 'auto'})
    expect(peekParseArgs(['-ia.log', '-j2'], flags)).toEqual({input: 'a.log', jobs: 2, format: 'auto'})
    expect(peekParseArgs(['-i=a.log', '-j=2'], flags)).toEqual({input: 'a.log', jobs: 2, format: 'auto'})
    expect(peekParseArgs(['-o', '-', '-i', 'x.log', '--format', 'hdfs', '--state', 's.json', '--json'], flags)).toEqual({input: 'x.log', jobs: 0, format: 'hdfs'})
    expect(peekParseArgs(['-f', 'auto', '--output=o.csv', '-i', '-'], flags)).toEqual({input: '-', jobs: 0, format: 'auto'})
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

describe('sniffing the input before starting workers (only an HDFS log uses them)', () => {
  const hdfs = '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating\n'
  const syslog = 'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0\n'

  function sniff(text: string | Buffer): boolean {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-sniff-'))
    try {
      const file = path.join(dir, 'in.log')
      writeFileSync(file, text)
      return looksLikeHdfs(file)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }

  it('says yes to HDFS lines, blank lines between and a line cut at the end of the sniffed bytes included', () => {
    expect(sniff(hdfs.repeat(3))).toBe(true)
    expect(sniff(`\n${hdfs}\r\n${hdfs}`)).toBe(true)
    // 4 KB hold 30-odd of these lines: the one cut at 4,096 bytes is not judged.
    expect(sniff(hdfs.repeat(100))).toBe(true)
  })

  it('says no to other formats, a mix, an empty file and a missing one', () => {
    expect(sniff(syslog.repeat(3))).toBe(false)
    expect(sniff(hdfs + syslog)).toBe(false)
    expect(sniff('')).toBe(false)
    expect(looksLikeHdfs(path.join(tmpdir(), 'flare-no-such-file.log'))).toBe(false)
  })

  it('leaves gzipped input to format detection (workers start as before)', () => {
    expect(sniff(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))).toBe(true)
  })
})
