/**
 * A miner's state as Flare writes it to a file: template text without the credentials a log
 * repeated word for word. Drain keeps a token that never varies as a constant, so a service that
 * logs the same `password=…` or bearer token on every line leaves it in the template, and a saved
 * model travels (to an MLflow server as a registered version, to other Flare instances).
 */
import {maskSecrets} from '../explain/redact.js'
import {WILDCARD} from '../templates/masking/classify.js'
import type {TemplateState} from '../templates/state.js'

/**
 * `template` with every token that holds a credential (what maskSecrets masks: secret-named
 * values, bearer tokens, known key formats, card numbers…) replaced by the wildcard. The whole
 * token goes, name included (`password=x` → `<*>`): a token holding a wildcard is routed and
 * compared as a parameter, so a reloaded miner matches the lines it was fitted on exactly as
 * before and does not rewrite the template at the first of them.
 */
export function templateWithoutSecrets(template: string): string {
  const masked = maskSecrets(template)
  if (masked === template) return template
  const tokens = template.split(' ')
  const after = masked.split(' ')
  // A pseudonym stands for one value, and a value masked in context (`Bearer x`) keeps its
  // neighbours: token for token, the changed ones are the secret's.
  if (after.length === tokens.length) return tokens.map((t, i) => (t === after[i] ? t : WILDCARD)).join(' ')
  // (a value with spaces in it was masked whole: each token judged alone)
  return tokens.map((t) => (maskSecrets(t) === t ? t : WILDCARD)).join(' ')
}

/** `state` (TemplateMiner.toJSON()) with its templates' credentials masked (templateWithoutSecrets); a copy. */
export function stateWithoutSecrets(state: TemplateState): TemplateState {
  return {...state, clusters: state.clusters.map((c) => ({...c, template: templateWithoutSecrets(c.template)}))}
}
