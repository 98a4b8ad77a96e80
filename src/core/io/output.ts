import {once} from 'node:events'
import {createWriteStream, realpathSync, type Stats, type WriteStream} from 'node:fs'
import {chmod, chown, mkdtemp, open, readdir, readlink, realpath, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join, relative, resolve, sep} from 'node:path'
import {ExitCode, FlareError} from '../errors.js'
import {configuredSecrets, scrubText} from '../secrets.js'
import {trackTemporary} from './temp-files.js'

/**
 * Every file Flare writes goes through here, so that nothing a user had is ever lost:
 * - an output that is one of the inputs (same file, also through links) is refused before any work;
 * - a regular file is written to a temporary file beside it and renamed into place only when the
 *   whole of it is written, so a failure or an interrupt leaves the previous file as it was; the new
 *   file keeps the replaced one's mode (a private file stays private) and, where allowed, its owner;
 * - a symbolic link is written through: its target is replaced and the link stays a link;
 * - a device or pipe (/dev/stdout, /dev/full, a FIFO) is written directly — it cannot be renamed over;
 * - a full disk or a read-only folder is one clear line with exit code 3.
 */
export interface OutputSpec {
  path: string
  /** The flag that named it, for messages (`-o`, `--save-model`). */
  flag: string
  kind?: 'file' | 'folder'
  /**
   * A folder output: the only names an existing folder may hold to be replaced (a model's files).
   * A folder holding anything else (a log, a labels file, a .git) is refused, not emptied.
   */
  replaces?: readonly string[]
  /**
   * A name Flare chose, not the user (`parse`'s default CSV, the `_templates.csv` beside a CSV,
   * `.summaries.json` beside results): it never replaces an existing file. `companionOf`: the
   * output it goes with; an earlier companion is replaced along with that output (a rerun).
   */
  chosen?: {why: string; companionOf?: string; hint: string}
}

/** A companion output (`X_templates.csv` beside `-o X.csv`): replaced only along with `of`, see OutputSpec.chosen. */
export function companionOutput(path: string, flag: string, of: string, what: string): OutputSpec {
  return {path, flag, chosen: {why: `${what} named after ${of} replaces a file only along with ${of} (a rerun)`, companionOf: of, hint: `move ${path} away, or choose another ${flag.split(' ')[0]}`}}
}

/**
 * The files this run writes, for sources that must not read them back (`collect 'logs/*'` with a
 * sink or --state in logs/): an output, anything in an output folder, and what is made beside one
 * while it is written (`.NAME.PID.tmp`, `.NAME.staging-…`, a kept `NAME.….bak`). Returns the output.
 */
export function ownFiles(outputs: readonly OutputSpec[]): (path: string) => OutputSpec | undefined {
  const places: {output: OutputSpec; dir: string; name: string}[] = []
  for (const output of outputs) {
    if (output.path === '-') continue
    const at = resolve(output.path)
    places.push({output, dir: dirname(at), name: basename(at)})
    // Also by its folder's real path (a glob through a linked folder names it that way).
    const real = realFolder(dirname(at))
    if (real !== undefined && real !== dirname(at)) places.push({output, dir: real, name: basename(at)})
  }
  return (path) => {
    const at = resolve(path)
    for (const {output, dir, name} of places) {
      const rel = relative(dir, at)
      if (rel === '' || rel.startsWith('..')) continue
      const first = rel.split(sep)[0]
      if (first === name || first.startsWith(`.${name}.`) || (first === rel && first.startsWith(`${name}.`) && first.endsWith('.bak'))) return output
    }
    return undefined
  }
}

function realFolder(dir: string): string | undefined {
  try {
    return realpathSync(dir)
  } catch {
    return undefined
  }
}

/** How many names a refusal lists before "…". */
const LISTED_NAMES = 4


/** Refuses outputs that would overwrite an input or cannot be written; call before the work starts. */
export async function checkOutputs(outputs: readonly OutputSpec[], inputs: readonly string[]): Promise<void> {
  const inputIds = new Map<string, string>()
  for (const input of inputs) {
    if (!input || input === '-') continue
    const info = await stat(input).catch(() => undefined)
    if (info) inputIds.set(`${info.dev}:${info.ino}`, input)
  }
  const outputPlaces = new Map<string, OutputSpec>()
  for (const output of outputs) {
    if (output.path === '-') continue
    const info = await stat(output.path).catch(() => undefined)
    // Two outputs of one run in one file: the later would overwrite (or interleave with) the other.
    if (!info || info.isFile() || info.isDirectory()) {
      const place = info ? `${info.dev}:${info.ino}` : resolve(output.path)
      const other = outputPlaces.get(place)
      if (other) throw new FlareError(`${output.flag} ${output.path} is also the output of ${other.flag}: one would overwrite the other`, {exitCode: ExitCode.usage, hint: `give ${output.flag} and ${other.flag} different paths`})
      outputPlaces.set(place, output)
    }
    if (info) {
      const same = inputIds.get(`${info.dev}:${info.ino}`)
      if (same !== undefined && (info.isFile() || info.isDirectory())) {
        throw new FlareError(`${output.flag} ${output.path} is the input ${same}: writing it would destroy the input`, {exitCode: ExitCode.usage, hint: `choose another path for ${output.flag}`})
      }
      if ((output.kind ?? 'file') === 'file' && info.isDirectory()) {
        throw new FlareError(`${output.flag} ${output.path} is a directory`, {exitCode: ExitCode.usage, hint: `give ${output.flag} a file path, e.g. ${join(output.path, 'results.json')}`})
      }
      if (output.kind === 'folder' && !info.isDirectory()) {
        throw new FlareError(`${output.flag} ${output.path} exists and is not a folder`, {exitCode: ExitCode.usage, hint: `give ${output.flag} a new folder path, or the folder of an earlier model`})
      }
      if (output.kind === 'folder') await checkReplaceable(output, inputs)
      if (output.chosen && !(output.chosen.companionOf !== undefined && (await stat(output.chosen.companionOf).catch(() => undefined))?.isFile())) {
        throw new FlareError(`${output.path} exists: ${output.chosen.why}`, {exitCode: ExitCode.usage, hint: output.chosen.hint})
      }
    }
    const parent = dirname(output.path)
    const parentInfo = await stat(parent).catch(() => undefined)
    if (parentInfo && !parentInfo.isDirectory()) {
      throw new FlareError(`cannot write ${output.path}: ${parent} is a file, not a folder`, {exitCode: ExitCode.usage, hint: `choose another path for ${output.flag}`})
    }
    if (!parentInfo) {
      throw new FlareError(`cannot write ${output.path}: the folder ${parent} does not exist`, {exitCode: ExitCode.usage, hint: `create it first (mkdir -p ${parent}) or choose another path for ${output.flag}`})
    }
  }
}

/**
 * An existing folder that a folder output would replace: it may hold only the output's own names
 * (an earlier model), and no input of the run may lie in it.
 */
async function checkReplaceable(output: OutputSpec, inputs: readonly string[]): Promise<void> {
  const folder = await realpath(output.path)
  for (const input of inputs) {
    if (!input || input === '-') continue
    const real = await realpath(input).catch(() => undefined)
    if (real !== undefined && real.startsWith(folder + sep)) {
      throw new FlareError(`${output.flag} ${output.path} holds the input ${input}: replacing the folder would delete it`, {exitCode: ExitCode.usage, hint: `give ${output.flag} a new folder path`})
    }
  }
  const allowed = new Set(output.replaces ?? [])
  const foreign = (await readdir(output.path)).filter((name) => !allowed.has(name)).sort()
  if (foreign.length === 0) return
  const listed = foreign.slice(0, LISTED_NAMES).join(', ') + (foreign.length > LISTED_NAMES ? `, … (${foreign.length} in all)` : '')
  const what = allowed.size > 0 ? `files that are not ${output.flag === '--save-model' ? "a Flare model's" : 'its own'}` : 'files'
  throw new FlareError(`${output.flag} ${output.path} holds ${what} (${listed}): replacing the folder would delete them`, {exitCode: ExitCode.usage, hint: `give ${output.flag} a new or empty folder, or the folder of an earlier model`})
}

/**
 * Waits until `stream` takes more. A stream that already failed (the reader of a pipe went away:
 * EPIPE) emits no 'drain' and no new 'error', so waiting on it alone would never end.
 */
export async function drained(stream: NodeJS.WritableStream): Promise<void> {
  const writable = stream as NodeJS.WritableStream & {errored?: Error | null; destroyed?: boolean}
  if (writable.errored) throw writable.errored
  if (writable.destroyed) throw Object.assign(new Error('the output was closed'), {code: 'EPIPE'})
  await once(stream, 'drain')
}

export function writeError(error: unknown, path: string, flag?: string): FlareError {
  if (error instanceof FlareError) return error
  const code = (error as NodeJS.ErrnoException)?.code
  const why = code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'EDQUOT' ? 'disk quota exceeded' : (error as Error)?.message ?? String(error)
  return new FlareError(`cannot write ${path}: ${why}`, {exitCode: ExitCode.badInput, hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space, or write elsewhere' : `choose a writable path${flag ? ` with ${flag}` : ''}`, cause: error})
}

/** A file being written: bytes go to `stream`; `commit()` puts the whole file in place, `abort()` leaves the old one. */
export interface PendingOutput {
  readonly path: string
  readonly stream: NodeJS.WritableStream
  commit(): Promise<void>
  abort(): Promise<void>
}

/** Where writing `path` lands, and what is there now (see destinationOf). */
export interface Destination {
  path: string
  existing?: Stats
}

/**
 * Where writing `path` lands: through symbolic links (also one whose target does not exist yet) to
 * the file or folder they name, so the link stays a link; devices and pipes as they are named.
 */
export async function destinationOf(path: string): Promise<Destination> {
  const existing = await stat(path).catch(() => undefined)
  if (existing) return {path: existing.isFile() || existing.isDirectory() ? await realpath(path) : path, existing}
  let real = path
  for (let hops = 0; hops < 40; hops++) {
    const link = await readlink(real).catch(() => undefined)
    if (link === undefined) break
    real = resolve(dirname(real), link)
  }
  return {path: real}
}

/** A scratch name beside `dest` (one folder, so that the rename into place is atomic). */
export function scratchBeside(dest: string, tag = 'tmp'): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${tag}`)
}

/**
 * The mode a scratch file is created with: no more open to others than the file it replaces (umask
 * may narrow it until placed), and writable by its writer (a read-only 0444 file is replaced too).
 */
export function scratchMode(dest: Destination): number | undefined {
  return dest.existing?.isFile() ? (dest.existing.mode & 0o777) | 0o600 : undefined
}

/** `path` (a finished scratch file or folder) gets the owner, where allowed, and the mode of what it replaces. */
export async function keepOwnerAndMode(path: string, old: Stats | undefined): Promise<void> {
  if (!old) return
  // Only root (or a member of the group) may give a file away: elsewhere it stays the writer's.
  if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) await chown(path, old.uid, old.gid).catch(() => {})
  await chmod(path, old.mode & 0o7777)
}

/** Puts a complete scratch file in place of `dest`: on disk first, with the replaced file's mode and owner. */
export async function placeFile(scratch: string, dest: Destination): Promise<void> {
  await syncFile(scratch)
  await keepOwnerAndMode(scratch, dest.existing)
  await rename(scratch, dest.path)
}

export async function openOutput(path: string, options: {flag?: string; highWaterMark?: number} = {}): Promise<PendingOutput> {
  const dest = await destinationOf(path)
  // Devices, FIFOs and /dev/stdout are written as they are: there is nothing to keep, and
  // renaming a file over /dev/full would replace the device.
  const direct = dest.existing !== undefined && !dest.existing.isFile()
  const target = direct ? path : scratchBeside(dest.path)
  const forget = direct ? () => {} : trackTemporary(target)
  let failure: unknown
  const stream: WriteStream = createWriteStream(target, {highWaterMark: options.highWaterMark, mode: (direct ? undefined : scratchMode(dest)) ?? 0o666})
  stream.on('error', (error) => (failure ??= error))
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (error) => reject(writeError(error, path, options.flag)))
  }).catch(async (error) => {
    forget()
    if (!direct) await rm(target, {force: true})
    throw error
  })
  const close = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stream.closed) return failure ? reject(failure) : resolve()
      stream.end((error?: Error | null) => (error ?? failure ? reject(error ?? failure) : resolve()))
    })
  return {
    path,
    stream,
    async commit() {
      try {
        await close()
        if (!direct) await placeFile(target, dest)
      } catch (error) {
        if (!direct) await rm(target, {force: true})
        throw writeError(error, path, options.flag)
      } finally {
        forget()
      }
    },
    async abort() {
      stream.destroy()
      forget()
      if (!direct) await rm(target, {force: true})
    },
  }
}

/** The whole of `data` in place at `path`, or nothing changed there. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: {flag?: string} = {}): Promise<void> {
  // A configured key never lands in a file Flare writes (a reply or a log line that carried it).
  if (typeof data === 'string') data = scrubText(data, configuredSecrets())
  await writeStreamAtomic(path, (stream) => new Promise<void>((resolve, reject) => {
    stream.write(data, (error) => (error ? reject(error) : resolve()))
  }), options)
}

/** What `fill` writes to the stream, in place at `path` once it resolves; nothing changed there if it throws. */
export async function writeStreamAtomic(path: string, fill: (stream: NodeJS.WritableStream) => Promise<void>, options: {flag?: string} = {}): Promise<void> {
  const out = await openOutput(path, options)
  try {
    await fill(out.stream)
  } catch (error) {
    await out.abort()
    throw writeError(error, path, options.flag)
  }
  await out.commit()
}

/**
 * A folder written whole: `fill` writes into a staging folder beside `dir`, which then takes its
 * place (an earlier folder there is removed only after the new one is complete).
 */
export async function writeFolderAtomic(path: string, fill: (staging: string) => Promise<void>, options: {flag?: string} = {}): Promise<void> {
  let dir = path
  let staging: string
  try {
    // A link to a folder: its target is replaced and the link stays.
    dir = (await destinationOf(path)).path
    staging = await mkdtemp(join(dirname(dir), `.${basename(dir)}.staging-`))
  } catch (error) {
    throw writeError(error, path, options.flag)
  }
  const forgetStaging = trackTemporary(staging)
  // Not tracked for removal at exit: for a moment it is the user's only copy of the old folder.
  const old = join(dirname(dir), `.${basename(dir)}.old-${process.pid}`)
  try {
    await fill(staging)
    const existing = await stat(dir).catch(() => undefined)
    // The new folder keeps the old one's permissions (mkdtemp made the staging folder 0700).
    await keepOwnerAndMode(staging, existing)
    if (existing) await rename(dir, old)
    try {
      await rename(staging, dir)
    } catch (error) {
      if (existing) await rename(old, dir)
      throw error
    }
    await rm(old, {recursive: true, force: true})
  } catch (error) {
    await rm(staging, {recursive: true, force: true})
    throw writeError(error, path, options.flag)
  } finally {
    forgetStaging()
  }
}

/** Puts a written file's bytes on disk before it is renamed into place. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
