import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FlareError} from '../../../src/core/errors.js'
import {readLabels} from '../../../src/core/evaluate/labels.js'
import {confusion, evaluate, prf} from '../../../src/core/evaluate/metrics.js'

const dir = mkdtempSync(join(tmpdir(), 'flare-labels-'))
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('metrics', () => {
  it('matches hand-computed precision, recall and F1', () => {
    // predicted: 1 1 1 0 0 0 1 0 ; actual: 1 0 1 1 0 0 1 0 → tp 3, fp 1, fn 1, tn 3
    const c = confusion([1, 1, 1, 0, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0, 1, 0])
    expect(c).toEqual({tp: 3, fp: 1, fn: 1, tn: 3})
    const m = prf(c)
    expect(m.precision).toBeCloseTo(0.75, 12)
    expect(m.recall).toBeCloseTo(0.75, 12)
    expect(m.f1).toBeCloseTo(0.75, 12)
    const m2 = prf({tp: 2, fp: 3, fn: 1, tn: 10})
    expect(m2.precision).toBeCloseTo(0.4, 12)
    expect(m2.recall).toBeCloseTo(2 / 3, 12)
    expect(m2.f1).toBeCloseTo(0.5, 12)
  })

  it('gives zeros rather than NaN when nothing is predicted', () => {
    expect(prf({tp: 0, fp: 0, fn: 4, tn: 5})).toEqual({precision: 0, recall: 0, f1: 0})
  })

  it('counts sessions without labels and labels without sessions separately', () => {
    const labels = new Map([['a', true], ['b', false], ['z', true]])
    const e = evaluate(['a', 'b', 'c'], [true, true, false], labels)
    expect(e).toMatchObject({tp: 1, fp: 1, fn: 0, tn: 0, labelled_sessions: 2, unlabelled_sessions: 1, labels_without_session: 1})
  })
})

describe('label files', () => {
  it('reads Normal/Anomaly, 0/1 and true/false', async () => {
    const l = await readLabels(file('ok.csv', 'BlockId,Label\nblk_1,Normal\nblk_2,Anomaly\nblk_3,1\nblk_4,false\r\nblk_5,TRUE\n'))
    expect(l.idColumn).toBe('BlockId')
    expect([...l.labels.entries()]).toEqual([['blk_1', false], ['blk_2', true], ['blk_3', true], ['blk_4', false], ['blk_5', true]])
    expect(l.anomalies).toBe(3)
  })

  it.each([
    ['missing Label column', 'BlockId,Status\nblk_1,Normal\n', /no "Label" column/],
    ['unknown label value naming its line', 'BlockId,Label\nblk_1,Normal\nblk_2,maybe\n', /line 3: unknown label "maybe"/],
    ['header only', 'BlockId,Label\n', /no rows/],
    ['empty file', '', /empty/],
    ['unterminated quote', 'BlockId,Label\n"blk_1,Normal\n', /not valid CSV/],
    ['Label as the first column', 'Label,BlockId\nNormal,blk_1\n', /first column must be the session id/],
  ])('rejects %s with a clear error', async (_name, text, message) => {
    const p = file(`bad-${Math.random()}.csv`, text)
    const error = await readLabels(p).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlareError)
    expect((error as FlareError).message).toMatch(message)
    expect((error as FlareError).exitCode).toBe(3)
  })

  it('names a missing file', async () => {
    await expect(readLabels(join(dir, 'nope.csv'))).rejects.toThrow(/label file not found: .*nope\.csv/)
  })
})
