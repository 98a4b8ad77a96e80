import {describe, expect, it} from 'vitest'
import {peekParseArgs} from '../../../src/core/mining/prestart.js'

// bin/run.js starts `flare parse`'s worker threads before oclif loads, from these peeked
// arguments; whatever it cannot follow must give null (the run then starts its workers itself).
describe('peeking at flare parse arguments', () => {
  it('finds the input and --jobs in every spelling oclif accepts', () => {
    expect(peekParseArgs(['-i', 'a.log'])).toEqual({input: 'a.log', jobs: 0})
    expect(peekParseArgs(['--input', 'a.log', '--jobs', '3'])).toEqual({input: 'a.log', jobs: 3})
    expect(peekParseArgs(['--input=a.log', '--jobs=1'])).toEqual({input: 'a.log', jobs: 1})
    expect(peekParseArgs(['-ia.log', '-j2'])).toEqual({input: 'a.log', jobs: 2})
    expect(peekParseArgs(['-i=a.log', '-j=2'])).toEqual({input: 'a.log', jobs: 2})
    expect(peekParseArgs(['-o', '-', '-i', 'x.log', '--format', 'hdfs', '--state', 's.json', '--json'])).toEqual({input: 'x.log', jobs: 0})
    expect(peekParseArgs(['-f', 'auto', '--output=o.csv', '-i', '-'])).toEqual({input: '-', jobs: 0})
  })

  it('gives up on help, unknown flags, stray words, a missing value or input, and odd --jobs', () => {
    expect(peekParseArgs([])).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--help'])).toBeNull()
    expect(peekParseArgs(['-h'])).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--verbose', 'x'])).toBeNull()
    expect(peekParseArgs(['a.log'])).toBeNull()
    expect(peekParseArgs(['-i'])).toBeNull()
    expect(peekParseArgs(['--jobs', '2'])).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--jobs', 'two'])).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--jobs', '-1'])).toBeNull()
    expect(peekParseArgs(['-i', 'a.log', '--', '-x'])).toBeNull()
  })
})
