import type {Readable} from 'node:stream'
import {RecordAssembler, type AssemblerOptions, type AssemblerStats} from './assembler.js'
import type {FormatDetection} from './formats/registry.js'
import {createLineReader, type LineReaderOptions, type ReaderInput, type ReaderStats} from './reader.js'
import type {LogRecord} from './record.js'

export type {LogRecord, SessionKind} from './record.js'
export type {IngestWarning, IngestWarningCode} from './warning.js'
export {createLineReader, createRegionReader, readLineBatches, type RegionReader, type LineReader, type LineReaderOptions, type ReaderInput, type ReaderStats} from './reader.js'
export {openInput, type OpenedInput} from './input.js'
export type {LogFormat} from './formats/format.js'
export {normalizeLevel} from './formats/format.js'
export {FORMATS, FORMAT_NAMES, DETECTION_SAMPLE, detectFormat, detectLineFormat, getFormat, type FormatDetection} from './formats/registry.js'
export {hdfsFormat} from './formats/hdfs.js'
export {syslogFormat} from './formats/syslog.js'
export {opensshFormat} from './formats/openssh.js'
export {bglFormat} from './formats/bgl.js'
export {jsonlFormat} from './formats/jsonl.js'
export {logfmtFormat} from './formats/logfmt.js'
export {accessFormat} from './formats/access.js'
export {criFormat} from './formats/cri.js'
export {structuredRecord} from './formats/fields.js'
export {genericFormat} from './formats/generic.js'
export {scanTimestamp, type TimestampMatch} from './formats/timestamp.js'
export {findSessionKeys, blockIds, requestIds, type SessionKeys} from './session-keys.js'
export {RecordAssembler, isContinuationLine, type AssemblerOptions, type AssemblerStats} from './assembler.js'

export interface ReadRecordsOptions extends LineReaderOptions, Omit<AssemblerOptions, 'onWarning'> {}

/** Reader and assembler counters together, for progress lines and the run summary. */
export interface IngestStats {
  reader: Readonly<ReaderStats>
  assembler: Readonly<AssemblerStats>
}

export interface RecordStream {
  /** Batches of complete records, in input order. Can be iterated once. */
  records: AsyncGenerator<LogRecord[], void, undefined>
  /** Live counters: lines read, bytes (for progress), truncated / invalid lines, records, blanks. */
  readonly stats: IngestStats
  /** The format in use: undefined until the detection sample has been read (see `onFormat`). */
  readonly detection: FormatDetection | undefined
}

/**
 * Reads `input` (a path, a .gz file, `-` for stdin, or a Readable) into LogRecords. With
 * `format: 'auto'` (the default) the format is detected from the first 200 non-empty lines;
 * `onFormat` then reports it, e.g. "detected format: hdfs (98% of sample)".
 */
export function readRecords(input: ReaderInput, options: ReadRecordsOptions = {}): RecordStream {
  const reader = createLineReader(input, options)
  const assembler = new RecordAssembler({...options, onWarning: options.onWarning})
  const stats: IngestStats = {reader: reader.stats, assembler: assembler.stats}
  async function* records(): AsyncGenerator<LogRecord[], void, undefined> {
    let nextLineId = 1
    for await (const lines of reader.batches()) {
      const out = assembler.push(lines, nextLineId)
      nextLineId += lines.length
      if (out.length > 0) yield out
    }
    const rest = assembler.finish()
    if (rest.length > 0) yield rest
  }
  return {
    records: records(),
    stats,
    get detection() {
      return assembler.detection
    },
  }
}

/** A one-line description of a detection, for logs and the CLI: `hdfs (98% of 200 sampled lines)`. */
export function describeDetection(d: FormatDetection): string {
  if (d.source === 'explicit') return `${d.format.name} (explicit)`
  if (d.sampled === 0) return `${d.format.name} (no lines to sample)`
  return `${d.format.name} (${Math.round(d.confidence * 100)}% of ${d.sampled} sampled lines)`
}
