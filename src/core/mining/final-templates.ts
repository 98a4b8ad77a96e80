/**
 * Every row of `flare parse` carries its template's final text (the loghub convention: the rows
 * agree with `_templates.csv`). Rows are written while mining, when a template may still be
 * generalised by later lines, and before the second pass (templates/refine.ts) splits templates
 * by the few words some of their positions take; so they go to a scratch file first. When no
 * template changed after its first row and none splits (HDFS, most runs of a known log) the
 * scratch file is renamed into place as it is; otherwise it is copied once, and the rows of those
 * templates get their final id, text and parameters.
 */
import {createReadStream, createWriteStream, type WriteStream} from 'node:fs'
import {rm} from 'node:fs/promises'
import {destinationOf, openOutput, placeFile, scratchBeside, scratchMode, writeError, type PendingOutput} from '../io/output.js'
import {trackTemporary} from '../io/temp-files.js'
import type {Refinement, TemplateInfo, TemplateMiner} from '../templates/index.js'
import {ByteOut, csvField, paramLists} from './fast-path.js'
import {flushRows} from './run.js'

const CHUNK = 1 << 20

/** Where the rows go while mining; finish() makes the final CSV. */
export interface RowScratch {
  readonly stream: NodeJS.WritableStream
  /**
   * Makes the CSV for `output` (a path or `-` for `stdout`) with every row's final template, and
   * the final template list; the CSV replaces `output` on commit().
   */
  finish(miner: TemplateMiner): Promise<FinalRows>
  abort(): Promise<void>
}

export interface FinalRows {
  /** The final templates in id order, with their number of records. */
  templates: TemplateInfo[]
  commit(): Promise<void>
  abort(): Promise<void>
}

/** A scratch file beside `output`, so that it can be renamed into place; stdout and devices are written straight (see streamed()). */
export async function openRowScratch(output: string, stdout: NodeJS.WritableStream, flag: string): Promise<RowScratch> {
  const dest = output === '-' ? undefined : await destinationOf(output)
  if (dest === undefined || (dest.existing !== undefined && !dest.existing.isFile())) return streamed(output, stdout, flag)
  const path = scratchBeside(dest.path, 'rows.tmp')
  const forget = trackTemporary(path)
  let failure: unknown
  // Rows come in buffers of megabytes (a worker's slot): with the default 16 KB mark every write
  // would wait for 'drain' before the next region can be sent out.
  const stream: WriteStream = createWriteStream(path, {highWaterMark: 8 * CHUNK, mode: scratchMode(dest) ?? 0o666})
  stream.on('error', (error) => (failure ??= error))
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve())
      stream.once('error', reject)
    })
  } catch (error) {
    forget()
    await rm(path, {force: true})
    throw writeError(error, output, flag)
  }
  const close = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stream.closed) return failure ? reject(failure) : resolve()
      stream.end((error?: Error | null) => (error ?? failure ? reject(error ?? failure) : resolve()))
    })
  const cleanUp = async (): Promise<void> => {
    forget()
    await rm(path, {force: true})
  }
  return {
    stream,
    async finish(miner) {
      try {
        await close()
        const refinement = miner.refine()
        const revised = miner.revisedTemplates()
        const split = refinement.splitIds
        if (revised.size === 0 && split.size === 0) {
          return {
            templates: miner.templates(),
            async commit() {
              try {
                await placeFile(path, dest)
              } catch (error) {
                throw writeError(error, output, flag)
              } finally {
                await cleanUp()
              }
            },
            abort: cleanUp,
          }
        }
        const out = await openOutput(output, {flag, highWaterMark: 8 * CHUNK})
        try {
          const counts = await copyWithFinalTemplates(path, out.stream, miner, refinement)
          await cleanUp()
          return {templates: finalTemplates(miner, refinement, counts), commit: () => out.commit(), abort: () => out.abort()}
        } catch (error) {
          await out.abort()
          throw error
        }
      } catch (error) {
        await cleanUp()
        throw writeError(error, output, flag)
      }
    },
    async abort() {
      stream.destroy()
      await cleanUp()
    },
  }
}

/**
 * stdout and devices (`-o -`, `-o /dev/stdout`, `-o /dev/null`) get the rows as they are mined:
 * a pipe must not wait for the end of the input, and holding the rows in a scratch file would
 * double the time of a run. They get no `_templates.csv` to disagree with; rows of a template
 * generalised later keep the text it had when they were written.
 */
async function streamed(output: string, stdout: NodeJS.WritableStream, flag: string): Promise<RowScratch> {
  const out: PendingOutput = output === '-' ? {path: output, stream: stdout, commit: async () => {}, abort: async () => {}} : await openOutput(output, {flag, highWaterMark: 8 * CHUNK})
  return {
    stream: out.stream,
    async finish(miner) {
      return {templates: miner.templates(), commit: () => out.commit(), abort: () => out.abort()}
    },
    abort: () => out.abort(),
  }
}

/**
 * Copies the rows CSV, rewriting those of revised and split templates. One row is one line: no
 * field holds a newline. Returns the records per part of each split template.
 */
export async function copyWithFinalTemplates(path: string, stream: NodeJS.WritableStream, miner: TemplateMiner, refinement: Refinement): Promise<Map<string, number>> {
  const sink = new ByteOut(CHUNK)
  const fixer = new RowFixer(miner, refinement)
  let carry: Buffer | null = null
  let header = true
  const line = (buf: Buffer, a: number, b: number): void => {
    if (header) {
      header = false
      copyBytes(sink, buf, a, b)
      return
    }
    const fixed = fixer.fix(buf.toString('utf8', a, b))
    if (fixed === null) copyBytes(sink, buf, a, b)
    else sink.text(fixed)
  }
  for await (const chunk of createReadStream(path, {highWaterMark: CHUNK}) as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk
    let start = 0
    let nl = buf.indexOf(10, start)
    while (nl >= 0) {
      line(buf, start, nl + 1)
      start = nl + 1
      nl = buf.indexOf(10, start)
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null
    await flushRows(sink, stream)
  }
  if (carry) line(carry, 0, carry.length)
  await flushRows(sink, stream, true)
  return fixer.counts
}

/** The templates of the run after the second pass: split templates are replaced by their parts. */
function finalTemplates(miner: TemplateMiner, refinement: Refinement, counts: ReadonlyMap<string, number>): TemplateInfo[] {
  const split = refinement.splitIds
  const out: TemplateInfo[] = []
  for (const t of miner.templates()) if (!split.has(t.id)) out.push(t)
  const seen = new Set<string>()
  for (const part of refinement.parts()) {
    const count = counts.get(part.id) ?? 0
    if (count === 0 || seen.has(part.id)) continue
    seen.add(part.id)
    out.push({id: part.id, template: part.template, count})
  }
  // A split template's lines that fit none of its parts (a line of a record cut mid-way) keep its id.
  for (const t of miner.templates()) if (split.has(t.id) && !seen.has(t.id) && (counts.get(t.id) ?? 0) > 0) out.push({...t, count: counts.get(t.id) ?? 0})
  return out.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
}

function copyBytes(sink: ByteOut, buf: Buffer, a: number, b: number): void {
  sink.ensure(b - a)
  buf.copy(sink.buf, sink.off, a, b)
  sink.off += b - a
}

/**
 * Rewrites rows of revised and split templates. Columns: LineId, EventId, EventTemplate,
 * Timestamp, Level, Component, Content, SessionId, ParameterList, ParameterTypes.
 */
class RowFixer {
  /** Records per id of the split templates' rows. */
  readonly counts = new Map<string, number>()
  private readonly revised: ReadonlyMap<string, string>
  private readonly split: ReadonlySet<string>
  private readonly escaped = new Map<string, string>()
  // The row before, to keep the lines of one multi-line record together.
  private lastLineId = -1
  private lastOldId = ''
  private lastNewId = ''

  constructor(
    private readonly miner: TemplateMiner,
    private readonly refinement: Refinement,
  ) {
    this.revised = miner.revisedTemplates()
    this.split = refinement.splitIds
  }

  /** The row rewritten, or null when it stays as it is. */
  fix(row: string): string | null {
    const c1 = row.indexOf(',')
    const c2 = row.indexOf(',', c1 + 1)
    if (c1 < 0 || c2 < 0) return null
    const id = row.slice(c1 + 1, c2)
    const lineId = Number(row.slice(0, c1))
    const isSplit = this.split.has(id)
    if (!isSplit && !this.revised.has(id)) return null
    const fields = csvFields(row, c2 + 1)
    if (fields.length !== 8) return null
    const content = unquote(fields[4])
    let newId = id
    // A split template's id is also the id of its first part, whose text it then takes.
    let text = (isSplit ? this.refinement.template(id) : undefined) ?? this.revised.get(id) ?? this.miner.template(id)?.template ?? ''
    let params: ReturnType<TemplateMiner['extractParams']> | undefined
    if (isSplit) {
      const part = this.refinement.part(content, id)
      if (part) {
        newId = part.id
        text = part.template
        params = this.refinement.params(content, part)
      }
      if (part === undefined && lineId === this.lastLineId + 1 && id === this.lastOldId) {
        // A later line of a multi-line record (it fits no part): it goes with the record's first line.
        newId = this.lastNewId
        text = this.refinement.template(newId) ?? text
        params = null
      } else this.counts.set(newId, (this.counts.get(newId) ?? 0) + 1)
    }
    this.lastLineId = lineId
    this.lastOldId = id
    this.lastNewId = newId
    params ??= this.miner.extractParams(content, id)
    let template = this.escaped.get(text)
    if (template === undefined) this.escaped.set(text, (template = csvField(text)))
    // A line of a multi-line record holds part of the record: its parameters stay as mined.
    const lists = params === null ? `,${fields[6]},${fields[7]}\n` : paramLists(params)
    return `${row.slice(0, c1)},${newId},${template},${fields[1]},${fields[2]},${fields[3]},${fields[4]},${fields[5]}${lists}`
  }
}

/** The raw (still quoted) fields of a CSV line from `from` on, without its line ending. */
function csvFields(row: string, from: number): string[] {
  const out: string[] = []
  let end = row.length
  if (row.charCodeAt(end - 1) === 10) end--
  let i = from
  while (i <= end) {
    let j = i
    if (row.charCodeAt(i) === 34) {
      j = i + 1
      for (;;) {
        j = row.indexOf('"', j)
        if (j < 0 || j >= end) return []
        if (row.charCodeAt(j + 1) === 34) j += 2
        else break
      }
      j++
    } else {
      j = row.indexOf(',', i)
      if (j < 0 || j > end) j = end
    }
    out.push(row.slice(i, j))
    i = j + 1
  }
  return out
}

function unquote(field: string): string {
  return field.charCodeAt(0) === 34 ? field.slice(1, -1).replaceAll('""', '"') : field
}
