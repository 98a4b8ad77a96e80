/** Human output of `flare parse --explain`, `--truth` and `--sweep`. */
import type {TruthComparison} from '../core/evaluate/parse-truth.js'
import type {SweepScore} from '../core/evaluate/parser-sweep.js'
import type {LineExplanation} from '../core/mining/explain.js'
import {int, ms} from './format.js'
import {out} from './style.js'
import {table} from './table.js'

const DECISION: Record<LineExplanation['decision'], string> = {
  seen: 'this masked shape was seen before: same template',
  matched: 'most similar template reached the threshold: joins it',
  joined: 'no template of this length fits; one of another length has the same constant words: joins it',
  new: 'no template fits: starts a new one',
}

function fixed(x: number, digits = 3): string {
  return Number.isNaN(x) ? '-' : x.toFixed(digits)
}

export function renderExplanation(e: LineExplanation): string {
  const lines: string[] = []
  lines.push(`${out.bold('line')}      ${e.line}`)
  if (e.content !== e.line) lines.push(`${out.bold('message')}   ${e.content}`)
  if (e.prepared !== undefined) lines.push(`${out.bold('rules')}     ${e.prepared}`)
  const t = table(['#', 'token', 'masked', 'parameters'], {wrap: [1, 3]})
  e.tokens.forEach((tok, k) => t.push([k + 1, tok.raw, tok.masked !== tok.raw ? tok.masked : tok.raw.includes('<*>') ? out.dim('(masked by a rule)') : out.dim('(literal)'), tok.params ? tok.params.map((p) => `${p.value}:${p.type}`).join(' ') : '']))
  lines.push(t.toString())
  lines.push(`Drain routes on: ${e.route.join(' → ')} (a token with no branch of its own goes down the <*> branch)`)
  if (e.candidates.length === 0) lines.push('no template on that route yet')
  else {
    lines.push(`templates on that route (similarity threshold ${e.threshold}):`)
    const c = table(['id', 'similarity', 'template'], {colAligns: ['left', 'right', 'left'], wrap: [2]})
    for (const cand of e.candidates.slice(0, 5)) c.push([cand.templateId, fixed(cand.similarity, 2), cand.template])
    lines.push(c.toString())
    if (e.candidates.length > 5) lines.push(out.dim(`… and ${e.candidates.length - 5} more`))
  }
  lines.push(`${out.bold('→')} ${DECISION[e.decision]}: ${out.bold(e.templateId)} ${e.template}`)
  return lines.join('\n')
}

export function renderTruth(m: TruthComparison, truthPath: string): string {
  const t = table(['metric', 'value'], {colAligns: ['left', 'right']})
  t.push(
    ['GA (grouping accuracy)', fixed(m.ga)],
    ['PA (parsing accuracy)', fixed(m.pa)],
    ['FGA (template grouping F1)', fixed(m.fga)],
    ['FTA (template accuracy F1)', fixed(m.fta)],
    ['templates found / true', `${int(m.predictedTemplates)} / ${int(m.truthTemplates)}`],
    ['templates grouped right / with right text', `${int(m.correctGroups)} / ${int(m.correctTemplates)}`],
    ['messages compared', int(m.messages)],
  )
  const note = m.unmatchedLines > 0 ? `\n${out.dim(`${int(m.unmatchedLines)} truth lines have no record here (blank lines): each counts as its own template`)}` : ''
  return `against ${truthPath}\n${t.toString()}${note}`
}

export function renderSweep(ranked: readonly SweepScore[], truth: boolean): string {
  const head = truth ? ['rank', 'sim', 'depth', 'children', 'GA', 'PA', 'FGA', 'FTA', 'templates', 'time'] : ['rank', 'sim', 'depth', 'children', 'score', 'stability', 'singletons', 'generalised', 'templates', 'time']
  const t = table(head, {colAligns: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']})
  for (const s of ranked) {
    const d = s.drain
    const scores = truth && s.truth ? [fixed(s.truth.ga), fixed(s.truth.pa), fixed(s.truth.fga), fixed(s.truth.fta)] : [fixed(s.score), fixed(s.stability), fixed(s.singletonShare), fixed(s.generalisedShare)]
    t.push([s.rank, d.simThreshold, d.depth, d.maxChildren, ...scores, int(s.templates), ms(s.elapsedMs)])
  }
  const how = truth ? 'ranked by GA against the truth (ties: FGA, PA, FTA)' : 'ranked without ground truth by stability − singleton share − generalised share (a heuristic: give --truth to rank by accuracy)'
  return `${t.toString()}\n${out.dim(how)}`
}
