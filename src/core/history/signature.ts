import {createHash} from 'node:crypto'
import type {Incident} from '../results.js'

/**
 * An incident's template signature: hashes of the template texts that make it unusual. Texts, not
 * template ids: ids are numbered per run, while the same failure mines to the same text in every run.
 * Templates at their normal rate (allocateBlock in every HDFS block) are left out, or every incident
 * would resemble every other.
 */
export function incidentSignature(incident: Pick<Incident, 'templates' | 'size'>): string[] {
  const unusual = incident.templates.filter((t) => t.normal_mean === 0 || t.count / Math.max(1, incident.size) > 1.5 * t.normal_mean)
  const chosen = unusual.length > 0 ? unusual : incident.templates.slice(0, 5)
  return [...new Set(chosen.map((t) => templateHash(t.template)))].sort()
}

export function templateHash(text: string): string {
  return createHash('sha1').update(text.replace(/\s+/g, ' ').trim()).digest('hex').slice(0, 16)
}
