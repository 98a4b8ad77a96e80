import {credentialTemplates} from '../core/mining/template-credentials.js'
import type {TemplateMiner} from '../core/templates/index.js'
import {truncate} from './format.js'
import {printWarning} from './warnings.js'

/**
 * Warns, once, when templates `what` keeps (a saved model, a template state) hold credentials the
 * log repeated word for word, saying how to keep them out: a masking rule, which makes the value a
 * parameter when the lines are mined.
 */
export function warnCredentialTemplates(miner: TemplateMiner, what: string): void {
  const found = credentialTemplates(miner.toJSON())
  if (found.length === 0) return
  const n = found.length === 1 ? 'a template' : `${found.length} templates`
  printWarning({
    code: 'credential-templates',
    message: `${what} keeps ${n} holding a credential the log repeats word for word (${truncate(found[0], 90)}): it is stored as mined`,
    hint: 'make the value a parameter when mining: a "masking" rule in flare.config.json, e.g. {"regex": "(?<=password=)\\\\S+", "mask": "SECRET"} (see README, parser config)',
  })
}
