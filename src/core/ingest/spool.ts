import {createWriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createLineReader, type ReaderInput} from './reader.js'

/**
 * Copies a stream (stdin) to a temporary file so that later passes can re-read it: detection
 * reads the input once to mine and score, and once more for the text of the sample lines.
 */
export async function spoolToFile(stream: Readable): Promise<{path: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), 'flare-stdin-'))
  const path = join(dir, 'stdin.log')
  await pipeline(stream, createWriteStream(path))
  return {path, cleanup: () => rm(dir, {recursive: true, force: true})}
}

/** The text of the given 1-based physical lines, read in one streaming pass that stops early. */
export async function fetchLines(path: ReaderInput, wanted: Iterable<number>): Promise<Map<number, string>> {
  const want = new Set(wanted)
  const found = new Map<number, string>()
  if (want.size === 0) return found
  const last = Math.max(...want)
  let line = 0
  const reader = createLineReader(path)
  for await (const batch of reader.batches()) {
    for (const text of batch) {
      line++
      if (want.has(line)) found.set(line, text)
    }
    if (line >= last) break
  }
  return found
}
