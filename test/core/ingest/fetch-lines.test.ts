import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, describe, expect, it} from 'vitest'
import {createLineReader} from '../../../src/core/ingest/reader.js'
import {fetchLines} from '../../../src/core/ingest/spool.js'
import {seededRand} from '../../helpers/hdfs-like.js'

const dir = mkdtempSync(join(tmpdir(), 'flare-fetch-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** Every line as the line reader yields it (the definition fetchLines must agree with). */
async function allLines(path: string): Promise<string[]> {
  const lines: string[] = []
  for await (const batch of createLineReader(path).batches()) lines.push(...batch)
  return lines
}

/** A file of several read buffers: short and long lines, CRLF and lone CR ends, bad UTF-8, a line longer than the line limit. */
function awkwardLog(seed: number, endsWithNewline: boolean): Buffer {
  const rand = seededRand(seed)
  const parts: Buffer[] = []
  for (let i = 0; i < 30_000; i++) {
    const kind = rand(100)
    let body: Buffer
    if (kind === 0) body = Buffer.alloc(200_000 + rand(900_000), 'x') // crosses read buffers
    else if (kind === 1) body = Buffer.from([0x6c, 0x69, 0x6e, 0x65, 0xff, 0xfe, 0x20, 0xc3]) // invalid UTF-8
    else if (kind === 2) body = Buffer.from(`unicode ünï 日本 ${i}`)
    else body = Buffer.from(`081109 2035${String(i % 60).padStart(2, '0')} ${i} INFO dfs.DataNode: line ${i} ${'p'.repeat(rand(120))}`)
    const end = rand(20) === 0 ? '\r\n' : rand(50) === 0 ? '\r' : '\n'
    parts.push(body, Buffer.from(end))
  }
  parts.push(Buffer.alloc(1_200_000, 'y')) // cut to the line limit (1 MiB)
  parts.push(Buffer.from(endsWithNewline ? '\nlast line\n' : '\nlast line, no newline'))
  return Buffer.concat(parts)
}

describe('fetchLines', () => {
  for (const [name, ends, gz] of [['plain', true, false], ['no final newline', false, false], ['gzip', true, true]] as const) {
    it(`gives the text the line reader gives, for lines anywhere (${name})`, async () => {
      const bytes = awkwardLog(name.length, ends)
      const path = join(dir, `log-${name.replaceAll(' ', '-')}${gz ? '.gz' : ''}`)
      writeFileSync(path, gz ? gzipSync(bytes) : bytes)
      const lines = await allLines(path)
      expect(lines.length).toBeGreaterThan(30_000)
      const rand = seededRand(11)
      const wanted = [1, 2, lines.length, lines.length - 1, ...Array.from({length: 300}, () => 1 + rand(lines.length))]
      // a long line, a CRLF line and a bad-UTF-8 line among them
      for (const probe of [(l: string) => l.length > 100_000, (l: string) => l.includes('\uFFFD'), (l: string) => l.startsWith('unicode')]) wanted.push(lines.findIndex(probe) + 1)
      const got = await fetchLines(path, [...wanted, 0, lines.length + 5])
      const expected = new Map(wanted.map((n) => [n, lines[n - 1]]))
      expect(got.size).toBe(expected.size)
      for (const [n, text] of expected) expect(got.get(n), `line ${n}`).toBe(text)
    })
  }

  it('stops reading at the last wanted line and wants nothing of an empty list', async () => {
    const path = join(dir, 'small.log')
    writeFileSync(path, 'a\nb\r\nc\n')
    expect(await fetchLines(path, [])).toEqual(new Map())
    expect(await fetchLines(path, [2, 2, 3, 2.5, -1])).toEqual(new Map([[2, 'b'], [3, 'c']]))
  })
})
