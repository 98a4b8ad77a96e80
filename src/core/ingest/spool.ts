import {countNewlines, releaseRegion} from './line-splitter.js'
import {ownCopy} from './own-copy.js'
import {createRegionReader, type ReaderInput} from './reader.js'

/**
 * The text of the given 1-based physical lines, read in one streaming pass that stops early.
 * Lines are counted on the bytes; only a region (a read buffer's run of lines) holding a wanted
 * line is decoded, so fetching a few incident samples from the end of a 1.6 GB log makes a few
 * thousand strings, not eleven million.
 */
export async function fetchLines(path: ReaderInput, wanted: Iterable<number>): Promise<Map<number, string>> {
  const want = [...new Set(wanted)].filter((n) => Number.isInteger(n) && n >= 1).sort((a, b) => a - b)
  const found = new Map<number, string>()
  if (want.length === 0) return found
  const last = want[want.length - 1]
  let next = 0 // want[next]: the first wanted line not read yet
  let line = 0 // lines before the region at hand
  const reader = createRegionReader(path)
  const decoded: string[] = []
  for await (const regions of reader.regions()) {
    for (const region of regions) {
      const n = region.carried ? 1 : countNewlines(region) + 1
      if (next < want.length && want[next] <= line + n) {
        decoded.length = 0
        reader.splitter.decode(region, decoded)
        // a slice of its read chunk would keep the whole chunk (a megabyte) alive for one line
        for (; next < want.length && want[next] <= line + n; next++) found.set(want[next], ownCopy(decoded[want[next] - line - 1]))
      } else reader.splitter.countLines(n)
      line += n
      releaseRegion(region)
    }
    if (line >= last) break
  }
  return found
}
