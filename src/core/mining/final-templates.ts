/**
 * Every row of `flare parse` carries its template's final text (the loghub convention: the rows
 * agree with `_templates.csv`). Rows are written while mining, when a template may still be
 * generalised by later lines; so they go to a scratch file first. When no template changed after
 * its first row (HDFS, most runs of a known log) the scratch file is renamed into place as it is;
 * otherwise it is copied once, and the rows of the revised templates get the final text and the
 * parameters read against it.
 */
import {createReadStream, createWriteStream, type WriteStream} from 'node:fs'
import {open, rename, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {openOutput, writeError, type PendingOutput} from '../io/output.js'
import {trackTemporary} from '../io/temp-files.js'
import type {TemplateMiner} from '../templates/index.js'
import {ByteOut, csvField, paramLists} from './fast-path.js'
import {flushRows} from './run.js'

const CHUNK = 1 << 20

/** Where the rows go while mining; finish() puts the final CSV in place. */
export interface RowScratch {
  readonly stream: NodeJS.WritableStream
  /** Writes the CSV to `output` (a path or `-` for `stdout`) with every row's final template. */
  finish(miner: TemplateMiner): Promise<void>
  abort(): Promise<void>
}

/** A scratch file beside `output` (so it can be renamed into place), or in the temp folder for stdout and devices. */
export async function openRowScratch(output: string, stdout: NodeJS.WritableStream, flag: string): Promise<RowScratch> {
  const info = output === '-' ? undefined : await stat(output).catch(() => undefined)
  const direct = output === '-' || (info !== undefined && !info.isFile())
  const path = direct ? join(tmpdir(), `flare-parse-${process.pid}-${Date.now()}.csv`) : join(dirname(output), `.${basename(output)}.${process.pid}.rows.tmp`)
  const forget = trackTemporary(path)
  let failure: unknown
  // Rows come in buffers of megabytes (a worker's slot): with the default 16 KB mark every write
  // would wait for 'drain' before the next region can be sent out.
  const stream: WriteStream = createWriteStream(path, {highWaterMark: 8 * CHUNK})
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
        const revised = miner.revisedTemplates()
        if (revised.size === 0 && !direct) {
          await syncFile(path)
          await rename(path, output)
          forget()
          return
        }
        const out: PendingOutput = direct && output === '-' ? {path: output, stream: stdout, commit: async () => {}, abort: async () => {}} : await openOutput(output, {flag, highWaterMark: 8 * CHUNK})
        try {
          await copyWithFinalTemplates(path, out.stream, miner, revised)
          await out.commit()
        } catch (error) {
          await out.abort()
          throw error
        }
      } catch (error) {
        throw writeError(error, output, flag)
      } finally {
        await cleanUp()
      }
    },
    async abort() {
      stream.destroy()
      await cleanUp()
    },
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Copies the rows CSV, rewriting those whose template was revised. One row is one line: no field holds a newline. */
export async function copyWithFinalTemplates(path: string, stream: NodeJS.WritableStream, miner: TemplateMiner, revised: ReadonlyMap<string, string>): Promise<void> {
  const sink = new ByteOut(CHUNK)
  const escaped = new Map<string, string>()
  for (const [id, text] of revised) escaped.set(id, csvField(text))
  let carry: Buffer | null = null
  let header = true
  const line = (buf: Buffer, a: number, b: number): void => {
    if (header) {
      header = false
      copyBytes(sink, buf, a, b)
      return
    }
    const fixed = fixRow(buf.toString('utf8', a, b), escaped, miner)
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
}

function copyBytes(sink: ByteOut, buf: Buffer, a: number, b: number): void {
  sink.ensure(b - a)
  buf.copy(sink.buf, sink.off, a, b)
  sink.off += b - a
}

/**
 * The row with its revised template's final text and its parameters read against it, or null
 * when the row's template was not revised. Columns: LineId, EventId, EventTemplate, Timestamp,
 * Level, Component, Content, SessionId, ParameterList, ParameterTypes.
 */
function fixRow(row: string, escaped: ReadonlyMap<string, string>, miner: TemplateMiner): string | null {
  const c1 = row.indexOf(',')
  const c2 = row.indexOf(',', c1 + 1)
  if (c1 < 0 || c2 < 0) return null
  const id = row.slice(c1 + 1, c2)
  const template = escaped.get(id)
  if (template === undefined) return null
  const fields = csvFields(row, c2 + 1)
  if (fields.length !== 8) return null
  const content = unquote(fields[4])
  // A line of a multi-line record holds part of the record: its parameters stay as mined.
  const params = miner.extractParams(content, id)
  const lists = params === null ? `,${fields[6]},${fields[7]}\n` : paramLists(params)
  return `${row.slice(0, c2)},${template},${fields[1]},${fields[2]},${fields[3]},${fields[4]},${fields[5]}${lists}`
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
