import path from 'node:path'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {isContinuationLine, RecordAssembler, hdfsFormat, type FormatDetection, type IngestWarning} from '../../../src/core/ingest/index.js'
import {continuesRecord} from '../../../src/core/ingest/continuation.js'
import {fixtures, readAllRecords, tempDir, writeTemp} from './helpers.js'

const dir = tempDir()

describe('continuation lines', () => {
  it.each([
    ['\tat com.example.Job.run(Job.java:42)', true],
    ['    at java.base/java.lang.Thread.run(Thread.java:833)', true],
    ['at com.example.Job.run(Job.java:42)', true],
    ['Caused by: java.io.IOException: disk full', true],
    ['\t... 12 more', true],
    ['... 12 more', true],
    ['java.lang.IllegalStateException: boom', true],
    ['java.lang.OutOfMemoryError', true],
    ['ValueError: invalid literal', true],
    ['Traceback (most recent call last):', true],
    ['  File "app.py", line 3, in <module>', true],
    ['at noon the job ran', false],
    ['ERROR: disk full', false],
    ['Error connecting: refused', false],
    ['plain message', false],
  ])('%s -> %s', (line, expected) => {
    expect(isContinuationLine(line)).toBe(expected)
  })
})

describe('continuation lines after a one-line structured record (JSON Lines, logfmt)', () => {
  it.each([
    ['\tat com.example.Job.run(Job.java:42)', true],
    ['  File "app.py", line 3, in <module>', true],
    ['Traceback (most recent call last):', false],
    ['TypeError: Cannot read properties of undefined', false],
    ['java.lang.OutOfMemoryError: Java heap space', false],
    ['at com.example.Job.run(Job.java:42)', false],
    ['FATAL: out of memory', false],
  ])('%s -> %s', (line, expected) => {
    expect(continuesRecord('jsonl', line)).toBe(expected)
    expect(continuesRecord('logfmt', line)).toBe(expected)
    // After a plain-text record every continuation shape still joins.
    expect(continuesRecord('generic', line)).toBe(isContinuationLine(line))
  })
})

describe('RecordAssembler', () => {
  it('joins a Java stack trace to its record, keeping line ids and counting blanks', async () => {
    const {records, stream} = await readAllRecords(path.join(fixtures, 'java-stack.log'))
    expect(stream.detection?.format.name).toBe('generic')
    expect(records.map((r) => [r.lineId, r.lineCount, r.level])).toEqual([
      [1, 1, 'INFO'],
      [2, 7, 'ERROR'],
      [10, 1, 'INFO'],
    ])
    expect(records[1].content).toBe(
      [
        'Job failed',
        'java.lang.IllegalStateException: boom',
        '\tat com.example.Job.run(Job.java:42)',
        '\tat java.base/java.lang.Thread.run(Thread.java:833)',
        'Caused by: java.io.IOException: disk full',
        '\tat com.example.Store.write(Store.java:7)',
        '\t... 2 more',
      ].join('\n'),
    )
    expect(records[1].component).toBe('com.example.Job')
    expect(stream.stats.assembler).toMatchObject({records: 3, emptyLines: 1, joinedLines: 6, reparsedLines: 0})
    expect(stream.stats.reader.lines).toBe(10)
  })

  it('joins continuations to HDFS records too, and parses a line of another format on its own', () => {
    const a = new RecordAssembler({format: 'hdfs'})
    const out = a.push(
      [
        '081109 203615 148 INFO dfs.DataNode: first',
        '  indented detail',
        'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 1.2.3.4',
        '2024-01-01 10:00:00 WARN some.Thing: generic line',
        'a stray line with no shape',
        '081109 203616 148 INFO dfs.DataNode: second',
      ],
      1,
    )
    a.finish(out)
    expect(out.map((r) => [r.lineId, r.lineCount, r.format, r.content])).toEqual([
      [1, 2, 'hdfs', 'first\n  indented detail'],
      [3, 1, 'openssh', 'Invalid user webmaster from 1.2.3.4'],
      [4, 1, 'generic', 'generic line'],
      [5, 1, 'generic', 'a stray line with no shape'],
      [6, 1, 'hdfs', 'second'],
    ])
    expect(a.stats).toMatchObject({records: 5, joinedLines: 1, reparsedLines: 2, unrecognizedLines: 1})
  })

  it('keeps a leading continuation-shaped line as its own record', () => {
    const a = new RecordAssembler({format: hdfsFormat})
    const out = a.finish(a.push(['\tat orphan.Frame(X.java:1)', '081109 203615 148 INFO dfs.DataNode: x'], 1))
    expect(out.map((r) => [r.lineId, r.content])).toEqual([
      [1, 'at orphan.Frame(X.java:1)'],
      [2, 'x'],
    ])
  })

  it('carries the open record across batches', () => {
    const a = new RecordAssembler({format: 'generic'})
    const first = a.push(['2024-01-01 10:00:00 ERROR a.B: boom', '\tat x.Y(Y.java:1)'], 1)
    expect(first).toEqual([])
    const second = a.push(['\tat x.Z(Z.java:2)', '2024-01-01 10:00:01 INFO a.B: ok'], 3)
    expect(second.map((r) => [r.lineId, r.lineCount])).toEqual([[1, 3]])
    expect(a.finish().map((r) => r.lineId)).toEqual([4])
  })

  it('caps joined records and warns', () => {
    const warnings: IngestWarning[] = []
    const a = new RecordAssembler({format: 'generic', maxRecordLines: 3, onWarning: (w) => warnings.push(w)})
    const out = a.finish(a.push(['2024-01-01 10:00:00 ERROR a.B: boom', ' 1', ' 2', ' 3', ' 4'], 1))
    // line 4 opens a new record, which line 5 continues
    expect(out.map((r) => [r.lineId, r.lineCount])).toEqual([
      [1, 3],
      [4, 2],
    ])
    expect(warnings[0]).toMatchObject({code: 'record-too-long', lineId: 4})
  })

  it('detects the format from the sample, reports it, then replays the sample', () => {
    const detections: FormatDetection[] = []
    const a = new RecordAssembler({sampleSize: 3, onFormat: (d) => detections.push(d)})
    const hdfs = '081109 203615 148 INFO dfs.DataNode: x blk_1'
    expect(a.push(['', hdfs, hdfs], 1)).toEqual([])
    expect(a.format).toBeUndefined()
    const out = a.push([hdfs, hdfs], 4)
    expect(detections).toHaveLength(1)
    expect(detections[0].format.name).toBe('hdfs')
    expect(out.map((r) => r.lineId)).toEqual([2, 3, 4])
    expect(a.finish().map((r) => r.lineId)).toEqual([5])
    expect(a.stats.emptyLines).toBe(1)
  })

  it('detects from a short input at finish()', () => {
    const a = new RecordAssembler()
    a.push(['Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user x from 1.2.3.4'], 1)
    const out = a.finish()
    expect(a.format?.name).toBe('openssh')
    expect(out[0].sessionKeys).toEqual(['24200'])
  })

  it('switches format mid-file without dropping lines', async () => {
    const hdfs = Array.from({length: 50}, (_, i) => `081109 2036${String(i).padStart(2, '0')} 148 INFO dfs.DataNode: line ${i} blk_${i}`)
    const json = Array.from({length: 30}, (_, i) => JSON.stringify({level: 'info', msg: `json ${i}`, trace_id: `t${i}abc`}))
    const file = writeTemp(dir, 'switch.log', [...hdfs, ...json].join('\n'))
    const {records, stream} = await readAllRecords(file)
    expect(stream.detection?.format.name).toBe('hdfs')
    expect(records).toHaveLength(80)
    expect(records[50]).toMatchObject({lineId: 51, format: 'jsonl', content: 'json 0', sessionKeys: ['t0abc']})
    expect(stream.stats.assembler.reparsedLines).toBe(30)
  })

  it('keeps a plain-text line in a JSON Lines log as its own record, with its own level', () => {
    const json = (i: number, level = 'info') => JSON.stringify({time: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`, level, msg: `request ${i} handled`})
    const a = new RecordAssembler()
    const out = a.push(
      [
        json(0),
        'FATAL: out of memory',
        json(1),
        'Error: ENOENT: no such file or directory',
        json(2, 'error'),
        '\tat com.example.Job.run(Job.java:42)',
        json(3),
        'Traceback (most recent call last):',
        '  File "app.py", line 3, in <module>',
        'ValueError: invalid literal',
        json(4),
        'java.lang.OutOfMemoryError: Java heap space',
        '\tat com.example.Cache.grow(Cache.java:7)',
        json(5),
      ],
      1,
    )
    a.finish(out)
    expect(a.format?.name).toBe('jsonl')
    expect(out.map((r) => [r.lineId, r.lineCount, r.format, r.level, r.content])).toEqual([
      [1, 1, 'jsonl', 'INFO', 'request 0 handled'],
      [2, 1, 'generic', 'FATAL', 'out of memory'],
      [3, 1, 'jsonl', 'INFO', 'request 1 handled'],
      [4, 1, 'generic', 'ERROR', 'no such file or directory'],
      // An indented stack frame right after a record still belongs to it.
      [5, 2, 'jsonl', 'ERROR', 'request 2 handled\n\tat com.example.Job.run(Job.java:42)'],
      [7, 1, 'jsonl', 'INFO', 'request 3 handled'],
      // A traceback printed past the JSON logger is one plain-text record of its own.
      [8, 3, 'generic', undefined, 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\nValueError: invalid literal'],
      [11, 1, 'jsonl', 'INFO', 'request 4 handled'],
      [12, 2, 'generic', undefined, 'java.lang.OutOfMemoryError: Java heap space\n\tat com.example.Cache.grow(Cache.java:7)'],
      [14, 1, 'jsonl', 'INFO', 'request 5 handled'],
    ])
    expect(a.stats).toMatchObject({records: 10, joinedLines: 4})
  })

  it('keeps a plain-text line in a logfmt log as its own record', () => {
    const a = new RecordAssembler({format: 'logfmt'})
    const lines = [
      'time=2024-01-01T00:00:00Z level=info msg="started"',
      'panic: runtime error: index out of range',
      'time=2024-01-01T00:00:01Z level=info msg="restarted"',
      'Traceback (most recent call last):',
      '  File "worker.py", line 9, in run',
      'KeyError: job',
      'time=2024-01-01T00:00:02Z level=info msg="restarted"',
    ]
    const out = a.finish(a.push(lines, 1))
    expect(out.map((r) => [r.lineId, r.lineCount, r.format])).toEqual([
      [1, 1, 'logfmt'],
      [2, 1, 'generic'],
      [3, 1, 'logfmt'],
      [4, 3, 'generic'],
      [7, 1, 'logfmt'],
    ])
    expect(out[1].level).toBe('EMERGENCY')
  })

  it('reads CRLF input into records without trailing CRs', async () => {
    const {records} = await readAllRecords(Readable.from([Buffer.from('081109 203615 148 INFO dfs.DataNode: a blk_1\r\n081109 203616 148 INFO dfs.DataNode: b blk_2\r\n')]))
    expect(records.map((r) => r.content)).toEqual(['a blk_1', 'b blk_2'])
  })

  it('honours an explicit format', async () => {
    const {records, stream} = await readAllRecords(path.join(fixtures, 'openssh.log'), {format: 'syslog'})
    expect(stream.detection).toMatchObject({source: 'explicit'})
    expect(records.every((r) => r.format === 'syslog')).toBe(true)
  })

  it('reads an empty file as no records', async () => {
    const {records, stream} = await readAllRecords(writeTemp(dir, 'empty.log', ''))
    expect(records).toEqual([])
    expect(stream.detection?.sampled).toBe(0)
  })
})

describe('a forced --format that does not fit', () => {
  const apache = Array.from({length: 40}, (_, i) => `127.0.0.1 - - [10/Oct/2000:13:55:${String(i).padStart(2, '0')} -0700] "GET /a.gif HTTP/1.0" 200 2326`)
  const run = (format: string, lines: string[]) => {
    const warnings: IngestWarning[] = []
    const a = new RecordAssembler({format, onWarning: (w) => warnings.push(w)})
    const records = [...a.push(lines, 1), ...a.finish()]
    return {records, warnings: warnings.filter((w) => w.code === 'format-mismatch')}
  }

  it('is named once, with how few lines fit, and every line is still read', () => {
    const {records, warnings} = run('jsonl', apache)
    expect(records).toHaveLength(40)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toContain('--format jsonl fits only 0 of the first 40 lines (0%)')
  })

  it('stays quiet when the format fits, or fits most lines', () => {
    const json = Array.from({length: 30}, (_, i) => JSON.stringify({ts: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`, level: 'info', msg: `request ${i} done`}))
    expect(run('jsonl', json).warnings).toEqual([])
    expect(run('jsonl', [...json, ...apache.slice(0, 10)]).warnings).toEqual([])
  })
})
