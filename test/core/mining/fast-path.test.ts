import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseToCsv} from '../../../src/core/mining/csv-export.js'
import {ByteOut, HdfsFastPath, wideCopiesExact} from '../../../src/core/mining/fast-path.js'
import {configForFormat} from '../../../src/core/templates/index.js'
import {FastMiner} from '../../../src/core/mining/fast-miner.js'
import {datasets, repoRoot} from '../../helpers/cli.js'

/**
 * The byte-level fast path of `flare parse` must write exactly what the record assembler and the
 * string miner write (options.fast = false), whatever the input throws at it.
 */
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-parse-fast-'))

async function both(name: string, content: string | Buffer, extra: {format?: string} = {}): Promise<{fast: string; slow: string; fastTemplates: string; slowTemplates: string; summary: Record<string, unknown>}> {
  const input = path.join(tmp, name)
  writeFileSync(input, content)
  const run = async (fast: boolean) => {
    const output = path.join(tmp, `${name}.${fast ? 'fast' : 'slow'}.csv`)
    const summary = await parseToCsv({input, output, fast, jobs: 1, ...extra})
    return {csv: readFileSync(output, 'utf8'), templates: readFileSync(summary.templatesOutput!, 'utf8'), summary}
  }
  const f = await run(true)
  const s = await run(false)
  const strip = ({elapsedMs, linesPerSecond, output, templatesOutput, ...rest}: Record<string, unknown>) => rest
  expect(strip(f.summary as unknown as Record<string, unknown>)).toEqual(strip(s.summary as unknown as Record<string, unknown>))
  return {fast: f.csv, slow: s.csv, fastTemplates: f.templates, slowTemplates: s.templates, summary: f.summary as unknown as Record<string, unknown>}
}

const hdfs = (i: number, content: string, level = 'INFO', component = 'dfs.DataNode$PacketResponder'): string =>
  `081109 ${String(203000 + (i % 5000)).padStart(6, '0')} ${100 + (i % 50)} ${level} ${component}: ${content}`

describe('flare parse fast path', () => {
  it('writes the same CSV as the string path on the HDFS sample', async () => {
    const r = await both('sample.log', readFileSync(path.join(repoRoot, 'data/hdfs_sample.log')))
    expect(r.fast).toBe(r.slow)
    expect(r.fastTemplates).toBe(r.slowTemplates)
    expect(r.summary.lines).toBeGreaterThan(5000)
  })

  it('matches the string path on awkward lines: quotes, commas, CRLF, blanks, non-ASCII, invalid UTF-8, stack traces, other formats', async () => {
    const parts: Buffer[] = []
    for (let i = 0; i < 400; i++) {
      const lines = [
        hdfs(i, `Receiving block blk_${1000 + i} src: /10.0.${i % 200}.1:5${i % 10}000 dest: /10.0.0.2:50010`),
        hdfs(i, `Deleting block blk_-${77 + i} file /mnt/hadoop/dfs/data/current/subdir${i % 9}/blk_-${77 + i} and blk_${5 + i}`, 'INFO', 'dfs.FSDataset'),
        hdfs(i, `Served block blk_${i}, to "client ${i}" with \\escaped\\ bytes`, 'WARN'),
        hdfs(i, `odd component ${i}`, 'INFO', 'dfs.Data,Node'),
        hdfs(i, `Verification succeeded for blk_${i % 7} on nœud-${i} café`, 'INFO', 'dfs.DataBlockScanner'),
      ]
      parts.push(Buffer.from(lines.join(i % 3 === 0 ? '\r\n' : '\n') + '\n'))
      if (i % 50 === 7) parts.push(Buffer.from('\n   \n'))
      if (i % 80 === 11) parts.push(Buffer.from(hdfs(i, 'Exception in thread "main" java.io.IOException: disk full', 'ERROR') + '\n\tat org.apache.Foo.bar(Foo.java:12)\n\tat org.apache.Foo.baz(Foo.java:34)\n'))
      if (i % 90 === 13) parts.push(Buffer.from('Nov  9 20:35:01 host sshd[123]: Accepted password for root from 10.0.0.9 port 22 ssh2\n'))
      if (i % 100 === 17) parts.push(Buffer.concat([Buffer.from(hdfs(i, 'bad bytes ')), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from(' end\n')]))
    }
    const r = await both('awkward.log', Buffer.concat(parts))
    expect(r.summary.format).toBe('hdfs')
    expect(r.summary.joined).toBeGreaterThan(0)
    expect(r.summary.invalidUtf8).toBeGreaterThan(0)
    expect(r.summary.skipped).toBeGreaterThan(0)
    expect(r.fast).toBe(r.slow)
    expect(r.fastTemplates).toBe(r.slowTemplates)
  })

  it('matches the string path on old-Mac CR-only line ends, alone and mixed with LF and CRLF', async () => {
    const lines: string[] = []
    for (let i = 0; i < 3000; i++) {
      lines.push(hdfs(i, `Receiving block blk_${1000 + i} src: /10.0.${i % 200}.1:50010 dest: /10.0.0.2:50010`))
      if (i % 97 === 5) lines.push('')
      if (i % 211 === 9) lines.push(hdfs(i, 'Exception while serving blk_1 java.io.IOException: reset', 'WARN'), '\tat org.apache.Foo.bar(Foo.java:12)')
    }
    const crOnly = await both('cr-only.log', lines.join('\r') + '\r')
    expect(crOnly.summary.lines).toBe(lines.length)
    expect(crOnly.summary.format).toBe('hdfs')
    expect(crOnly.fast).toBe(crOnly.slow)
    expect(crOnly.fastTemplates).toBe(crOnly.slowTemplates)
    // The same lines with LF ends parse to the same CSV.
    const lf = await both('lf-of-cr.log', lines.join('\n') + '\n')
    expect(crOnly.fast).toBe(lf.fast)
    const ends = ['\r', '\n', '\r\n']
    // (A CR before an empty line ended by LF would be a CRLF: those take an LF.)
    const end = (i: number) => (lines[i + 1] === '' ? '\n' : ends[(i * 7) % 3])
    const mixed = await both('cr-mixed.log', lines.map((l, i) => l + end(i)).join(''))
    expect(mixed.summary.lines).toBe(lines.length)
    expect(mixed.fast).toBe(mixed.slow)
    expect(mixed.fast).toBe(lf.fast)
  })

  it('writes the same CSV with eight-byte field copies (as after a warm-up) as the string path', async () => {
    // The check a warm-up runs; it turns the eight-byte steps on for the rest of this file.
    expect(wideCopiesExact(false)).toBe(true)
    const lines = readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8').split('\n').slice(0, 3000)
    // Fields of every length around the step sizes, and 4-byte UTF-8 characters.
    for (let i = 0; i < 400; i++) lines.push(hdfs(i, `Served block blk_${i} to ${'x'.repeat(i % 23)} 😀${'é'.repeat(i % 9)} /10.0.${i % 250}.${i % 7}:${i}`))
    const r = await both('wide.log', lines.join('\n') + '\n')
    expect(r.fast).toBe(r.slow)
    expect(r.fastTemplates).toBe(r.slowTemplates)
  })

  it('writes LineIds of any length, across 8 digits and up to 16, with eight-byte steps on', () => {
    expect(wideCopiesExact(false)).toBe(true)
    const text = Buffer.from(Array.from({length: 24}, (_, i) => hdfs(i, `Served block blk_${i} to /10.0.0.${i}`)).join('\n'))
    for (const first of [1, 99_999_990, 999_999_999_999_990]) {
      const fast = new HdfsFastPath(1 << 20)
      expect(fast.validate(text, 0, text.length)).toBe(true)
      const out = new ByteOut(1 << 16)
      fast.write(text, first, new FastMiner(configForFormat('hdfs')), out, {lines: 0, records: 0, blank: 0})
      const rows = Buffer.concat(out.take(true)).toString('utf8').trimEnd().split('\n')
      expect(rows.map((r) => r.slice(0, r.indexOf(',')))).toEqual(Array.from({length: 24}, (_, i) => String(first + i)))
      expect(rows.every((r) => r.includes(',T1,Served block <*> to <*>,081109 '))).toBe(true)
    }
  })

  it('keeps records whole where the detection sample is cut off the first region', async () => {
    // The first region's first 256 lines go through the string path on their own (format
    // detection); a stack trace across that cut, or blank lines in the sample, must not matter.
    for (const at of [254, 255, 256, 257]) {
      const lines: string[] = []
      for (let i = 0; lines.length < 3000; i++) {
        if (lines.length === at) lines.push(hdfs(i, 'Exception while serving blk_1 java.io.IOException: reset', 'WARN'), '\tat org.apache.Foo.bar(Foo.java:12)', '\tat org.apache.Foo.baz(Foo.java:34)')
        else if (i % 61 === 5) lines.push('')
        else lines.push(hdfs(i, `Receiving block blk_${i} src: /10.0.${i % 200}.1:50010 dest: /10.0.0.2:50010`))
      }
      const r = await both(`cut-${at}.log`, lines.join('\n') + '\n')
      expect(r.fast).toBe(r.slow)
      expect(r.summary.joined).toBe(2)
    }
  })

  it('keeps a stack trace whole when its first continuation line starts the next read buffer', async () => {
    // The reader hands out 1 MiB buffers: fill the first exactly, so the continuation line opens
    // the second, and the last record of the first must stay open for it.
    const line = (i: number) => hdfs(i, `PacketResponder ${i % 3} for block blk_${9000 + i} terminating`) + '\n'
    const chunks: string[] = []
    let size = 0
    let i = 0
    const target = 1 << 20
    while (size + line(i).length < target - 200) {
      chunks.push(line(i))
      size += line(i).length
      i++
    }
    const last = hdfs(i, 'Exception while serving blk_42 to /10.0.0.3:')
    const pad = target - size - last.length - 1
    chunks.push(last + ' '.repeat(pad) + '\n')
    chunks.push('\tat org.apache.hadoop.dfs.DataNode.serve(DataNode.java:77)\n')
    for (let k = 0; k < 2000; k++) chunks.push(line(i + 1 + k))
    const content = chunks.join('')
    expect(content.indexOf('\tat org.apache')).toBe(target)
    const r = await both('boundary.log', content)
    expect(r.summary.joined).toBe(1)
    expect(r.fast).toBe(r.slow)
    const row = r.fast.split('\n').find((l) => l.startsWith(`${i + 2},`))!
    const opener = r.fast.split('\n').find((l) => l.startsWith(`${i + 1},`))!
    // The continuation line carries the EventId of the record it belongs to.
    expect(row.split(',')[1]).toBe(opener.split(',')[1])
  })

  it('matches the string path on a JSON Lines log with plain-text lines, each its own row and template', async () => {
    // JSON Lines never takes the byte path; whatever CSV writing path is asked for, a plain-text
    // line printed past the JSON logger is its own record (its own EventId and Level), not a
    // continuation of the JSON record before it. 600 lines: past the detection sample's cut.
    const lines: string[] = []
    for (let i = 0; lines.length < 600; i++) {
      lines.push(JSON.stringify({time: `2024-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`, level: 'info', msg: `request ${i} handled in ${i % 17} ms`}))
      if (i % 40 === 7) lines.push('FATAL: out of memory')
      if (i % 40 === 19) lines.push('TypeError: Cannot read properties of undefined', '    at handler (/app/server.js:12:5)')
      if (i % 40 === 31) lines.push(JSON.stringify({level: 'error', msg: `request ${i} failed`}), '\tat com.example.Job.run(Job.java:42)')
    }
    const r = await both('plain-in.jsonl', lines.join('\n') + '\n')
    expect(r.summary.format).toBe('jsonl')
    expect(r.fast).toBe(r.slow)
    expect(r.fastTemplates).toBe(r.slowTemplates)
    const rows = r.fast.trimEnd().split('\n').slice(1)
    const row = (text: string) => rows.find((l) => l.includes(text))!.split(',')
    const fatal = row(',FATAL,,out of memory,')
    expect(fatal.slice(2, 5)).toEqual(['out of memory', '', 'FATAL'])
    const typeError = row(',TypeError: Cannot read properties of undefined,')
    expect(typeError[2]).toBe('TypeError: Cannot read properties of undefined at handler <*>')
    // The indented frame after the TypeError is its continuation, on a row with its EventId.
    expect(row('at handler (/app/server.js:12:5)')[1]).toBe(typeError[1])
    // An indented frame right after a JSON record still continues that record.
    const frame = rows.findIndex((l) => l.includes('at com.example.Job.run(Job.java:42)'))
    expect(rows[frame].split(',')[1]).toBe(rows[frame - 1].split(',')[1])
    expect(r.summary.joined).toBe(lines.filter((l) => l.startsWith(' ') || l.startsWith('\t')).length)
  })

  it('matches the string path on the first 200k lines of HDFS_2percent', async (ctx) => {
    const file = path.join(datasets, 'hdfs/HDFS_2percent.log')
    if (!existsSync(file)) return ctx.skip(`${file} is absent (../shared/datasets not mounted)`)
    const text = readFileSync(file, 'latin1')
    let end = 0
    for (let n = 0; n < 200_000 && end >= 0; n++) end = text.indexOf('\n', end + 1)
    const r = await both('hdfs200k.log', Buffer.from(text.slice(0, end + 1), 'latin1'))
    expect(r.summary.lines).toBe(200_000)
    expect(r.fast === r.slow).toBe(true)
    expect(r.fastTemplates).toBe(r.slowTemplates)
  }, 120_000)
})

describe('flare parse string path on large files', () => {
  it('decodes lines split across read buffers intact (sshd syslog, several MiB)', async () => {
    const lines: string[] = []
    for (let i = 0, size = 0; size < 3.5 * 2 ** 20; i++) {
      lines.push(`Nov  9 20:${String(10 + (i % 50)).padStart(2, '0')}:01 host${i % 7} sshd[${1000 + i}]: Accepted password for user${i % 13} from 10.0.${i % 250}.9 port ${20000 + i} ssh2 ${'x'.repeat(i % 97)}`)
      size += lines[i].length + 1
    }
    const input = path.join(tmp, 'big-syslog.log')
    writeFileSync(input, lines.join('\n') + '\n')
    const output = path.join(tmp, 'big-syslog.csv')
    const summary = await parseToCsv({input, output, jobs: 1})
    expect(summary.format).toBe('openssh')
    expect(summary.lines).toBe(lines.length)
    const csv = readFileSync(output, 'utf8').trimEnd().split('\n').slice(1)
    expect(csv).toHaveLength(lines.length)
    for (let i = 0; i < csv.length; i++) {
      const row = csv[i]
      expect(Number(row.slice(0, row.indexOf(',')))).toBe(i + 1)
      // The message is the line's text after the header, whole.
      const message = lines[i].slice(lines[i].indexOf(']: ') + 3).trimEnd()
      if (!row.includes(`,${message},`)) expect(row, `line ${i + 1}`).toContain(message)
    }
  }, 60_000)
})

describe('FastMiner replicas', () => {
  it('replaying the miss log gives a miner that maps and describes every line the same way', () => {
    const lines = readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8').trimEnd().split('\n').map((l) => l.slice(l.indexOf(': ') + 2))
    const main = new FastMiner(configForFormat('hdfs'))
    main.missLog = []
    for (const l of lines) main.add(l)
    expect(main.missCount).toBe(main.missLog.length)
    expect(main.missCount).toBeLessThan(lines.length / 5)
    const replica = new FastMiner(configForFormat('hdfs'))
    for (const m of main.missLog) replica.replay(m.tokens, m.hash)
    expect(replica.templates().map((t) => [t.id, t.template])).toEqual(main.templates().map((t) => [t.id, t.template]))
    for (const l of lines.slice(0, 2000)) {
      const bytes = Buffer.from(l)
      const a = replica.lookupBytes(bytes, 0, bytes.length)
      expect(a, l).not.toBeNull()
      const n = replica.lastParamRanges(a!)
      const values: string[] = []
      for (let k = 0; k < n; k++) values.push(bytes.toString('utf8', replica.scanner.paramStart[k], replica.scanner.paramEnd[k]))
      const added = main.add(l)
      expect(a!.templateId).toBe(added.templateId)
      expect(values).toEqual(main.extractParams(l, added.templateId)!.map((p) => p.value))
    }
    // A shape the replica never saw is not guessed at.
    const odd = Buffer.from('completely new words here 42')
    expect(replica.lookupBytes(odd, 0, odd.length)).toBeNull()
  })

  it('records which templates a miss changed, for deciding whether a worker result is still current', () => {
    const m = new FastMiner(configForFormat('hdfs'))
    const id = m.add('Verification succeeded for blk_1 at node alpha').templateId
    m.add('Verification succeeded for blk_2 at node alpha')
    const v = m.missCount
    expect(m.changedSince(id, v)).toBe(false)
    m.add('Receiving block blk_3 src: /10.0.0.1:1 dest: /10.0.0.2:2')
    expect(m.changedSince(id, v)).toBe(false)
    const changed = m.add('Verification succeeded for blk_1 at node beta')
    expect(changed).toMatchObject({templateId: id, change: 'updated'})
    expect(m.changedSince(id, v)).toBe(true)
  })

  it('does not count another length of a template joining it as a change (its lines are written the same)', () => {
    const m = new FastMiner(configForFormat('hdfs'))
    const line = (extra: string) => `10.0.0.1:50010 Starting thread to transfer block blk_1 to 10.0.0.2:50010${extra}`
    const id = m.add(line('')).templateId
    const before = m.extractParams(line(''), id)
    const v = m.missCount
    // Same constant tokens, one more target: a second cluster of the same template.
    expect(m.add(line(' 10.0.0.3:50010')).templateId).toBe(id)
    expect(m.missCount).toBeGreaterThan(v)
    expect(m.changedSince(id, v)).toBe(false)
    expect(m.add(line('')).template).toBe(m.template(id)!.template)
    expect(m.extractParams(line(''), id)).toEqual(before)
  })
})

describe('LineSplitter byte regions', () => {
  it('decoding a carried line late does not disturb the line being carried now', async () => {
    const {LineSplitter} = await import('../../../src/core/ingest/line-splitter.js')
    const stats = {lines: 0, truncatedLines: 0, invalidUtf8Lines: 0}
    const s = new LineSplitter(1 << 20, stats, () => {})
    const regions: import('../../../src/core/ingest/line-splitter.js').ByteRegion[] = []
    s.pushRegions(Buffer.from('one\ntw'), regions)
    s.pushRegions(Buffer.from('o\nthree\nfo'), regions) // carries "fo"
    const lines: string[] = []
    for (const r of regions) s.decode(r, lines) // "two" is decoded after "fo" is carried
    s.pushRegions(Buffer.from('ur\nfive\n'), regions)
    s.endRegions(regions)
    for (const r of regions.slice(3)) s.decode(r, lines)
    expect(lines).toEqual(['one', 'two', 'three', 'four', 'five'])
    expect(stats.lines).toBe(5)
  })
})
