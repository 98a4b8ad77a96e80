/**
 * Templates that hold a credential: Drain keeps a token that never varies as a constant, so a
 * service that logs the same `password=…` or bearer token on every line leaves it in the template,
 * and a saved model or template state carries it (to an MLflow server, when a run is tracked).
 * Masking the token in the saved file would change what the reloaded miner matches (a wildcard
 * scores as a mismatch: lines would mint new templates); the value must become a parameter when
 * the lines are mined, which a masking rule of the user's parser config does.
 */
import {maskSecrets} from '../explain/redact.js'
import type {TemplateState} from '../templates/state.js'

/** The templates of `state` that hold a credential, as masked text (`login password=<SECRET_1> ok`), each once. */
export function credentialTemplates(state: TemplateState): string[] {
  const out = new Set<string>()
  for (const c of state.clusters) {
    const masked = maskSecrets(c.template)
    if (masked !== c.template) out.add(masked)
  }
  return [...out]
}
