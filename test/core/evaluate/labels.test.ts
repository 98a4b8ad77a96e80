import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {FlareError} from '../../../src/core/errors.js'
import {readLabels} from '../../../src/core/evaluate/labels.js'

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
