/**
 * `flare parse --truth`: a loghub-style ground truth (`*_structured.csv` with LineId, EventId and
 * EventTemplate columns) and the parse of the same log, aligned line by line.
 */
import {readFile} from 'node:fs/promises'
import {parse} from 'csv-parse/sync'
import {ExitCode, FlareError} from '../errors.js'
import {mine, type MineOptions} from '../mining/mine.js'
import type {TemplateMiner} from '../templates/index.js'
import {parsingMetrics, type ParsingMetrics} from './parsing.js'

export interface GroundTruth {
  /** Per truth row: its LineId (1-based physical line of the log). */
  lineIds: number[]
  eventIds: string[]
  /** EventId → EventTemplate (the first row's, if rows disagree). */
  templates: Map<string, string>
}

export async function readGroundTruth(path: string): Promise<GroundTruth> {
  let text: Buffer
  try {
    text = await readFile(path)
  } catch (error) {
    throw new FlareError(`cannot read --truth ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  let rows: Array<Record<string, string>>
  try {
    rows = parse(text, {columns: true, skip_empty_lines: true, relax_quotes: true, bom: true})
  } catch (error) {
    throw new FlareError(`--truth ${path} is not a readable CSV: ${(error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  const need = ['LineId', 'EventId', 'EventTemplate']
  const missing = rows.length === 0 ? need : need.filter((c) => !(c in rows[0]))
  if (missing.length > 0) {
    throw new FlareError(`--truth ${path} has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}${rows.length === 0 ? ' (no rows)' : ''}`, {
      exitCode: ExitCode.badInput,
      hint: 'give a loghub-style *_structured.csv (LineId, ..., EventId, EventTemplate)',
    })
  }
  const truth: GroundTruth = {lineIds: [], eventIds: [], templates: new Map()}
  for (const [i, row] of rows.entries()) {
    const lineId = Number(row.LineId)
    if (!Number.isInteger(lineId) || lineId < 1) throw new FlareError(`--truth ${path}: row ${i + 2} has LineId "${row.LineId}"`, {exitCode: ExitCode.badInput})
    truth.lineIds.push(lineId)
    truth.eventIds.push(row.EventId)
    if (!truth.templates.has(row.EventId)) truth.templates.set(row.EventId, row.EventTemplate)
  }
  return truth
}

/** A log parsed into memory: one entry per record (what a sweep re-mines and --truth compares). */
export interface ParsedLog {
  /** First physical line of each record, and how many lines it spans. */
  lineIds: number[]
  lineCounts: number[]
  /** By record index: its physical lines, for a record whose lines are not lineCounts[k] from lineIds[k] (LogRecord.lineIds). */
  spread?: Map<number, number[]>
  contents: string[]
  templateIds: string[]
  miner: TemplateMiner
  format: string
  lines: number
}

export async function parseIntoMemory(options: Omit<MineOptions, 'afterBatch'>): Promise<ParsedLog> {
  const parsed: Omit<ParsedLog, 'miner' | 'format' | 'lines'> = {lineIds: [], lineCounts: [], contents: [], templateIds: []}
  const mined = await mine(options, (record, _index, added) => {
    if (record.lineIds) (parsed.spread ??= new Map()).set(parsed.lineIds.length, record.lineIds)
    parsed.lineIds.push(record.lineId)
    parsed.lineCounts.push(record.lineCount)
    parsed.contents.push(record.content)
    parsed.templateIds.push(added.templateId)
  })
  if (mined.records === 0) throw new FlareError(`no log records in ${typeof options.input === 'string' && options.input !== '-' ? options.input : 'stdin'}`, {exitCode: ExitCode.badInput})
  return {...parsed, miner: mined.miner, format: mined.format, lines: mined.lines}
}

export interface TruthComparison extends ParsingMetrics {
  /** Truth rows whose line Flare made no record of (blank lines): each counts as its own group. */
  unmatchedLines: number
}

/**
 * Metrics of template ids per record against the truth. `templateIds[k]` is record k's template
 * (records as in `parsed`), `templates` the final template text of each id.
 */
export function compareWithTruth(parsed: Pick<ParsedLog, 'lineIds' | 'lineCounts' | 'spread'>, templateIds: readonly string[], templates: ReadonlyMap<string, string>, truth: GroundTruth): TruthComparison {
  const byLine = new Map<number, string>()
  for (let k = 0; k < parsed.lineIds.length; k++) {
    const spread = parsed.spread?.get(k)
    if (spread) for (const id of spread) byLine.set(id, templateIds[k])
    else for (let j = 0; j < parsed.lineCounts[k]; j++) byLine.set(parsed.lineIds[k] + j, templateIds[k])
  }
  const predicted: string[] = []
  let unmatched = 0
  for (const lineId of truth.lineIds) {
    const id = byLine.get(lineId)
    if (id === undefined) unmatched++
    predicted.push(id ?? `\u0000line ${lineId}`)
  }
  return {...parsingMetrics(predicted, truth.eventIds, templates, truth.templates), unmatchedLines: unmatched}
}

export function finalTemplates(miner: TemplateMiner): Map<string, string> {
  return new Map(miner.templates().map((t) => [t.id, t.template]))
}
