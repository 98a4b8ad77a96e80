import {watch, type FSWatcher} from 'node:fs'
import {open, readdir, stat, type FileHandle} from 'node:fs/promises'
import {dirname} from 'node:path'
import picomatch from 'picomatch'
import type {FileResumePoint, LineSink, LineSource} from '../contracts.js'
import {findCopy, findRenamed, keyOf, lineStartBefore, readAt, sameBytes} from './file-bytes.js'
import {LiveSplitter} from './live-splitter.js'
import {StatsKeeper, type LiveSourceStats} from './source-stats.js'

export interface FileSourceOptions {
  onNote?: (note: string) => void
  maxLineBytes?: number
  /** Read files present at start from their beginning; otherwise from their end, like tail. */
  fromStart?: boolean
  /** How often files are checked when no watch event arrives (ms). */
  pollMs?: number
  /** How often a glob's directories are listed for new files when no watch event arrives (ms). */
  rescanMs?: number
  /** How long a rotated-away or deleted file is still drained for late writes (ms). */
  graceMs?: number
  /** Arrival time given to the lines read, epoch ms (default the wall clock). */
  arrivalClock?: () => number
  /** Where an earlier run stopped reading (collect --state): such a file is read on from there, not from its end. */
  resume?: readonly FileResumePoint[]
  /** Files this run writes (sinks, state; io/output.ts ownFiles): never followed, also when a glob matches them. */
  exclude?: (path: string) => {path: string; flag: string} | undefined
}

const CHUNK = 64 * 1024
/** Region buffers kept for reuse at most (the queue holds about this many at its capacity). */
const SPARE_REGIONS = 128
/** Bytes read from one file per pass before the other files get their turn. */
const MAX_DRAIN = 16 * 1024 * 1024
/** Bytes before the read position remembered to notice a file rewritten behind our back. */
const FINGERPRINT = 64
const MAX_DEPTH = 12

/** One open file: its handle, identity and read position. Owned by one follower or the retired list. */
interface OpenFile {
  handle: FileHandle
  key: string
  path: string
  position: number
  splitter: LiveSplitter
  /** The bytes just before `position`, to tell an append from a copytruncate followed by writes. */
  tail: Buffer
}

interface Follower {
  path: string
  file?: OpenFile
  /** Files found when the source started honour fromStart; later ones are new and read whole. */
  initial: boolean
  missingNoted: boolean
}

/**
 * Follows files like `tail -F`: a path or a glob, rotation by rename (the old file is finished,
 * then the new one read from its start) and by copytruncate (a shrink, or the bytes before the
 * read position changing, means reading again from 0), files that appear later, partial last
 * lines held until their newline. fs.watch wakes it early; polling makes it correct without.
 */
export class FileSource implements LineSource {
  readonly name: string
  private readonly stats_: StatsKeeper
  private readonly maxLineBytes: number
  private readonly isGlob: boolean
  private readonly matcher?: (path: string) => boolean
  private readonly base: string
  private readonly globDepth: number
  private readonly followers = new Map<string, Follower>()
  /** Files no name leads to any more, read to their end; `backlog` ones (an earlier run's file, renamed while Flare was stopped) before any followed file. */
  private readonly retired: {file: OpenFile; until: number; backlog?: boolean}[] = []
  /** Every open file by identity, so a file renamed into the glob is taken over, not read twice. */
  private readonly openByKey = new Map<string, {file: OpenFile; owner?: Follower}>()
  /** Read positions of files closed by this source, for a file that comes back under another name. */
  private readonly closedAt = new Map<string, {position: number; tail: Buffer}>()
  /** Files an earlier run stopped reading (options.resume), by identity, until each is opened once. */
  private readonly resumeAt = new Map<string, {position: number; tail: Buffer}>()
  /** The same, by the path they were read at: that path may name another file now (rotated meanwhile). */
  private readonly resumeByPath = new Map<string, {key: string; position: number; tail: Buffer}>()
  /** resumePoints() as they stood at stop() (the files are closed after it). */
  private stoppedAt?: FileResumePoint[]
  private readonly watchers = new Map<string, FSWatcher | null>()
  private sink?: LineSink
  private loop?: Promise<void>
  private stopped = false
  private wakeUp?: () => void
  private pendingWake = false
  private lastScan = 0
  private readBuffer = Buffer.allocUnsafe(CHUNK)
  /** Region buffers given back by the consumer, for the next regions. */
  private readonly spare: Buffer[] = []
  private readonly arrival: () => number

  constructor(
    readonly pattern: string,
    private readonly options: FileSourceOptions = {},
  ) {
    this.name = `file:${pattern}`
    this.arrival = options.arrivalClock ?? Date.now
    this.stats_ = new StatsKeeper(options.onNote)
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024
    const scan = picomatch.scan(pattern)
    this.isGlob = scan.isGlob
    this.base = scan.base
    this.globDepth = scan.glob.includes('**') ? MAX_DEPTH : scan.glob.split('/').length
    if (this.isGlob) this.matcher = picomatch(pattern, {dot: true})
    else this.followers.set(pattern, {path: pattern, initial: true, missingNoted: false})
    for (const point of options.resume ?? []) {
      const at = {position: point.position, tail: Buffer.from(point.tail, 'base64')}
      this.resumeAt.set(point.key, at)
      this.resumeByPath.set(point.path, {key: point.key, ...at})
    }
  }

  async resumePoints(): Promise<FileResumePoint[]> {
    if (this.stoppedAt !== undefined) return this.stoppedAt
    const points: FileResumePoint[] = []
    for (const {file} of this.openByKey.values()) {
      // The end of the last complete line: a line still being written is read whole next time.
      const position = Math.max(0, file.position - file.splitter.pending)
      const tail = await readAt(file.handle, Math.max(0, position - FINGERPRINT), Math.min(position, FINGERPRINT))
      points.push({path: file.path, key: file.key, position, tail: tail.toString('base64')})
    }
    return points
  }

  async start(sink: LineSink): Promise<void> {
    this.sink = sink
    if (this.isGlob) await this.rescan(true)
    // Every present file is opened and positioned before start() returns, so lines written after
    // it are read; the loop reads them at once. Reading here could wait for the queue's room
    // forever: the runner takes no line before every source has started, and a file written fast
    // (or read from its start) can fill the queue first.
    for (const follower of this.followers.values()) if (follower.file === undefined) await this.openFor(follower)
    this.pendingWake = true
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wakeUp?.()
    await this.loop
    // Where the files stand once nothing more is read, for the state saved after the stop.
    this.stoppedAt ??= await this.resumePoints()
    for (const watcher of this.watchers.values()) watcher?.close()
    this.watchers.clear()
    for (const {file} of this.openByKey.values()) await file.handle.close().catch(() => {})
    this.openByKey.clear()
  }

  stats(): LiveSourceStats {
    return this.stats_.snapshot()
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.sleep(this.options.pollMs ?? 250)
      if (this.stopped) break
      try {
        if (this.isGlob && Date.now() - this.lastScan >= (this.options.rescanMs ?? 1000)) await this.rescan(false)
        await this.pass()
      } catch (error) {
        this.stats_.note(`file source ${this.pattern}: ${(error as Error).message}`, 'pass-error')
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(timer)
        self.wakeUp = undefined
        self.pendingWake = false
        resolve()
      }
      this.wakeUp = done
    })
  }

  private wake = (): void => {
    if (this.wakeUp) this.wakeUp()
    else this.pendingWake = true
  }

  /** One look at every followed and retired file. */
  private async pass(): Promise<void> {
    let more = false
    // An earlier run's file renamed while Flare was stopped: its unread lines come first (they are older).
    for (const entry of this.retired.filter((e) => e.backlog)) {
      if (await this.drain(entry.file)) more = true
      else {
        this.retired.splice(this.retired.indexOf(entry), 1)
        await this.closeFile(entry.file, true)
      }
    }
    if (more) {
      this.pendingWake = true
      return
    }
    for (const follower of [...this.followers.values()]) {
      if (this.stopped) return
      more = (await this.check(follower)) || more
    }
    const now = Date.now()
    for (const entry of this.retired.filter((e) => !e.backlog)) {
      more = (await this.drain(entry.file)) || more
      if (now >= entry.until) {
        this.retired.splice(this.retired.indexOf(entry), 1)
        await this.closeFile(entry.file, true)
      }
    }
    if (more) this.pendingWake = true
  }

  /** Returns true when the file has more to read than one pass takes. */
  private async check(follower: Follower): Promise<boolean> {
    if (follower.file === undefined && !(await this.openFor(follower))) return false
    const file = follower.file!
    const more = await this.drain(file)
    let identity: string | undefined
    try {
      identity = keyOf(await stat(follower.path))
    } catch {
      identity = undefined
    }
    if (follower.file !== file || identity === file.key) return more
    // Renamed away or deleted: finish it (late writes still count), then follow whatever takes the name.
    this.retire(follower, identity === undefined ? 'moved or deleted' : 'rotated')
    if (identity !== undefined && (await this.openFor(follower))) return (await this.drain(follower.file!)) || more
    return more
  }

  private retire(follower: Follower, why: string): void {
    const file = follower.file!
    follower.file = undefined
    follower.missingNoted = false
    this.openByKey.set(file.key, {file})
    this.retired.push({file, until: Date.now() + (this.options.graceMs ?? 2000)})
    this.stats_.note(`${follower.path} ${why}; finishing the old file`, `rotated:${follower.path}`)
  }

  private async openFor(follower: Follower): Promise<boolean> {
    const initial = follower.initial
    let handle: FileHandle
    try {
      handle = await open(follower.path, 'r')
    } catch (error) {
      follower.initial = false
      if (!follower.missingNoted) {
        follower.missingNoted = true
        if (!this.isGlob) this.stats_.note(`${follower.path}: ${(error as NodeJS.ErrnoException).code ?? 'cannot open'}; waiting for it to appear`)
      }
      return false
    }
    follower.initial = false
    const info = await handle.stat()
    if (!info.isFile()) {
      await handle.close()
      if (!follower.missingNoted) this.stats_.note(`${follower.path} is not a regular file; skipped`)
      follower.missingNoted = true
      return false
    }
    this.watchDir(dirname(follower.path))
    const key = keyOf(info)
    const known = this.openByKey.get(key)
    if (known !== undefined) {
      // Already being read under another name (renamed into the glob, or a hard link): take it over.
      await handle.close()
      if (known.owner !== undefined) known.owner.file = undefined
      const index = this.retired.findIndex((entry) => entry.file === known.file)
      if (index >= 0) this.retired.splice(index, 1)
      known.owner = follower
      known.file.path = follower.path
      follower.file = known.file
      return true
    }
    let position = 0
    const closed = this.closedAt.get(key)
    const resumed = this.resumeAt.get(key)
    this.resumeAt.delete(key)
    const before = this.resumeByPath.get(follower.path)
    this.resumeByPath.delete(follower.path)
    const rotated = resumed === undefined && before !== undefined && before.key !== key && this.resumeAt.delete(before.key)
    if (rotated) {
      // The path names another file than the last run read: rotated while Flare was stopped. The
      // new one is read whole; the old one, if renamed beside it, from where the last run stopped first.
      this.stats_.note(`${follower.path} is another file than the last run read (rotated while Flare was stopped); ${await this.resumeRenamed(follower.path, before)}`, `resume:${follower.path}`)
    } else if (closed !== undefined && closed.position <= info.size && (await sameBytes(handle, closed.position, closed.tail))) position = closed.position
    else if (resumed !== undefined && resumed.position <= info.size && (await sameBytes(handle, resumed.position, resumed.tail))) {
      position = resumed.position
      const since = info.size - position
      this.stats_.note(`${follower.path}: reading on from where the last run stopped (byte ${position}${since > 0 ? `; ${since} bytes written since` : ''})`, `resume:${follower.path}`)
    } else {
      if (resumed !== undefined) this.stats_.note(`${follower.path} changed since the last run (rewritten or truncated); reading it ${initial && this.options.fromStart !== true ? 'from its end' : 'from its start'}`, `resume:${follower.path}`)
      if (initial && this.options.fromStart !== true) position = await lineStartBefore(handle, info.size)
    }
    const tail = await readAt(handle, Math.max(0, position - FINGERPRINT), Math.min(position, FINGERPRINT))
    const file = this.openFile(handle, key, follower.path, position, tail)
    follower.file = file
    follower.missingNoted = false
    this.openByKey.set(key, {file, owner: follower})
    if (!initial) this.stats_.note(`following ${follower.path}`, `follow:${follower.path}`)
    return true
  }

  /** Reads what was appended since the last look. Returns true when it stopped early (more to read). */
  private async drain(file: OpenFile): Promise<boolean> {
    const size = (await file.handle.stat()).size
    if (size < file.position) {
      await this.restart(file, 'truncated')
    } else if (size > file.position && file.tail.length > 0 && !(await sameBytes(file.handle, file.position, file.tail))) {
      await this.restart(file, 'truncated and rewritten')
    }
    const sink = this.sink!
    const emit = (text: string) => this.deliver(sink, file.path, text)
    // Complete lines go on as bytes when the sink takes them (the engine's byte path), copied into
    // buffers given back once ingested: a buffer per region would pile up as garbage the collector
    // does not see (hundreds of MB of external memory on a fast stream).
    const emitRegion = (chunk: Buffer, start: number, end: number, lines: number) => {
      const buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK)
      chunk.copy(buf, 0, start, end)
      const release = () => void (this.spare.length < SPARE_REGIONS && this.spare.push(buf))
      sink.pushRegion!({bytes: buf.subarray(0, end - start), lines, source: file.path, arrivedAt: this.arrival(), release})
      this.stats_.lines += lines
    }
    let read = 0
    while (read < MAX_DRAIN && !this.stopped) {
      await sink.room()
      const {bytesRead} = await file.handle.read(this.readBuffer, 0, CHUNK, file.position)
      if (bytesRead === 0) return false
      const chunk = this.readBuffer.subarray(0, bytesRead)
      file.tail = bytesRead >= FINGERPRINT
        ? Buffer.from(chunk.subarray(bytesRead - FINGERPRINT))
        : Buffer.concat([file.tail, chunk]).subarray(-FINGERPRINT)
      file.position += bytesRead
      read += bytesRead
      if (sink.pushRegion) file.splitter.pushRegion(chunk, emit, emitRegion)
      else file.splitter.push(chunk, emit)
    }
    return !this.stopped
  }

  private openFile(handle: FileHandle, key: string, path: string, position: number, tail: Buffer): OpenFile {
    const file: OpenFile = {
      handle,
      key,
      path,
      position,
      tail,
      splitter: new LiveSplitter(this.maxLineBytes, () => {
        this.stats_.truncated++
        this.stats_.note(`${file.path}: a line longer than ${this.maxLineBytes} bytes was cut`, `cut:${file.path}`)
      }),
    }
    return file
  }

  /**
   * The file an earlier run read at `path`, now renamed beside it (logrotate's app.log → app.log.1):
   * queued to be read from where that run stopped, before any followed file. Says what it did.
   */
  private async resumeRenamed(path: string, before: {key: string; position: number; tail: Buffer}): Promise<string> {
    const old = this.openByKey.has(before.key) ? undefined : await findRenamed(path, before.key)
    if (old !== undefined && old.size >= before.position && (await sameBytes(old.handle, before.position, before.tail))) {
      const file = this.openFile(old.handle, before.key, old.path, before.position, before.tail)
      this.openByKey.set(before.key, {file})
      this.retired.push({file, until: 0, backlog: true})
      return `reading on in ${old.path}, where it is now, from byte ${before.position} (${old.size - before.position} bytes unread), then ${path} from its start`
    }
    await old?.handle.close().catch(() => {})
    const why = old === undefined ? `not found beside it under another name` : `${old.path} was rewritten since`
    return `reading it from its start; the old file's unread lines could not be read (${why})`
  }

  /**
   * The file shrank or was rewritten under us: copytruncate. The lines written between our last
   * read and the truncation are in the copy (app.log.1, app.log-2024...), so they are read from
   * there when a sibling holds our bytes at our position; then the file is read again from 0.
   */
  private async restart(file: OpenFile, why: string): Promise<void> {
    const copy = await findCopy(file.path, file.key, file.position, file.tail)
    const sink = this.sink!
    let lost = 0
    if (copy !== undefined) {
      const emit = (text: string) => this.deliver(sink, file.path, text)
      let position = file.position
      try {
        for (;;) {
          await sink.room()
          const {bytesRead} = await copy.handle.read(this.readBuffer, 0, CHUNK, position)
          if (bytesRead === 0) break
          position += bytesRead
          file.splitter.push(this.readBuffer.subarray(0, bytesRead), emit)
        }
      } finally {
        await copy.handle.close().catch(() => {})
      }
      file.splitter.flush(emit)
    } else {
      lost = file.splitter.discard()
    }
    const from = copy === undefined ? '' : `; its last lines were read from ${copy.path}`
    this.stats_.note(`${file.path} was ${why}${from}; reading it from the start${lost > 0 ? ` (${lost} bytes of an unfinished line lost)` : ''}`, `restart:${file.path}`)
    file.position = 0
    file.tail = Buffer.alloc(0)
  }

  private deliver(sink: LineSink, source: string, text: string): void {
    if (sink.push({text, source, arrivedAt: this.arrival()}, true)) this.stats_.lines++
    else this.stats_.dropped++
  }

  private async closeFile(file: OpenFile, flush: boolean): Promise<void> {
    if (flush && this.sink !== undefined) {
      const sink = this.sink
      file.splitter.flush((text) => this.deliver(sink, file.path, text))
    }
    this.openByKey.delete(file.key)
    this.closedAt.set(file.key, {position: file.position, tail: file.tail})
    if (this.closedAt.size > 10_000) this.closedAt.delete(this.closedAt.keys().next().value!)
    await file.handle.close().catch(() => {})
  }

  private async rescan(initial: boolean): Promise<void> {
    this.lastScan = Date.now()
    const found = new Set<string>()
    await this.walk(this.base, 0, found)
    for (const path of found) {
      if (this.followers.has(path) || this.isOwn(path)) continue
      this.followers.set(path, {path, initial, missingNoted: false})
    }
    for (const [path, follower] of this.followers) {
      if (!found.has(path) && follower.file === undefined) this.followers.delete(path)
    }
  }

  private async walk(dir: string, depth: number, found: Set<string>): Promise<void> {
    if (depth === 0) this.watchDir(dir === '' ? '.' : dir)
    let entries
    try {
      entries = await readdir(dir === '' ? '.' : dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const entry of entries) {
      const path = dir === '' ? entry.name : dir.endsWith('/') ? dir + entry.name : `${dir}/${entry.name}`
      if (entry.isDirectory()) {
        if (depth + 1 < this.globDepth) await this.walk(path, depth + 1, found)
      } else if (this.matcher!(path)) {
        found.add(path)
      }
    }
  }

  /** A file this run writes: skipped, with one note per output (its scratch files included). */
  private isOwn(path: string): boolean {
    const own = this.options.exclude?.(path)
    if (own === undefined) return false
    if (!this.ownNoted.has(own.path)) {
      this.ownNoted.add(own.path)
      this.stats_.note(`not following ${own.path} (nor its temporary files): this run writes it (${own.flag})`)
    }
    return true
  }

  private readonly ownNoted = new Set<string>()

  private watchDir(dir: string): void {
    if (this.watchers.has(dir) || this.stopped) return
    try {
      const watcher = watch(dir, {persistent: false}, this.wake)
      watcher.on('error', () => {
        watcher.close()
        this.watchers.set(dir, null)
      })
      this.watchers.set(dir, watcher)
    } catch {
      // Polling still finds everything; the watcher only makes it sooner.
      this.watchers.set(dir, null)
    }
  }
}
