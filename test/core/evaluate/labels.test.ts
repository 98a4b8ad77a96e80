import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {FlareError} from '../../../src/core/errors.js'
import {SimpleCsvLines} from '../../../src/core/evaluate/label-rows.js'
import {checkLabels, readLabels} from '../../../src/core/evaluate/labels.js'
import {prepareInput, type Stage} from '../../../src/core/pipeline.js'

/** A run's labels (LabelList) as an array. */
const listed = (labels: {length: number; at(i: number): boolean | undefined} | undefined): Array<boolean | undefined> => Array.from({length: labels?.length ?? 0}, (_, i) => labels!.at(i))

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-labels-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const file = (name: string, text: string) => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, text)
  return p
}
async function failure(p: string): Promise<FlareError> {
  const error = await readLabels(p).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(FlareError)
  return error as FlareError
}

describe('label files', () => {
  it('reads ids and labels, and takes a repeated identical row once', async () => {
    const set = await readLabels(file('ok.csv', 'BlockId,Label\nb1,Anomaly\nb2,Normal\nb1,Anomaly\n'))
    expect([...set.labels]).toEqual([['b1', true], ['b2', false]])
    expect(set.anomalies).toBe(1)
  })

  it('refuses a session labelled two ways, naming the row', async () => {
    const error = await failure(file('dup.csv', 'BlockId,Label\nb1,Normal\nb2,Normal\nb1,Anomaly\n'))
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(/line 4: session b1 is labelled anomalous here and normal/)
  })

  it('refuses a row with more columns than the header, naming the row', async () => {
    const error = await failure(file('extra.csv', 'BlockId,Label\nb1,Normal\nb2,Normal,Anomaly\n'))
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(/line 3: expected 2 columns/)
  })

  it('refuses a row with fewer columns than the header', async () => {
    const error = await failure(file('short.csv', 'BlockId,Label,Note\nb1,Normal\n'))
    expect(error.message).toMatch(/line 2: expected 3 columns/)
  })
})

describe('labels checked before the read, read after it', () => {
  const rows = (n: number, from = 0) => Array.from({length: n}, (_, i) => `blk_${from + i},${i % 7 === 0 ? 'Anomaly' : 'Normal'}`).join('\n')
  const run = async (labelsPath: string) => {
    const stages: Stage[] = []
    let anomalies: number | undefined
    const error = await prepareInput({input: 'data/hdfs_sample.log', labelsPath, onStage: (s) => stages.push(s)}).then(async (prepared) => {
      anomalies = listed(prepared.labels?.bySession).filter((label) => label === true).length
      await prepared.cleanup()
    }, (e: unknown) => e)
    return {stages, anomalies, error: error as FlareError | undefined}
  }

  it('a bad row near the top fails before the log is read; one further down, after it, with the same message', async () => {
    // (5,000 rows of ~20 bytes: the bad row at the end lies beyond the 64 KiB checked first)
    const top = file('bad-top.csv', `BlockId,Label\nblk_1,Normal\nblk_2,Maybe\n${rows(5000, 10)}\n`)
    const deep = file('bad-deep.csv', `BlockId,Label\n${rows(5000, 10)}\nblk_2,Maybe\n`)
    expect(fs.statSync(deep).size).toBeGreaterThan(64 * 1024)
    await expect(checkLabels(top)).rejects.toThrow(/line 3: unknown label "Maybe"/)
    await expect(checkLabels(deep)).resolves.toBeUndefined()
    const early = await run(top)
    expect(early.error).toBeInstanceOf(FlareError)
    expect(early.error?.message).toMatch(/line 3: unknown label "Maybe"/)
    expect(early.stages).toEqual([])
    const late = await run(deep)
    expect(late.error).toBeInstanceOf(FlareError)
    expect(late.error?.message).toMatch(/line 5002: unknown label "Maybe"/)
    expect(late.stages).toEqual(['read', 'labels'])
    // The same message as readLabels gives on its own.
    expect((await failure(deep)).message).toBe(late.error?.message)
  })

  it('a file without a Label column, a missing file and a header alone fail before the read', async () => {
    for (const [name, text, message] of [
      ['no-label.csv', `BlockId,Verdict\n${rows(5000)}\n`, /no "Label" column/],
      ['header-only.csv', 'BlockId,Label\n', /has a header but no rows/],
    ] as const) {
      const {error, stages} = await run(file(name, text))
      expect(error?.message).toMatch(message)
      expect(stages).toEqual([])
    }
    const missing = await run(path.join(dir, 'absent.csv'))
    expect(missing.error?.message).toMatch(/label file not found/)
    expect(missing.stages).toEqual([])
  })

  it('a file csv-parse must read (quotes) is checked by it too; a quoted value cut by the 64 KiB is left to the whole read', async () => {
    const quoted = (n: number) => Array.from({length: n}, (_, i) => `"blk_${i}","${i % 7 === 0 ? 'Anomaly' : 'Normal'}"`).join('\n')
    await expect(checkLabels(file('quoted-no-label.csv', `"BlockId","Verdict"\n${quoted(5000)}\n`))).rejects.toThrow(/no "Label" column/)
    await expect(checkLabels(file('quoted-bad-top.csv', `"BlockId","Label"\n"blk_1","Maybe"\n${quoted(5000)}\n`))).rejects.toThrow(/line 2: unknown label "Maybe"/)
    await expect(checkLabels(file('quoted-ok.csv', `"BlockId","Label"\n${quoted(5000)}\n`))).resolves.toBeUndefined()
    // A quoted value with a line break in it, across the 64 KiB mark: not judged from the prefix.
    const head = `"BlockId","Label"\n${quoted(3000)}\n`
    const pad = 64 * 1024 - Buffer.byteLength(head) - 10
    const across = file('quoted-across.csv', `${head}"blk_x${'y'.repeat(pad)}\nz","Normal"\n${quoted(100)}\n`)
    await expect(checkLabels(across)).resolves.toBeUndefined()
    expect((await readLabels(across)).labels.size).toBe(3001)
  })

  it('a file of exactly 64 KiB without a final newline is checked whole (its one row is the unfinished last line)', async () => {
    const head = 'BlockId,Label\n'
    const text = `${head}blk_${'7'.repeat(64 * 1024 - head.length - 'blk_,Normal'.length)},Normal`
    expect(text.length).toBe(64 * 1024)
    const exact = file('exact.csv', text)
    await expect(checkLabels(exact)).resolves.toBeUndefined()
    expect((await readLabels(exact)).labels.size).toBe(1)
  })

  it('labels that name none of the log\'s sessions fail once read, before any detector runs', async () => {
    const {stages, error} = await run(file('other-log.csv', `BlockId,Label\n${rows(100, 10_000_000)}\n`))
    expect(error).toBeInstanceOf(FlareError)
    expect(error?.exitCode).toBe(3)
    expect(error?.message).toMatch(/^none of the \d+ session ids \(.*, e\.g\. blk_\S+\) appears in .*other-log\.csv$/)
    expect(error?.hint).toMatch(/BlockId column must hold the same ids/)
    expect(stages).toEqual(['read', 'labels'])
  })

  it('good labels are read after the log', async () => {
    const {stages, error, anomalies} = await run('data/hdfs_sample_labels.csv')
    expect(error).toBeUndefined()
    expect(stages).toEqual(['read', 'labels'])
    expect(anomalies).toBe((await readLabels('data/hdfs_sample_labels.csv')).anomalies)
    expect(anomalies).toBeGreaterThan(0)
  })
})

describe('the plain-file reader', () => {
  // Seeded (mulberry32), so a failing case is the same on every run.
  let seed = 19
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!
  const pieces = ['blk_1', 'blk_-2', 'b3', ' b4 ', 'Normal', 'Anomaly', ' 1', '0 ', 'TRUE', 'maybe', '', ' ', '"q"', '"a,b"', 'x\ty', 'é', '\uFEFFz', 'Label', 'BlockId']
  const endings = ['\n', '\r\n', '\n\n', '\r', '']

  async function outcome(p: string, fast: boolean): Promise<unknown> {
    return readLabels(p, {fast}).then(
      (set) => ({labels: [...set.labels], idColumn: set.idColumn, anomalies: set.anomalies}),
      (e: unknown) => ({error: e instanceof FlareError ? e.message : String(e)}),
    )
  }

  it('reads every file as csv-parse does: the same labels or the same error', async () => {
    const texts = [
      'BlockId,Label\nb1,Normal\n\nb2,Anomaly',
      '\uFEFFBlockId,Label\r\nb1,Normal\r\n\r\nb2,Anomaly\r\n',
      'BlockId , Label \n b1 , anomaly \n',
      'BlockId,Label\nb1,Normal\r\nb2,Anomaly\n',
      'BlockId,Label\n   \nb1,Normal\n',
      'BlockId,Label\n,\nb1,Normal\n',
      'BlockId,Note,Label\nb1,,Normal\nb2,x,1\n',
    ]
    for (let n = 0; n < 150; n++) {
      const header = random() < 0.8 ? 'BlockId,Label' : `${pick(pieces)},${pick(pieces)}`
      const rows = Array.from({length: 1 + Math.floor(random() * 6)}, () => Array.from({length: random() < 0.85 ? 2 : 1 + Math.floor(random() * 3)}, () => (random() < 0.7 ? pick(['b1', 'b2', 'blk_7', ' b8']) : pick(pieces))).join(','))
      const ending = random() < 0.7 ? '\n' : pick(endings)
      texts.push([header, ...rows].join(ending) + (random() < 0.5 ? ending : ''))
    }
    for (const [i, text] of texts.entries()) {
      const p = file(`diff-${i}.csv`, text)
      if (text.length === 0) continue
      expect(await outcome(p, true), JSON.stringify(text)).toEqual(await outcome(p, false))
    }
  })

  it('splits the same records whatever the reads cut through (rows, CRLF, the BOM)', () => {
    const text = '\uFEFFBlockId,Label\r\n' + Array.from({length: 500}, (_, i) => `blk_${i - 250} , ${i % 7 === 0 ? 'Anomaly' : 'Normal'}`).join('\r\n') + '\r\n'
    const bytes = Buffer.from(text)
    const split = (size: number): Array<[string[], number]> => {
      const lines = new SimpleCsvLines()
      const out: Array<[string[], number]> = []
      const take = (buf: Uint8Array, spans: Int32Array, fields: number, line: number) => void out.push([Array.from({length: fields}, (_, k) => Buffer.from(buf.subarray(spans[2 * k], spans[2 * k + 1])).toString('latin1')), line])
      for (let at = 0; at < bytes.length; at += size) {
        const chunk = Buffer.from(bytes.subarray(at, at + size))
        expect(lines.push(chunk, chunk.length, take)).toBe(true)
      }
      expect(lines.end(take)).toBe(true)
      return out
    }
    const whole = split(bytes.length)
    expect(whole).toHaveLength(501)
    expect(whole[0]).toEqual([['BlockId', 'Label'], 1])
    expect(whole[8]).toEqual([['blk_-243', 'Anomaly'], 9])
    for (const size of [1, 2, 7, 64, 1000]) expect(split(size)).toEqual(whole)
  })
})
