import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parse} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'

import {TemplateMiner, configForFormat} from '../../../src/core/templates/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const csv = join(here, '../../../../shared/datasets/loghub-2k/HDFS/HDFS_2k.log_structured.csv')
const present = existsSync(csv)
if (!present) console.warn(`skipping the loghub HDFS grouping-accuracy test: ${csv} not found`)

/** loghub grouping accuracy: a line counts when its predicted group equals its true group. */
function groupingAccuracy(predicted: string[], truth: string[]): number {
  const groups = new Map<string, number[]>()
  predicted.forEach((p, i) => {
    const g = groups.get(p)
    if (g) g.push(i)
    else groups.set(p, [i])
  })
  const trueSize = new Map<string, number>()
  for (const t of truth) trueSize.set(t, (trueSize.get(t) ?? 0) + 1)
  let correct = 0
  for (const lines of groups.values()) {
    const t = truth[lines[0]]
    if (lines.every((i) => truth[i] === t) && trueSize.get(t) === lines.length) correct += lines.length
  }
  return correct / predicted.length
}

// Reason: reads ../shared/datasets by path (never copied into the repo); skipped only when it is absent.
describe.skipIf(!present)('loghub-2k HDFS (CSV Content column)', () => {
  it('reaches grouping accuracy >= 0.998 with the hdfs defaults', () => {
    const rows = parse(readFileSync(csv), {columns: true}) as {Content: string; EventId: string}[]
    expect(rows.length).toBe(2000)
    const miner = new TemplateMiner(configForFormat('hdfs'))
    const predicted = rows.map((r) => miner.add(r.Content).templateId)
    const ga = groupingAccuracy(predicted, rows.map((r) => r.EventId))
    expect(ga).toBeGreaterThanOrEqual(0.998)
  })

  it('scores a deliberately wrong grouping low (the metric can fail)', () => {
    const rows = parse(readFileSync(csv), {columns: true}) as {EventId: string}[]
    expect(groupingAccuracy(rows.map(() => 'one'), rows.map((r) => r.EventId))).toBeLessThan(0.5)
  })
})
