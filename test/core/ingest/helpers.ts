import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll} from 'vitest'
import {createLineReader, readRecords, type LineReaderOptions, type LogRecord, type ReadRecordsOptions} from '../../../src/core/ingest/index.js'
import type {Readable} from 'node:stream'
import {repoRoot} from './datasets.js'

export const fixtures = path.join(repoRoot, 'test/fixtures/ingest')

/** A temp directory removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-ingest-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

export function writeTemp(dir: string, name: string, data: string | Buffer): string {
  const file = path.join(dir, name)
  writeFileSync(file, data)
  return file
}

export async function readAllLines(input: string | Readable, options: LineReaderOptions = {}) {
  const reader = createLineReader(input, options)
  const lines: string[] = []
  const batchSizes: number[] = []
  for await (const batch of reader.batches()) {
    lines.push(...batch)
    batchSizes.push(batch.length)
  }
  return {lines, stats: reader.stats, batchSizes}
}

export async function readAllRecords(input: string | Readable, options: ReadRecordsOptions = {}) {
  const stream = readRecords(input, options)
  const records: LogRecord[] = []
  for await (const batch of stream.records) records.push(...batch)
  return {records, stream}
}
