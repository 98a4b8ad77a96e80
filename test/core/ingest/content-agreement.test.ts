import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {parse as parseCsv} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'
import {readRecords, type LogRecord} from '../../../src/core/ingest/index.js'
import {datasetsDir, hasLoghub, LOGHUB_SYSTEMS, loghubDir, skipNote} from './datasets.js'

const loghub2Dir = path.join(datasetsDir, 'loghub-2.0-2k')

/**
 * How often our `content` equals loghub's Content column, per system, with format auto-detection
 * and no per-system settings. Prints a table; asserts floors so a regression fails.
 */
/** Measured 100% on every system but HealthApp (99.95%); the floors leave a little room. */
const FLOOR = 0.98
const MEAN_FLOOR = 0.995

interface Row {
  system: string
  format: string
  /** Equal after trimming surrounding blanks (irrelevant to template mining). */
  agreement: number
  /** Byte-for-byte equal. */
  exact: number
  /** Against Loghub-2.0's corrected Content, when that ground truth is present. */
  corrected?: number
  records: number
  examples: string[]
}

function contentColumn(file: string): Map<number, string> {
  const rows = parseCsv(readFileSync(file), {columns: true, bom: true}) as Array<Record<string, string>>
  return new Map(rows.map((r) => [Number(r.LineId), r.Content]))
}

async function agreement(system: string): Promise<Row> {
  const dir = path.join(loghubDir, system)
  const expected = contentColumn(path.join(dir, `${system}_2k.log_structured.csv`))
  const stream = readRecords(path.join(dir, `${system}_2k.log`))
  const byLine = new Map<number, LogRecord>()
  for await (const batch of stream.records) for (const r of batch) byLine.set(r.lineId, r)
  let same = 0
  let exact = 0
  const examples: string[] = []
  for (const [lineId, content] of expected) {
    const got = byLine.get(lineId)
    if (got && got.lineCount === 1 && got.content === content) exact++
    if (got && got.lineCount === 1 && got.content.trim() === content.trim()) same++
    else if (examples.length < Number(process.env.FLARE_SHOW_MISMATCHES ?? 3))
      examples.push(`  line ${lineId}\n    want ${JSON.stringify(content)}\n    got  ${JSON.stringify(got?.content)}`)
  }
  let corrected: number | undefined
  const correctedFile = path.join(loghub2Dir, system, `${system}_2k.log_structured_corrected.csv`)
  if (existsSync(correctedFile)) {
    // Loghub-2.0 ships the same logs with LF endings: compare by line id.
    const truth = contentColumn(correctedFile)
    let ok = 0
    for (const [lineId, content] of truth) if (byLine.get(lineId)?.content.trim() === content.trim()) ok++
    corrected = ok / truth.size
  }
  return {system, format: stream.detection?.format.name ?? '?', agreement: same / expected.size, exact: exact / expected.size, corrected, records: byLine.size, examples}
}

// Reason: skipped only when ../shared/datasets is absent (read by path, never copied here);
// a warning then names the missing path.
describe.skipIf(!hasLoghub)('content agreement with loghub-2k Content column (skipped when ../shared/datasets is absent)', () => { // reason: needs ../shared/datasets
  it('matches loghub content on every system', async () => {
    const rows: Row[] = []
    for (const system of LOGHUB_SYSTEMS) rows.push(await agreement(system))
    const pct = (x?: number) => (x === undefined ? '     -' : `${(100 * x).toFixed(2).padStart(6)}%`)
    const lines = rows.map((r) => `${r.system.padEnd(12)} ${r.format.padEnd(8)} ${pct(r.agreement)}  ${pct(r.exact)}  ${pct(r.corrected)}  records ${r.records}`)
    const mean = rows.reduce((a, r) => a + r.agreement, 0) / rows.length
    console.log(
      `content agreement (auto-detected format, no per-system settings)\nsystem       format   trimmed   exact     loghub-2.0\n${lines.join('\n')}\nmean                  ${pct(mean)}`,
    )
    if (process.env.FLARE_SHOW_MISMATCHES) for (const r of rows) if (r.examples.length) console.log(`${r.system}\n${r.examples.join('\n')}`)
    for (const r of rows) expect(r.agreement, r.system).toBeGreaterThanOrEqual(FLOOR)
    expect(mean).toBeGreaterThanOrEqual(MEAN_FLOOR)
  }, 180_000)
})

// Reason for the skip, said once: ../shared/datasets/loghub-2k is absent (real data is read by path, never copied here).
if (!hasLoghub) console.warn(skipNote('loghub-2k content agreement'))
