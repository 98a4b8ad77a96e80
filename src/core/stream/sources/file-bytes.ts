import type {Stats} from 'node:fs'
import {open, readdir, type FileHandle} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

/** Bytes looked back from the end of a file for the start of its last line. */
const LOOK_BACK = 64 * 1024

export function keyOf(info: {dev: number; ino: number}): string {
  return `${info.dev}:${info.ino}`
}

export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0)
  const buf = Buffer.alloc(length)
  const {bytesRead} = await handle.read(buf, 0, length, position)
  return buf.subarray(0, bytesRead)
}

/** Whether the bytes just before `position` are still `tail` (the file was appended to, not rewritten). */
export async function sameBytes(handle: FileHandle, position: number, tail: Buffer): Promise<boolean> {
  return (await readAt(handle, position - tail.length, tail.length)).equals(tail)
}

/** Where the line being written at `size` starts, so starting at the end still reads it whole. */
export async function lineStartBefore(handle: FileHandle, size: number): Promise<number> {
  const look = Math.min(size, LOOK_BACK)
  const buf = await readAt(handle, size - look, look)
  if (buf.length === 0 || buf[buf.length - 1] === 10) return size
  const nl = buf.lastIndexOf(10)
  return nl < 0 ? (look === size ? 0 : size) : size - look + nl + 1
}

/**
 * The copy copytruncate left of a file: a sibling whose name starts with the file's and which holds
 * `tail` just before `position` (the bytes we last read), so the lines after it can be read there.
 */
export async function findCopy(filePath: string, key: string, position: number, tail: Buffer): Promise<{handle: FileHandle; path: string} | undefined> {
  if (tail.length === 0) return undefined
  const name = basename(filePath)
  return findSibling(filePath, (candidate) => candidate.startsWith(name), async (handle, info) => keyOf(info) !== key && info.size >= position && (await sameBytes(handle, position, tail)))
}

/**
 * The file an earlier run read at `filePath` when that name now holds another one: renamed beside
 * it (logrotate's app.log → app.log.1, app.log-20240101) while Flare was stopped. Found by identity
 * (`key`, dev:ino) among the folder's files.
 */
export async function findRenamed(filePath: string, key: string): Promise<{handle: FileHandle; path: string; size: number} | undefined> {
  return findSibling(filePath, () => true, async (_, info) => keyOf(info) === key)
}

/** The first other regular file beside `filePath` whose name passes `named` and that `fits`, open (the caller closes it). */
async function findSibling(filePath: string, named: (candidate: string) => boolean, fits: (handle: FileHandle, info: Stats) => Promise<boolean>): Promise<{handle: FileHandle; path: string; size: number} | undefined> {
  const dir = dirname(filePath)
  const name = basename(filePath)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return undefined
  }
  for (const candidate of names) {
    if (candidate === name || !named(candidate)) continue
    const path = join(dir, candidate)
    let handle: FileHandle | undefined
    try {
      handle = await open(path, 'r')
      const info = await handle.stat()
      if (info.isFile() && (await fits(handle, info))) return {handle, path, size: info.size}
    } catch {
      // Unreadable or gone: not it.
    }
    await handle?.close().catch(() => {})
  }
  return undefined
}
