/**
 * `flare parse --explain LINE`: how one line is split, masked and matched, for a user who wonders
 * why two lines landed in different templates. Each line is explained against the templates so
 * far (the log's, when one was mined first) and then mined, so a second line is compared with
 * the first.
 */
import {RecordAssembler} from '../ingest/index.js'
import type {Param, TemplateMiner} from '../templates/index.js'

export type ExplainDecision =
  /** This exact masked shape was seen before. */
  | 'seen'
  /** The most similar template of its leaf reached the similarity threshold. */
  | 'matched'
  /** No template of its length fits, but one of another length has the same constant words. */
  | 'joined'
  | 'new'

export interface LineExplanation {
  line: string
  /** The message after the format's header (timestamp, level, component) is taken off. */
  content: string
  /** The message after the config file's masking rules and extra delimiters, when they changed it. */
  prepared?: string
  tokens: Array<{raw: string; masked: string; params: Param[] | null}>
  /** Same token count and leading tokens: the templates Drain compares it with, most similar first. */
  candidates: Array<{templateId: string; template: string; similarity: number}>
  threshold: number
  /** The tokens Drain routes on before comparing: the token count and the first depth − 2 tokens. */
  route: string[]
  decision: ExplainDecision
  templateId: string
  /** The template after this line was mined (it may have generalised). */
  template: string
}

/** Explains `lines` in order, mining each after it is explained. `format`: how to read their headers. */
export function explainLines(miner: TemplateMiner, lines: readonly string[], format = 'auto'): LineExplanation[] {
  const out: LineExplanation[] = []
  for (const line of lines) {
    const assembler = new RecordAssembler({format})
    const records = [...assembler.push([line], 1), ...assembler.finish()]
    const content = records[0]?.content ?? line
    const seen = miner.inspect(content)
    const added = miner.add(content)
    const decision: ExplainDecision = seen.cached !== null ? 'seen' : seen.matched !== null ? 'matched' : seen.joins !== null ? 'joined' : 'new'
    out.push({
      line,
      content,
      ...(seen.prepared === content ? {} : {prepared: seen.prepared}),
      tokens: seen.raw.map((raw, k) => ({raw, masked: seen.masked[k], params: seen.params[k]})),
      candidates: seen.candidates.map((c) => ({templateId: c.templateId, template: c.tokens.join(' '), similarity: c.similarity})),
      threshold: seen.threshold,
      route: [`${seen.masked.length} tokens`, ...seen.masked.slice(0, Math.max(0, miner.config.drain.depth - 2)).map((t) => (miner.config.drain.parametrizeNumericTokens && /\d/.test(t) ? '<*>' : t))],
      decision,
      templateId: added.templateId,
      template: added.template,
    })
  }
  return out
}
