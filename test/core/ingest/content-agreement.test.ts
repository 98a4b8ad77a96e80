import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parse as parseCsv} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'
import {readRecords, type LogRecord} from '../../../src/core/ingest/index.js'
import {hasLoghub, LOGHUB_SYSTEMS, loghubDir, skipNote} from './datasets.js'

/**
 * How often our `content` equals loghub's Content column, per system, with format auto-detection
 * and no per-system settings. Prints a table; asserts floors so a regression fails.
 */
const FLOOR: Record<string, number> = {HDFS: 0.99, OpenSSH: 0.99, Linux: 0.95, BGL: 0.95}
const MEAN_FLOOR = 0.9

interface Row {
  system: string
  format: string
  agreement: number
  records: number
  examples: string[]
}

async function agreement(system: string): Promise<Row> {
  const dir = path.join(loghubDir, system)
  const csv = parseCsv(readFileSync(path.join(dir, `${system}_2k.log_structured.csv`)), {columns: true, bom: true}) as Array<Record<string, string>>
  const expected = new Map(csv.map((r) => [Number(r.LineId), r.Content]))
  const stream = readRecords(path.join(dir, `${system}_2k.log`))
  const byLine = new Map<number, LogRecord>()
  for await (const batch of stream.records) for (const r of batch) byLine.set(r.lineId, r)
  let same = 0
  const examples: string[] = []
  for (const [lineId, content] of expected) {
    const got = byLine.get(lineId)
    if (got && got.lineCount === 1 && got.content.trim() === content.trim()) same++
    else if (examples.length < Number(process.env.FLARE_SHOW_MISMATCHES ?? 3)) examples.push(`  line ${lineId}\n    want ${JSON.stringify(content)}\n    got  ${JSON.stringify(got?.content)}`)
  }
  return {system, format: stream.detection?.format.name ?? '?', agreement: same / expected.size, records: byLine.size, examples}
}

describe.skipIf(!hasLoghub)('content agreement with loghub-2k Content column', () => {
  it('matches loghub content on every system', async () => {
    const rows: Row[] = []
    for (const system of LOGHUB_SYSTEMS) rows.push(await agreement(system))
    const lines = rows.map((r) => `${r.system.padEnd(12)} ${r.format.padEnd(8)} ${(100 * r.agreement).toFixed(2).padStart(6)}%  records ${r.records}`)
    const mean = rows.reduce((a, r) => a + r.agreement, 0) / rows.length
    console.log(`content agreement (auto-detected format, no per-system settings)\n${lines.join('\n')}\nmean         ${(100 * mean).toFixed(2)}%`)
    if (process.env.FLARE_SHOW_MISMATCHES) for (const r of rows) if (r.examples.length) console.log(`${r.system}\n${r.examples.join('\n')}`)
    for (const r of rows) expect(r.agreement, r.system).toBeGreaterThanOrEqual(FLOOR[r.system] ?? 0.8)
    expect(mean).toBeGreaterThanOrEqual(MEAN_FLOOR)
  })
})

describe.runIf(!hasLoghub)('content agreement (datasets absent)', () => {
  it.skip(skipNote('loghub-2k content agreement'), () => {})
})
