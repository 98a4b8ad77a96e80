import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {readRecords, type LogRecord} from '../../../src/core/ingest/index.js'
import {hasHdfs, hasLoghub, hdfsDir, LOGHUB_SYSTEMS, loghubDir, skipNote} from './datasets.js'
import {readAllRecords} from './helpers.js'

/** The format auto-detection should choose for each loghub system. */
const EXPECTED_FORMAT: Record<string, string> = {
  HDFS: 'hdfs',
  BGL: 'bgl',
  Thunderbird: 'bgl',
  OpenSSH: 'openssh',
  Linux: 'syslog',
  Mac: 'syslog',
}

// Reason: skipped only when ../shared/datasets is absent (read by path, never copied here);
// a warning at the end of the file then names the missing path.
describe.skipIf(!hasHdfs)('HDFS_head2k (real data; skipped when ../shared/datasets/hdfs is absent)', () => { // reason: needs ../shared/datasets/hdfs
  it('reads 2,000 hdfs records whose block ids are exactly the labelled blocks', async () => {
    const {records, stream} = await readAllRecords(path.join(hdfsDir, 'HDFS_head2k.log'))
    expect(stream.detection?.format.name).toBe('hdfs')
    expect(stream.detection?.confidence).toBe(1)
    expect(records).toHaveLength(2000)
    expect(records.every((r) => r.format === 'hdfs' && r.lineCount === 1 && r.timestamp !== undefined)).toBe(true)
    const blocks = new Set(records.flatMap((r) => r.sessionKeys))
    const labelled = new Set(
      readFileSync(path.join(hdfsDir, 'HDFS_head2k_anomaly_label.csv'), 'utf8')
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(',')[0]),
    )
    expect(labelled.size).toBe(390)
    expect(blocks).toEqual(labelled)
    expect(stream.stats.reader.bytesRead).toBe(stream.stats.reader.totalBytes)
  })
})

// Reason: skipped only when ../shared/datasets is absent (read by path, never copied here);
// a warning at the end of the file then names the missing path.
describe.skipIf(!hasLoghub)('loghub-2k (real data; skipped when ../shared/datasets/loghub-2k is absent)', () => { // reason: needs ../shared/datasets/loghub-2k
  it.each(LOGHUB_SYSTEMS.map((s) => [s]))('%s: 2,000 single-line records, format detected', async (system) => {
    const stream = readRecords(path.join(loghubDir, system, `${system}_2k.log`))
    const records: LogRecord[] = []
    for await (const batch of stream.records) records.push(...batch)
    expect(records).toHaveLength(2000)
    expect(records.map((r) => r.lineId)).toEqual(Array.from({length: 2000}, (_, i) => i + 1))
    expect(stream.detection?.format.name).toBe(EXPECTED_FORMAT[system] ?? 'generic')
    expect(stream.detection!.confidence).toBeGreaterThan(0.95)
    expect(stream.stats.reader.invalidUtf8Lines + stream.stats.assembler.unrecognizedLines).toBeLessThan(20)
    // CRLF files: no record keeps a carriage return
    expect(records.some((r) => r.content.includes('\r'))).toBe(false)
    const timed = records.filter((r) => r.timestamp !== undefined).length
    expect(timed).toBeGreaterThan(1900)
  }, 120_000)

  it('OpenStack: request sessions from req-<uuid>', async () => {
    const {records} = await readAllRecords(path.join(loghubDir, 'OpenStack', 'OpenStack_2k.log'))
    const withReq = records.filter((r) => r.sessionKind === 'request' && r.sessionKeys.some((k) => k.startsWith('req-')))
    expect(withReq.length).toBeGreaterThan(1500)
  })

  it('OpenSSH: pid sessions', async () => {
    const {records} = await readAllRecords(path.join(loghubDir, 'OpenSSH', 'OpenSSH_2k.log'))
    expect(records.every((r) => r.sessionKind === 'pid' && r.sessionKeys.length === 1)).toBe(true)
  })
})

// Reason for the skips, said once: ../shared/datasets is absent (real data is read by path, never copied here).
if (!hasHdfs || !hasLoghub) console.warn(skipNote('real-data integration'))
