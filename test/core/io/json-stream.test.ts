import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Writable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {deferredArray, jsonPieces, withKeys, writeJson, writeJsonFileAtomic} from '../../../src/core/io/json-stream.js'
import {scrubText} from '../../../src/core/secrets.js'
import {seededRand} from '../../helpers/hdfs-like.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-json-stream-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

/** A sink that takes `delayMs` per chunk (a slow pipe reader), recording what it got and the most it ever had waiting. */
function slowSink(delayMs = 1, highWaterMark = 1024): Writable & {text: () => string; maxWaiting: number; writes: number} {
  const chunks: Buffer[] = []
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      sink.maxWaiting = Math.max(sink.maxWaiting, sink.writableLength)
      sink.writes++
      chunks.push(chunk)
      setTimeout(cb, delayMs)
    },
  }) as Writable & {text: () => string; maxWaiting: number; writes: number}
  sink.maxWaiting = 0
  sink.writes = 0
  sink.text = () => Buffer.concat(chunks).toString('utf8')
  return sink
}

/** A results-like document: an envelope and many rows, with the odd values JSON.stringify has rules for. */
function document(rows: number): Record<string, unknown> {
  const rand = seededRand(7)
  return {
    version: 1,
    summary: {input: 'ünïcode "quoted"\\path\n', lines: rows * 20, threshold: 0.5, skipped: undefined, fn: () => 1, nested: {empty: {}, list: [], deep: [[1, [2, {}]], {a: []}]}},
    incidents: [{id: 'INC-001', session_ids: ['a', 'b'], time_range: {start: null, end: new Date(0)}, levels: {}}, {}, [], null, undefined, 'text', 3],
    anomalies: Array.from({length: rows}, (_, i) => ({session_id: `blk_${i}`, score: rand(1000) / 7, is_anomaly: rand(10) === 0, event_count: rand(50)})),
    empty_rows: [],
    when: new Date(86_400_000),
    gone: undefined,
  }
}

describe('JSON written piece by piece', () => {
  it('is JSON.stringify(value, null, 2) byte for byte, odd values included', () => {
    for (const value of [document(3), document(0), {}, [], {a: undefined}, [undefined, () => 1], {x: {toJSON: () => ({y: [1, 2]})}}, {s: 'a\u2028b\u0000'}]) {
      expect([...jsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2))
    }
    expect(() => [...jsonPieces(undefined)]).toThrow(TypeError)
  })

  it('never holds the document as one piece: rows come a few hundred at a time', () => {
    const doc = document(5000)
    const pieces = [...jsonPieces(doc)]
    const whole = JSON.stringify(doc, null, 2)
    expect(pieces.join('')).toBe(whole)
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole.length / 10)
    expect(pieces.length).toBeGreaterThan(20)
    // a row with a toJSON of its own is handed its index in the whole array, as JSON.stringify does
    const rows = Array.from({length: 600}, (_, i) => (i === 300 ? {toJSON: (key: string) => `row ${key}`} : {i, nested: {list: [i, [i]]}}))
    for (const value of [{rows}, [rows, [rows]], {deep: {rows}}]) expect([...jsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2))
  })

  it('writes a deferred array from its rows without making it, as JSON.stringify writes the array', async () => {
    for (const rows of [0, 1, 255, 256, 257, 5000]) {
      let made = 0
      const row = (i: number) => {
        made++
        return {session_id: `blk_${i}`, score: i / 7, is_anomaly: i % 10 === 0, nested: {list: [i]}}
      }
      const doc: Record<string, unknown> = {version: 1, summary: {rows}}
      deferredArray(doc, 'anomalies', rows, row)
      doc.evaluation = {f1: 0.5}
      const sink = slowSink(0)
      await writeJson(sink, doc)
      await new Promise<void>((resolve) => sink.end(resolve))
      // each row made once, for its batch: no array of them was built
      expect(made).toBe(rows)
      expect(Object.keys(doc)).toEqual(['version', 'summary', 'anomalies', 'evaluation'])
      const text = sink.text()
      // read, the array is made (and kept): the same text, and what is written from then on
      const plain = {version: 1, summary: {rows}, anomalies: Array.from({length: rows}, (_, i) => row(i)), evaluation: {f1: 0.5}}
      made = 0
      expect(text).toBe(JSON.stringify(plain, null, 2) + '\n')
      expect(JSON.stringify(doc, null, 2) + '\n').toBe(text)
      expect(made).toBe(rows)
      expect(doc.anomalies).toBe(doc.anomalies)
      // extended as a spread would be, the rows stay deferred
      const fresh: Record<string, unknown> = {version: 1, summary: {rows}}
      deferredArray(fresh, 'anomalies', rows, row)
      made = 0
      const extended = withKeys(fresh, {mlflow: {run_id: 'r'}, version: 2})
      expect([...jsonPieces(extended)].join('')).toBe(JSON.stringify({...plain, evaluation: undefined, version: 2, mlflow: {run_id: 'r'}}, null, 2))
      expect(made).toBe(rows)
      expect((fresh.anomalies as unknown[]).length).toBe(rows) // made only now
      expect(made).toBe(2 * rows)
      // a key extra gives replaces obj's deferred rows
      const other: Record<string, unknown> = {version: 1}
      deferredArray(other, 'anomalies', rows, row)
      expect(JSON.parse([...jsonPieces(withKeys(other, {anomalies: ['replaced']}))].join(''))).toEqual({version: 1, anomalies: ['replaced']})
      if (rows === 0) continue
      ;(doc.anomalies as Array<{score: number}>)[rows - 1].score = -1
      expect([...jsonPieces(doc)].join('')).toContain('"score": -1')
      expect(made).toBe(2 * rows)
    }
  })

  it('waits for a slow reader (drain) instead of queueing the document in memory', async () => {
    const doc = document(20_000)
    const sink = slowSink(0, 1024)
    await writeJson(sink, doc)
    await new Promise<void>((resolve) => sink.end(resolve))
    expect(sink.text()).toBe(JSON.stringify(doc, null, 2) + '\n')
    expect(sink.writes).toBeGreaterThan(10)
    // One chunk (64K characters and the piece that filled it) at most waits in the stream, not the whole ~2 MB document.
    expect(sink.maxWaiting).toBeLessThanOrEqual(128 * 1024)
    expect(sink.text().length).toBeGreaterThan(1_500_000)
  })

  it('replaces secrets as scrubText on the whole text would', async () => {
    const secret = 'sk-ant-SECRET-0123456789'
    const short = 'pw-abc123'
    const doc = document(2000) as {anomalies: Array<{session_id: string}>}
    doc.anomalies.forEach((row, i) => (row.session_id = `id-${secret}-${i % 3 === 0 ? short : ''}`))
    const sink = slowSink(0, 512)
    await writeJson(sink, doc, {secrets: [secret, short]})
    await new Promise<void>((resolve) => sink.end(resolve))
    expect(sink.text()).toBe(scrubText(JSON.stringify(doc, null, 2) + '\n', [secret, short]))
    expect(sink.text()).not.toContain('SECRET')
  })

  it('replaces a secret that spans pieces however the 64K chunk boundary cuts it', async () => {
    // Not a realistic key (it holds JSON syntax), but the only kind a chunk boundary can split.
    const secret = 'pp",\n  "b": "xy'
    for (let delta = -24; delta <= 4; delta++) {
      const doc = {a: 'p'.repeat(64 * 1024 - 11 + delta), b: 'xyz', c: ['xyz']}
      const sink = slowSink(0)
      await writeJson(sink, doc, {secrets: [secret]})
      await new Promise<void>((resolve) => sink.end(resolve))
      const expected = scrubText(JSON.stringify(doc, null, 2) + '\n', [secret])
      expect(expected).toContain('<redacted>')
      expect(sink.text()).toBe(expected)
    }
  })

  it('rejects when the reader went away (EPIPE), without waiting forever for drain', async () => {
    const sink = new Writable({highWaterMark: 16, write: (_chunk, _enc, cb) => cb(Object.assign(new Error('EPIPE: broken pipe'), {code: 'EPIPE'}))})
    sink.on('error', () => {})
    await expect(writeJson(sink, document(5000))).rejects.toMatchObject({code: 'EPIPE'})
  })

  it('writes a file whole, replacing an earlier one only once complete', async () => {
    const file = path.join(tmp, 'results.json')
    writeFileSync(file, 'old')
    const doc = document(3000)
    await writeJsonFileAtomic(file, doc, {flag: '-o'})
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(doc, null, 2) + '\n')
    await expect(writeJsonFileAtomic(path.join(tmp, 'missing', 'r.json'), doc, {flag: '-o'})).rejects.toThrow(/cannot write/)
  })
})
