import type {Episode} from '../detect/window-rate.js'
import type {TemplateMeta} from '../mining/mine.js'
import type {LineBins} from '../sessions/line-bins.js'

/** What an incident says of an episode: its lines, the lines its normal rate expects, and over how long (ms). */
export interface EpisodeLines {
  count: number
  expected: number
  ms: number
}

/**
 * Lines of episodes for what incidents report, with sliding windows (a step shorter than the
 * window). There a line falls in about window/step windows, and an episode's count (a sum over
 * its windows, what the detector scores) holds it that many times: 100 error lines would read as
 * 500 with --window 10m --step 2m. Here the lines are counted once each, over the time the
 * episode's windows cover (its first window's start to its last one's end), from the store's
 * LineBins; the expected lines are its normal rate over that same time, so that count and
 * expected stay comparable. (Scaling the count alone by step/window would be wrong at a burst's
 * edges, where a line sits in fewer of the episode's windows.) Tumbling windows never come here.
 */
export class WindowLines {
  private readonly told = new Map<Episode, EpisodeLines>()

  constructor(
    private readonly lines: LineBins,
    private readonly windowMs: number,
    private readonly stepMs: number,
    private readonly templateOfColumn: number[],
    private readonly templates: TemplateMeta[],
  ) {}

  /** The episode's lines, each once, and the lines expected over the same time. */
  of(e: Episode): EpisodeLines {
    let out = this.told.get(e)
    if (!out) {
      const [from, to] = this.span(e)
      out = {count: this.lines.count(e.stream, this.templatesOf(e), [[from, to]]), expected: this.ratePerMs(e) * (to - from), ms: to - from}
      this.told.set(e, out)
    }
    return out
  }

  /**
   * The lines and expected lines of one incident template's episodes together: a line in the
   * time two of them cover (adjacent windows of one stream overlap) counts once, and so does that
   * time's expected share.
   */
  together(episodes: Episode[]): {count: number; expected: number} {
    // stream → template → the spans of the episodes counting it
    const spans = new Map<string, Map<number, Array<[number, number]>>>()
    const byStream = new Map<string, Episode[]>()
    for (const e of episodes) {
      let list = byStream.get(e.stream)
      if (!list) byStream.set(e.stream, (list = []))
      list.push(e)
      let ofStream = spans.get(e.stream)
      if (!ofStream) spans.set(e.stream, (ofStream = new Map()))
      for (const t of this.templatesOf(e) ?? []) {
        let s = ofStream.get(t)
        if (!s) ofStream.set(t, (s = []))
        s.push(this.span(e))
      }
    }
    let count = 0
    for (const [stream, ofStream] of spans) for (const [t, s] of ofStream) count += this.lines.count(stream, [t], s)
    // each stretch of time's expected lines once: an episode adds the part of its span no earlier one covers
    let expected = 0
    for (const list of byStream.values()) {
      let covered = Number.NEGATIVE_INFINITY
      for (const e of [...list].sort((a, b) => a.startMs - b.startMs)) {
        const [from, to] = this.span(e)
        const fresh = to - Math.max(from, covered)
        if (fresh > 0) expected += this.ratePerMs(e) * fresh
        covered = Math.max(covered, to)
      }
    }
    return {count, expected}
  }

  /**
   * [from, to) ms: when the episode happened, for its incident's time range. The time its windows
   * cover is up to a window longer than its lines on each side (a burst at 12:00 is in every
   * 10-minute window from 11:51 on, with a 1-minute step), so the lines it counts bound it, to a
   * bin; a silent stream's is its windows' whole time (none of them saw a line).
   */
  timeSpan(e: Episode): [number, number] {
    const [from, to] = this.span(e)
    if (e.kind === 'silent') return [from, to]
    return this.lines.extent(e.stream, this.templatesOf(e), from, to) ?? [from, to]
  }

  /** [from, to) ms: the time the episode's windows cover. */
  private span(e: Episode): [number, number] {
    return [e.startMs, e.endMs - this.stepMs + this.windowMs]
  }

  /** The episode's expected lines (a sum of its windows' expected counts) as a rate per ms. */
  private ratePerMs(e: Episode): number {
    const windows = Math.max(1, Math.round((e.endMs - e.startMs) / this.stepMs))
    return e.expected / (windows * this.windowMs)
  }

  /** Templates the episode counts (its column, or its family's); undefined: every one (a silent stream). */
  private templatesOf(e: Episode): Set<number> | undefined {
    if (e.kind === 'silent') {
      if (e.component === undefined) return undefined
      const out = new Set<number>()
      this.templates.forEach((t, i) => t.component === e.component && out.add(i))
      return out
    }
    const out = new Set<number>()
    for (const column of e.columns ?? [e.column]) {
      const index = this.templateOfColumn[column]
      if (index !== undefined && index >= 0) out.add(index)
    }
    return out
  }
}
