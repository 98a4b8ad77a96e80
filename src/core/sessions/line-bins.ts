/**
 * Lines per stream, template and stretch of time, kept for sliding windows (a step shorter than
 * the window). There each line falls in about window/step windows, so a sum over overlapping
 * windows counts it that many times; what an incident tells (its templates' lines) must count
 * each line once. Bins are gcd(window, step) long: every window starts and ends on a bin edge, so
 * any union of windows is a whole number of bins and its lines are counted exactly.
 */
export class LineBins {
  readonly binMs: number
  /** stream → template index → bin → lines. */
  private readonly byStream = new Map<string, Map<number, Map<number, number>>>()

  constructor(windowMs: number, stepMs: number) {
    this.binMs = gcd(windowMs, stepMs)
  }

  add(stream: string, template: number, t: number): void {
    let templates = this.byStream.get(stream)
    if (!templates) this.byStream.set(stream, (templates = new Map()))
    let bins = templates.get(template)
    if (!bins) templates.set(template, (bins = new Map()))
    const bin = Math.floor(t / this.binMs)
    bins.set(bin, (bins.get(bin) ?? 0) + 1)
  }

  /**
   * Lines of `stream` of the templates `which` (distinct; every template when undefined), with a time in any
   * of `spans` ([from, to) in ms, on bin edges; overlapping spans count a line once).
   */
  count(stream: string, which: Iterable<number> | undefined, spans: ReadonlyArray<readonly [number, number]>): number {
    const templates = this.byStream.get(stream)
    if (!templates || spans.length === 0) return 0
    const merged = mergeSpans(spans.map(([from, to]) => [Math.ceil(from / this.binMs), Math.ceil(to / this.binMs)] as [number, number]))
    let width = 0
    for (const [a, b] of merged) width += b - a
    let lines = 0
    for (const template of which ?? templates.keys()) {
      const bins = templates.get(template)
      if (!bins) continue
      // a few bins of a long series: looked up; otherwise the series is walked
      if (width < bins.size) {
        for (const [a, b] of merged) for (let bin = a; bin < b; bin++) lines += bins.get(bin) ?? 0
      } else for (const [bin, n] of bins) if (inSpans(merged, bin)) lines += n
    }
    return lines
  }

  /**
   * [from, to) ms of the bins in [from, to) (on bin edges) that hold lines of `stream` of the
   * templates `which` (every template when undefined): from the first such bin's start to the last
   * one's end. Undefined when none does.
   */
  extent(stream: string, which: Iterable<number> | undefined, from: number, to: number): [number, number] | undefined {
    const templates = this.byStream.get(stream)
    if (!templates) return undefined
    const a = Math.ceil(from / this.binMs)
    const b = Math.ceil(to / this.binMs)
    let first = Number.POSITIVE_INFINITY
    let last = Number.NEGATIVE_INFINITY
    for (const template of which ?? templates.keys()) {
      const bins = templates.get(template)
      if (!bins) continue
      if (b - a < bins.size) {
        for (let bin = a; bin < b; bin++) if (bins.has(bin)) (first = Math.min(first, bin)), (last = Math.max(last, bin))
      } else for (const bin of bins.keys()) if (bin >= a && bin < b) (first = Math.min(first, bin)), (last = Math.max(last, bin))
    }
    return first <= last ? [first * this.binMs, (last + 1) * this.binMs] : undefined
  }
}

/** Sorted, disjoint [from, to) spans covering the same bins. */
function mergeSpans(spans: Array<[number, number]>): Array<[number, number]> {
  const sorted = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  const out: Array<[number, number]> = []
  for (const [a, b] of sorted) {
    const last = out[out.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else out.push([a, b])
  }
  return out
}

function inSpans(spans: Array<[number, number]>, bin: number): boolean {
  let lo = 0
  let hi = spans.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (bin < spans[mid][0]) hi = mid - 1
    else if (bin >= spans[mid][1]) lo = mid + 1
    else return true
  }
  return false
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}
