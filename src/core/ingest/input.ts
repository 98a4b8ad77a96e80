import {createWriteStream} from 'node:fs'
import {mkdtemp, open, rm, stat, type FileHandle} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {ExitCode, FlareError} from '../errors.js'
import {trackTemporary} from '../io/temp-files.js'

/**
 * The input of one run, opened once. Every pass over it (mining, then the text of sample lines)
 * reads through this one handle, so a log rotated, replaced or deleted during the run cannot mix
 * two files' lines. Stdin, FIFOs and process substitutions (`<(cat log)`) can be read only once:
 * they are spooled to a temporary file first, removed at close or on any exit.
 */
export interface OpenedInput {
  /** What the user named (`<stdin>` for -). */
  readonly name: string
  /** The path the handle was opened from (the spool file for streams). */
  readonly path: string
  readonly handle: FileHandle
  /** Size when opened. */
  readonly size: number
  /** True when the input was a stream copied to a temporary file. */
  readonly spooled: boolean
  /** What happened to the input since it was opened: truncated, replaced or deleted (empty when nothing). */
  changes(): Promise<string[]>
  close(): Promise<void>
}

export interface OpenInputOptions {
  stdin?: Readable
  signal?: AbortSignal
}

export async function openInput(input: string, options: OpenInputOptions = {}): Promise<OpenedInput> {
  if (input === '-') {
    const stdin = options.stdin ?? process.stdin
    if (stdin === process.stdin && process.stdin.isTTY) {
      throw new FlareError('Nothing to read: standard input is a terminal, not a pipe.', {
        exitCode: ExitCode.badInput,
        hint: 'Pipe a log in (cat app.log | flare ... -), or pass a file path instead of -.',
      })
    }
    return spool(stdin, '<stdin>', options.signal)
  }
  let info
  try {
    info = await stat(input)
  } catch (error) {
    throw inputError(error, input)
  }
  if (info.isDirectory()) {
    throw new FlareError(`${input} is a directory, not a log file.`, {
      exitCode: ExitCode.badInput,
      hint: `Pass one file inside it, or concatenate several: cat ${input.replace(/\/$/, '')}/*.log | flare ... -`,
    })
  }
  if (!info.isFile()) {
    // A FIFO or /dev/fd/N: its bytes can be read once, so they are kept for the later passes.
    const {createReadStream} = await import('node:fs')
    return spool(createReadStream(input), input, options.signal)
  }
  let handle: FileHandle
  try {
    handle = await open(input, 'r')
  } catch (error) {
    throw inputError(error, input)
  }
  const opened = await handle.stat()
  const head = await readHead(handle, HEAD_BYTES)
  return {
    name: input,
    path: input,
    handle,
    size: opened.size,
    spooled: false,
    async changes() {
      const out: string[] = []
      const now = await handle.stat()
      if (now.size < opened.size) out.push(`${input} was truncated while Flare read it (${opened.size} → ${now.size} bytes): the results cover only the part read before.`)
      // Rewritten in place: an appended log keeps its first bytes, a rewritten one does not.
      else if (now.mtimeMs !== opened.mtimeMs && !(await readHead(handle, head.length)).equals(head)) out.push(`${input} was modified while Flare read it: sample lines may not match what was mined.`)
      try {
        const named = await stat(input)
        if (named.ino !== opened.ino || named.dev !== opened.dev) out.push(`${input} was replaced (rotated?) during the run: the results are for the file as it was when Flare opened it.`)
      } catch {
        out.push(`${input} was deleted during the run: the results are for the file as it was when Flare opened it.`)
      }
      return out
    },
    close: () => handle.close(),
  }
}

const HEAD_BYTES = 4096

async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  const {bytesRead} = await handle.read(buf, 0, length, 0)
  return buf.subarray(0, bytesRead)
}

async function spool(stream: Readable, name: string, signal?: AbortSignal): Promise<OpenedInput> {
  const dir = await mkdtemp(join(tmpdir(), 'flare-input-'))
  const forget = trackTemporary(dir)
  const path = join(dir, 'input.log')
  try {
    await pipeline(stream, createWriteStream(path), {signal})
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    forget()
    if (signal?.aborted) throw signal.reason
    throw new FlareError(`Cannot read ${name}: ${(error as Error).message}`, {exitCode: ExitCode.badInput, cause: error})
  }
  const handle = await open(path, 'r')
  const {size} = await handle.stat()
  return {
    name,
    path,
    handle,
    size,
    spooled: true,
    changes: async () => [],
    async close() {
      await handle.close()
      await rm(dir, {recursive: true, force: true})
      forget()
    },
  }
}

export function inputError(error: unknown, path: string): FlareError {
  const code = (error as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT')
    return new FlareError(`No such file: ${path}`, {exitCode: ExitCode.badInput, hint: 'Check the path (it is relative to the current directory), or pass - to read standard input.', cause: error})
  if (code === 'EACCES' || code === 'EPERM')
    return new FlareError(`Permission denied reading ${path}`, {exitCode: ExitCode.badInput, hint: `Check the file's permissions (ls -l ${path}), or run as a user who can read it.`, cause: error})
  if (code === 'EISDIR') return new FlareError(`${path} is a directory, not a log file.`, {exitCode: ExitCode.badInput, hint: 'Pass one file inside it.', cause: error})
  return new FlareError(`Cannot read ${path}: ${(error as Error)?.message ?? String(error)}`, {exitCode: ExitCode.badInput, hint: 'Check that the path names a readable file.', cause: error})
}
