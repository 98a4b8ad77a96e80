/**
 * The first and last line time per stream, window step (bin) and template: where a silence's edges
 * are. A silent stream's episode is a run of windows; when the quiet began is its source's last line
 * before the run's first window, and when it ended the source's first line after its last one
 * (silenceSpan). Batch (SessionStore) and live (OpenSessions) both keep one, so that both tell the
 * same times. Template indices are the store's (the parser's): a component's lines are its templates'.
 */
export class LineEdges {
  /** stream → bin → template → [first, last] line time. */
  private readonly byStream = new Map<string, Map<number, Map<number, [number, number]>>>()

  constructor(readonly binMs: number) {}

  add(stream: string, template: number, t: number): void {
    let bins = this.byStream.get(stream)
    if (!bins) this.byStream.set(stream, (bins = new Map()))
    const bin = Math.floor(t / this.binMs)
    let templates = bins.get(bin)
    if (!templates) bins.set(bin, (templates = new Map()))
    const edge = templates.get(template)
    if (!edge) templates.set(template, [t, t])
    else if (t < edge[0]) edge[0] = t
    else if (t > edge[1]) edge[1] = t
  }

  /** The last line of `stream`'s templates `which` (all when undefined) in [from, to); undefined: none. */
  last(stream: string, which: ((template: number) => boolean) | undefined, from: number, to: number): number | undefined {
    let out: number | undefined
    this.scan(stream, which, from, to, ([, t]) => {
      if (t < to && t >= from && (out === undefined || t > out)) out = t
    })
    return out
  }

  /** The first line of `stream`'s templates `which` (all when undefined) in [from, to); undefined: none. */
  first(stream: string, which: ((template: number) => boolean) | undefined, from: number, to: number): number | undefined {
    let out: number | undefined
    this.scan(stream, which, from, to, ([t]) => {
      if (t < to && t >= from && (out === undefined || t < out)) out = t
    })
    return out
  }

  /** Forgets the bins that end at or before `before` (a live stream's old ones). */
  prune(before: number): void {
    const limit = Math.floor(before / this.binMs)
    for (const [stream, bins] of this.byStream) {
      for (const bin of bins.keys()) if (bin < limit) bins.delete(bin)
      if (bins.size === 0) this.byStream.delete(stream)
    }
  }

  private scan(stream: string, which: ((template: number) => boolean) | undefined, from: number, to: number, visit: (edge: [number, number]) => void): void {
    const bins = this.byStream.get(stream)
    if (!bins || !(to > from)) return
    for (let bin = Math.floor(from / this.binMs); bin * this.binMs < to; bin++) {
      for (const [template, edge] of bins.get(bin) ?? []) if (!which || which(template)) visit(edge)
    }
  }
}

/** A silent source's templates: a component's on its stream, every one for a whole stream. */
export type SourceFilter = ((template: number) => boolean) | undefined

/**
 * [start, end] ms of a silence whose quiet windows cover [fromMs, toMs): it started at the source's
 * last line in the window before them (when the quiet began) and ended at its first line in the
 * window after them (when its lines resumed); without such a line (a source silent from the log's
 * start, or that never came back), at the windows' own edge.
 */
export function silenceSpan(edges: LineEdges, stream: string, which: SourceFilter, fromMs: number, toMs: number, windowMs: number): [number, number] {
  return [edges.last(stream, which, fromMs - windowMs, fromMs) ?? fromMs, edges.first(stream, which, toMs, toMs + windowMs) ?? toMs]
}
