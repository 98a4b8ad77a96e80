import {ownCopy} from './own-copy.js'
import {createLineReader, type ReaderInput} from './reader.js'

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
      // a slice of its read chunk would keep the whole chunk (a megabyte) alive for one line
      if (want.has(line)) found.set(line, ownCopy(text))
    }
    if (line >= last) break
  }
  return found
}
