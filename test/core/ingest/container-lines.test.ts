import {describe, expect, it} from 'vitest'
import {RecordAssembler, type LogRecord} from '../../../src/core/ingest/index.js'
import {LiveParser} from '../../../src/core/stream/live-parse.js'
import {runCli} from '../../helpers/cli.js'
import {readAllRecords, tempDir, writeTemp} from './helpers.js'

const dir = tempDir()

function assemble(lines: readonly string[], format = 'auto', options: {maxRecordLines?: number} = {}): {records: LogRecord[]; assembler: RecordAssembler} {
  const assembler = new RecordAssembler({format, ...options})
  const records = [...assembler.push(lines, 1), ...assembler.finish()]
  return {records, assembler}
}

// (lineIds: only on a record whose lines are not lineCount lines in a row: another stream's lie between)
const brief = (r: LogRecord) => ({lineId: r.lineId, lineCount: r.lineCount, ...(r.lineIds ? {lineIds: r.lineIds} : {}), level: r.level, content: r.content})

/** A CRI line at second `s` of 16:10 on `stream` with tag `tag`. */
const cri = (s: number, stream: 'stdout' | 'stderr', tag: 'F' | 'P', text: string) => `2026-12-04T16:10:${String(s).padStart(2, '0')}.000000001Z ${stream} ${tag} ${text}`
/** A Docker json-file record at second `s`. */
const docker = (s: number, stream: 'stdout' | 'stderr', log: string) => JSON.stringify({log, stream, time: `2026-12-04T16:10:${String(s).padStart(2, '0')}.5Z`})

const JAVA_TRACE = [
  '2026-12-04 16:10:38,000 ERROR [main] c.e.OrderService - order 17 failed',
  'java.lang.IllegalStateException: stock check failed',
  '\tat com.example.Stock.check(Stock.java:42)',
  '\tat com.example.OrderService.place(OrderService.java:88)',
  'Caused by: java.net.SocketTimeoutException: Read timed out',
  '\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)',
  '\t... 12 more',
]

describe('CRI lines in parts (tag P, then F)', () => {
  it('joins a JSON object split in three parts into one record read by its fields', () => {
    const json = '{"level":"error","msg":"payment declined for order 17","trace_id":"4bf92f3577b34da6"}'
    const lines = [cri(37, 'stdout', 'P', json.slice(0, 20)), cri(37, 'stdout', 'P', json.slice(20, 50)), cri(37, 'stdout', 'F', json.slice(50)), cri(38, 'stdout', 'F', 'INFO next request')]
    const {records, assembler} = assemble(lines)
    expect(assembler.format?.name).toBe('cri')
    expect(records.map(brief)).toEqual([
      {lineId: 1, lineCount: 3, level: 'ERROR', content: 'payment declined for order 17'},
      {lineId: 4, lineCount: 1, level: 'INFO', content: 'next request'},
    ])
    expect(records[0]).toMatchObject({sessionKeys: ['4bf92f3577b34da6'], timestamp: Date.parse('2026-12-04T16:10:37Z'), format: 'cri'})
    expect(assembler.stats).toMatchObject({records: 2, joinedLines: 2})
  })

  it('joins a plain-text line split in two, with no separator', () => {
    const {records} = assemble([cri(37, 'stdout', 'P', 'WARN cache rebuild took 48'), cri(37, 'stdout', 'F', '12 ms for tenant acme')])
    expect(records.map(brief)).toEqual([{lineId: 1, lineCount: 2, level: 'WARN', content: 'cache rebuild took 4812 ms for tenant acme'}])
  })

  it('joins the parts of each stream separately when stdout and stderr interleave, records in the order of their first lines', () => {
    const lines = [
      cri(37, 'stdout', 'P', '{"level":"info",'),
      cri(37, 'stderr', 'P', 'ERROR disk '),
      cri(37, 'stdout', 'F', '"msg":"upload done"}'),
      cri(38, 'stderr', 'P', '/var/data '),
      cri(38, 'stderr', 'F', 'is full'),
      cri(39, 'stdout', 'F', 'INFO idle'),
    ]
    expect(assemble(lines).records.map(brief)).toEqual([
      {lineId: 1, lineCount: 2, lineIds: [1, 3], level: 'INFO', content: 'upload done'},
      {lineId: 2, lineCount: 3, lineIds: [2, 4, 5], level: 'ERROR', content: 'disk /var/data is full'},
      {lineId: 6, lineCount: 1, level: 'INFO', content: 'idle'},
    ])
  })

  it('keeps a last line still in parts at the end of the input as what arrived of it', () => {
    expect(assemble([cri(37, 'stdout', 'F', 'INFO a'), cri(38, 'stdout', 'P', 'ERROR cut sho')]).records.map(brief)).toEqual([
      {lineId: 1, lineCount: 1, level: 'INFO', content: 'a'},
      {lineId: 2, lineCount: 1, level: 'ERROR', content: 'cut sho'},
    ])
  })
})

describe('stack traces inside CRI lines', () => {
  it('joins a Java stack trace to its header line, and the next ordinary line starts a new record', () => {
    const lines = [cri(37, 'stdout', 'F', 'INFO accepted order 17'), ...JAVA_TRACE.map((t) => cri(38, 'stderr', 'F', t)), cri(39, 'stderr', 'F', '2026-12-04 16:10:39,000 INFO [main] c.e.OrderService - order 18 placed')]
    const {records, assembler} = assemble(lines)
    expect(records.map(brief)).toEqual([
      {lineId: 1, lineCount: 1, level: 'INFO', content: 'accepted order 17'},
      {lineId: 2, lineCount: JAVA_TRACE.length, level: 'ERROR', content: ['order 17 failed', ...JAVA_TRACE.slice(1)].join('\n')},
      {lineId: 2 + JAVA_TRACE.length, lineCount: 1, level: 'INFO', content: 'order 18 placed'},
    ])
    expect(records[1]).toMatchObject({component: 'c.e.OrderService', timestamp: Date.parse('2026-12-04T16:10:38Z')})
    expect(assembler.stats.joinedLines).toBe(JAVA_TRACE.length - 1)
  })

  it("joins a trace to its own stream's record while the other stream writes between its lines", () => {
    const lines = [cri(38, 'stderr', 'F', JAVA_TRACE[0]), cri(38, 'stdout', 'F', 'INFO heartbeat'), cri(38, 'stderr', 'F', JAVA_TRACE[1]), cri(38, 'stderr', 'F', JAVA_TRACE[2]), cri(39, 'stdout', 'F', 'INFO heartbeat')]
    expect(assemble(lines).records.map(brief)).toEqual([
      {lineId: 1, lineCount: 3, lineIds: [1, 3, 4], level: 'ERROR', content: ['order 17 failed', JAVA_TRACE[1], JAVA_TRACE[2]].join('\n')},
      {lineId: 2, lineCount: 1, level: 'INFO', content: 'heartbeat'},
      {lineId: 5, lineCount: 1, level: 'INFO', content: 'heartbeat'},
    ])
  })

  it('joins a Python traceback as a plain-text log joins it; after a JSON line inside, only indented lines join', () => {
    const traceback = ['Traceback (most recent call last):', '  File "/app/worker.py", line 12, in run', '    handle(job)', 'KeyError: \'tenant\'']
    const plain = assemble([cri(37, 'stderr', 'F', 'ERROR job 7 crashed'), ...traceback.map((t) => cri(37, 'stderr', 'F', t))]).records
    expect(plain.map(brief)).toEqual([{lineId: 1, lineCount: 5, level: 'ERROR', content: ['job 7 crashed', ...traceback].join('\n')}])
    // a JSON logger writes its events whole: an unindented line after one was printed past it
    const json = assemble([cri(37, 'stderr', 'F', '{"level":"error","msg":"job 7 crashed"}'), ...traceback.map((t) => cri(37, 'stderr', 'F', t))]).records
    expect(json.map((r) => [r.lineId, r.lineCount])).toEqual([
      [1, 1],
      [2, 4],
    ])
  })

  it("lets a quiet stream's record go once 64 records of the other stream wait behind it; a later line of it starts a new record", () => {
    const lines = [cri(37, 'stdout', 'F', 'ERROR upload failed'), ...Array.from({length: 70}, (_, i) => cri(38, 'stderr', 'F', `INFO tick ${i}`)), cri(39, 'stdout', 'F', '\tat a.B.c(B.java:1)')]
    const assembler = new RecordAssembler({format: 'cri'})
    // the open stdout record holds back the stderr records behind it, up to 64 in all
    expect(assembler.push(lines.slice(0, 64), 1)).toEqual([])
    // the 65th lets it go, and the stderr records behind it that are complete
    const early = assembler.push(lines.slice(64, 65), 65)
    expect(early.map((r) => r.lineId)).toEqual(Array.from({length: 64}, (_, i) => i + 1))
    const records = [...early, ...assembler.push(lines.slice(65), 66), ...assembler.finish()]
    expect(records.map((r) => r.lineId)).toEqual(lines.map((_, i) => i + 1))
    expect(records.every((r) => r.lineCount === 1)).toBe(true)
  })

  it('starts a new record past maxRecordLines, as plain text does', () => {
    const lines = [cri(38, 'stderr', 'F', 'ERROR boom'), ...Array.from({length: 5}, (_, i) => cri(38, 'stderr', 'F', `\tat a.B.c(B.java:${i})`))]
    expect(assemble(lines, 'cri', {maxRecordLines: 3}).records.map((r) => [r.lineId, r.lineCount])).toEqual([
      [1, 3],
      [4, 3],
    ])
  })

  it('skips a blank line inside, as a blank line of plain text is', () => {
    const {records, assembler} = assemble([cri(38, 'stderr', 'F', 'ERROR boom'), cri(38, 'stderr', 'F', ''), cri(38, 'stderr', 'F', '\tat a.B.c(B.java:1)')])
    expect(records.map(brief)).toEqual([{lineId: 1, lineCount: 3, level: 'ERROR', content: 'boom\n\tat a.B.c(B.java:1)'}])
    expect(assembler.stats.emptyLines).toBe(1)
  })
})

describe("a log shipper's records of container lines", () => {
  const meta = {kubernetes: {pod_name: 'api-7d9f', namespace_name: 'shop', container_name: 'api'}}
  it('are a record each when they carry more than Docker writes and no part flag (Vector, Fluentd: no newline in log)', () => {
    const lines = Array.from({length: 2000}, (_, i) => JSON.stringify({time: `2026-12-04T16:10:${String(i % 60).padStart(2, '0')}.5Z`, stream: 'stdout', log: `request ${i} served path=/api/v1/items/${i} status=200`, ...meta}))
    const {records} = assemble(lines)
    expect(records).toHaveLength(2000)
    expect(records.every((r, i) => r.lineId === i + 1 && r.lineCount === 1)).toBe(true)
  })

  it("join a line's parts by Fluent Bit's CRI flag (_p P, then F), per stream", () => {
    const fb = (stream: string, p: 'P' | 'F', log: string) => JSON.stringify({time: '2026-12-04T16:10:37.5Z', stream, _p: p, log, ...meta})
    const lines = [fb('stdout', 'P', 'ERROR payment '), fb('stderr', 'F', 'INFO tick'), fb('stdout', 'F', 'declined for order 17'), fb('stdout', 'F', 'INFO next')]
    expect(assemble(lines).records.map(brief)).toEqual([
      {lineId: 1, lineCount: 2, lineIds: [1, 3], level: 'ERROR', content: 'payment declined for order 17'},
      {lineId: 2, lineCount: 1, level: 'INFO', content: 'tick'},
      {lineId: 4, lineCount: 1, level: 'INFO', content: 'next'},
    ])
  })

  it('let a line in more parts than a record may have lines go as it is, at that many parts', () => {
    const lines = Array.from({length: 12}, (_, i) => docker(37, 'stdout', `part${i} `))
    const {records} = assemble(lines, 'auto', {maxRecordLines: 5})
    expect(records.map((r) => r.lineCount)).toEqual([5, 5, 2])
    expect(records[0].content.trimEnd()).toBe('part0 part1 part2 part3 part4')
  })
})

describe('Docker json-file records', () => {
  it('joins partial log values (no trailing newline) per stream into one record read whole', () => {
    const json = '{"level":"warn","msg":"pool at 90%","request_id":"r-81"}'
    const lines = [docker(37, 'stdout', json.slice(0, 25)), docker(37, 'stderr', 'ERROR db '), docker(37, 'stdout', `${json.slice(25)}\n`), docker(38, 'stderr', 'down\n'), docker(39, 'stdout', 'INFO ok\n')]
    const {records, assembler} = assemble(lines)
    expect(assembler.format?.name).toBe('jsonl')
    expect(records.map(brief)).toEqual([
      {lineId: 1, lineCount: 2, lineIds: [1, 3], level: 'WARN', content: 'pool at 90%'},
      {lineId: 2, lineCount: 2, lineIds: [2, 4], level: 'ERROR', content: 'db down'},
      {lineId: 5, lineCount: 1, level: 'INFO', content: 'ok'},
    ])
    expect(records[0]).toMatchObject({sessionKeys: ['r-81'], timestamp: Date.parse('2026-12-04T16:10:37.5Z')})
  })

  it('joins the lines of a stack trace to the record before them', () => {
    const lines = [docker(37, 'stdout', 'INFO accepted order 17\n'), ...JAVA_TRACE.map((t) => docker(38, 'stderr', `${t}\n`)), docker(39, 'stdout', 'INFO order 18 placed\n')]
    expect(assemble(lines).records.map(brief)).toEqual([
      {lineId: 1, lineCount: 1, level: 'INFO', content: 'accepted order 17'},
      {lineId: 2, lineCount: JAVA_TRACE.length, level: 'ERROR', content: ['order 17 failed', ...JAVA_TRACE.slice(1)].join('\n')},
      {lineId: 2 + JAVA_TRACE.length, lineCount: 1, level: 'INFO', content: 'order 18 placed'},
    ])
  })

  it('leaves JSON lines that are no Docker records one record each', () => {
    const lines = ['{"level":"error","msg":"a"}', '{"log":"Caused by: x\\n","time":"2026-12-04T16:10:37Z"}', '{"level":"info","msg":"b"}']
    expect(assemble(lines).records.map((r) => [r.lineId, r.lineCount])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ])
  })
})

describe('container logs, batch and live', () => {
  it('gives the same records read from a file as fed live one line at a time', async () => {
    const lines: string[] = []
    for (let i = 0; i < 300; i++) {
      const s = i % 60
      if (i % 17 === 0) lines.push(...JAVA_TRACE.map((t) => cri(s, 'stderr', 'F', t)))
      else if (i % 11 === 0) lines.push(cri(s, 'stdout', 'P', `{"level":"warn","msg":"slow `), cri(s, 'stderr', 'F', `INFO tick ${i}`), cri(s, 'stdout', 'F', `query ${i}"}`))
      else lines.push(cri(s, i % 3 ? 'stdout' : 'stderr', 'F', `INFO request ${i} done`))
    }
    const file = writeTemp(dir, 'pod.log', lines.join('\n') + '\n')
    const batch = (await readAllRecords(file)).records
    const parser = new LiveParser({})
    const live: LogRecord[] = []
    const out: Array<{record: LogRecord}> = []
    for (const text of lines) parser.push({text, source: file, arrivedAt: 0}, out as never)
    parser.flush(out as never)
    live.push(...out.map((o) => o.record))
    expect(batch.length).toBeLessThan(lines.length)
    expect(live.map(brief)).toEqual(batch.map(brief))
  })

  it('flare parse reads a stack trace in a CRI log as one record (the built CLI)', async () => {
    const lines = [cri(37, 'stdout', 'F', 'INFO accepted order 17'), ...JAVA_TRACE.map((t) => cri(38, 'stderr', 'F', t)), cri(39, 'stdout', 'F', 'INFO order 18 placed')]
    const file = writeTemp(dir, 'app.log', lines.join('\n') + '\n')
    const csv = `${dir}/app.csv`
    const run = await runCli(['parse', '-i', file, '-o', csv, '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({format: 'cri', lines: lines.length, records: 3, joined: JAVA_TRACE.length - 1})
  })

  it("flare parse writes one row per line, each with its own record's template, when stdout writes between a trace's lines", async () => {
    const lines = [cri(37, 'stderr', 'F', JAVA_TRACE[0]), cri(37, 'stdout', 'F', 'INFO heartbeat 1'), cri(37, 'stderr', 'F', JAVA_TRACE[1]), cri(38, 'stdout', 'F', 'INFO heartbeat 2'), cri(38, 'stderr', 'F', JAVA_TRACE[2]), cri(39, 'stdout', 'F', 'INFO heartbeat 3')]
    const file = writeTemp(dir, 'mixed.log', lines.join('\n') + '\n')
    const csv = `${dir}/mixed.csv`
    const run = await runCli(['parse', '-i', file, '-o', csv])
    expect(run.code, run.stderr).toBe(0)
    const rows = (await import('node:fs')).readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1)
    const byLine = new Map(rows.map((r) => [Number(r.split(',')[0]), r]))
    // every physical line once, the trace's three under one template, the heartbeats under another
    expect([...byLine.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6])
    expect(rows).toHaveLength(6)
    const template = (line: number) => byLine.get(line)!.split(',')[1]
    expect(new Set([1, 3, 5].map(template)).size).toBe(1)
    expect(new Set([2, 4, 6].map(template)).size).toBe(1)
    expect(template(1)).not.toBe(template(2))
    expect(byLine.get(3)).toContain('IllegalStateException')
    expect(byLine.get(4)).toContain('heartbeat')
  })
})
