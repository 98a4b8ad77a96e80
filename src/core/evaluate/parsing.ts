/**
 * Log parsing accuracy against a ground truth, with the Loghub-2.0 definitions (Jiang et al.,
 * "A Large-Scale Evaluation for Log Parsing Techniques: How Far Are We?", ISSTA 2024):
 *
 * - GA, grouping accuracy: share of messages whose predicted group holds exactly the messages of
 *   their true group.
 * - PA, parsing accuracy: share of messages whose predicted template text equals the true one.
 * - FGA: F1 of template-level grouping: a predicted template is correct when its messages are
 *   exactly those of one true template; precision over predicted templates, recall over true ones.
 * - FTA: as FGA, but a correct template must also have the true template's text.
 *
 * Template texts are compared after normalisation (normalizeTemplate): runs of whitespace, and
 * of adjacent `<*>`, count as one.
 */

export interface ParsingMetrics {
  /** Messages compared. */
  messages: number
  ga: number
  /** NaN when no template texts were given. */
  pa: number
  fga: number
  fta: number
  predictedTemplates: number
  truthTemplates: number
  /** Templates grouped exactly right (the numerator of FGA's precision and recall). */
  correctGroups: number
  /** Of those, with the right text too (FTA's numerator). */
  correctTemplates: number
}

/** Template text as it is compared: whitespace runs and runs of `<*>` collapse. */
export function normalizeTemplate(template: string): string {
  return template
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/<\*>(?:\s*<\*>)+/g, '<*>')
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r)
}

type Templates = ReadonlyMap<string, string> | Readonly<Record<string, string>>

function lookup(templates: Templates | undefined, id: string): string | undefined {
  if (!templates) return undefined
  return templates instanceof Map ? templates.get(id) : (templates as Record<string, string>)[id]
}

/**
 * Metrics of a parse: `predicted[i]` and `truth[i]` are message i's group ids (any strings);
 * `predTemplates` / `truthTemplates` map group ids to template texts (without them PA and FTA
 * are NaN).
 */
export function parsingMetrics(predicted: readonly string[], truth: readonly string[], predTemplates?: Templates, truthTemplates?: Templates): ParsingMetrics {
  if (predicted.length !== truth.length) throw new RangeError(`parsingMetrics: ${predicted.length} predicted ids for ${truth.length} true ones`)
  const n = predicted.length
  // Messages of each predicted group, by true group.
  const predSize = new Map<string, number>()
  const truthSize = new Map<string, number>()
  const pairs = new Map<string, Map<string, number>>()
  for (let i = 0; i < n; i++) {
    const p = predicted[i]
    const t = truth[i]
    predSize.set(p, (predSize.get(p) ?? 0) + 1)
    truthSize.set(t, (truthSize.get(t) ?? 0) + 1)
    let row = pairs.get(p)
    if (!row) pairs.set(p, (row = new Map()))
    row.set(t, (row.get(t) ?? 0) + 1)
  }
  const texts = predTemplates !== undefined && truthTemplates !== undefined
  let gaMessages = 0
  let correctGroups = 0
  let correctTemplates = 0
  for (const [p, row] of pairs) {
    if (row.size !== 1) continue
    const [t, count] = row.entries().next().value as [string, number]
    if (count !== truthSize.get(t)) continue
    // p's messages are exactly t's.
    gaMessages += count
    correctGroups++
    if (texts) {
      const a = lookup(predTemplates, p)
      const b = lookup(truthTemplates, t)
      if (a !== undefined && b !== undefined && normalizeTemplate(a) === normalizeTemplate(b)) correctTemplates++
    }
  }
  let pa = Number.NaN
  if (texts) {
    let same = 0
    const norm = new Map<string, string>()
    const normalized = (templates: Templates, id: string, prefix: string): string | undefined => {
      const key = prefix + id
      let v = norm.get(key)
      if (v === undefined) {
        const raw = lookup(templates, id)
        if (raw === undefined) return undefined
        norm.set(key, (v = normalizeTemplate(raw)))
      }
      return v
    }
    for (let i = 0; i < n; i++) {
      const a = normalized(predTemplates, predicted[i], 'p:')
      if (a !== undefined && a === normalized(truthTemplates, truth[i], 't:')) same++
    }
    pa = n === 0 ? 0 : same / n
  }
  const predictedTemplates = predSize.size
  const truthTemplatesCount = truthSize.size
  const pga = predictedTemplates === 0 ? 0 : correctGroups / predictedTemplates
  const rga = truthTemplatesCount === 0 ? 0 : correctGroups / truthTemplatesCount
  const pta = predictedTemplates === 0 ? 0 : correctTemplates / predictedTemplates
  const rta = truthTemplatesCount === 0 ? 0 : correctTemplates / truthTemplatesCount
  return {
    messages: n,
    ga: n === 0 ? 0 : gaMessages / n,
    pa,
    fga: f1(pga, rga),
    fta: texts ? f1(pta, rta) : Number.NaN,
    predictedTemplates,
    truthTemplates: truthTemplatesCount,
    correctGroups,
    correctTemplates,
  }
}
