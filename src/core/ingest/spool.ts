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
  const found = new Map<number, string>()
  const want = [...new Set(wanted)].filter((n) => Number.isInteger(n) && n >= 1)
  // a slice of its read chunk would keep the whole chunk (a megabyte) alive for one line
  await visitLines(
    path,
    want.map((n) => [n, n]),
    (line, text) => found.set(line, ownCopy(text)),
  )
  return found
}

/**
 * Calls `visit` with every physical line (1-based id, text) inside `ranges` (inclusive [first,
 * last] pairs, any order, may overlap), in one streaming pass that stops after the last range:
 * only regions holding a wanted line are decoded. The text handed over is valid during the call
 * only (copy what is kept).
 */
export async function visitLines(path: ReaderInput, ranges: ReadonlyArray<readonly [number, number]>, visit: (line: number, text: string) => void): Promise<void> {
  const merged = mergeRanges(ranges)
  if (merged.length === 0) return
  const last = merged[merged.length - 1][1]
  let r = 0 // merged[r]: the first range not passed yet
  let line = 0 // lines before the region at hand
  const reader = createRegionReader(path)
  const decoded: string[] = []
  for await (const regions of reader.regions()) {
    for (const region of regions) {
      const n = region.carried ? 1 : countNewlines(region) + 1
      while (r < merged.length && merged[r][1] <= line) r++
      if (r < merged.length && merged[r][0] <= line + n) {
        decoded.length = 0
        reader.splitter.decode(region, decoded)
        for (let k = 0; k < decoded.length; k++) {
          const id = line + k + 1
          while (r < merged.length && merged[r][1] < id) r++
          if (r === merged.length) break
          if (id >= merged[r][0]) visit(id, decoded[k])
        }
      } else reader.splitter.countLines(n)
      line += n
      releaseRegion(region)
    }
    if (line >= last) break
  }
}

/** Sorted, disjoint ranges covering the same lines (positive ids only). */
function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([a, b]) => b >= a && b >= 1).map(([a, b]): [number, number] => [Math.max(1, a), b]).sort((x, y) => x[0] - y[0])
  const out: Array<[number, number]> = []
  for (const [a, b] of sorted) {
    const prev = out[out.length - 1]
    if (prev && a <= prev[1] + 1) prev[1] = Math.max(prev[1], b)
    else out.push([a, b])
  }
  return out
}
