import type {IncidentEvent} from '../contracts.js'

const EMOJI: Record<string, string> = {low: ':large_blue_circle:', medium: ':large_yellow_circle:', high: ':large_orange_circle:', critical: ':red_circle:'}

/**
 * What happened to the incident, in words: its kind, and for a resolution that is not the
 * incident going quiet, why (a stop is not the problem going away).
 */
export function eventVerb(event: IncidentEvent): string {
  if (event.kind !== 'resolved' || event.reason === undefined || event.reason === 'quiet') return event.kind
  return event.reason === 'stopped' ? 'closed (Flare stopped watching; not seen to resolve)' : 'resolved (end of input)'
}

/** One line for chat and logs: `[HIGH] Incident INC-0001 opened: <title> (3 sessions, web-1, web-2)`. */
export function eventHeadline(event: IncidentEvent): string {
  const {incident} = event
  const hosts = incident.hosts.length > 0 ? `, ${incident.hosts.slice(0, 3).join(', ')}${incident.hosts.length > 3 ? ', ...' : ''}` : ''
  return `[${incident.severity.toUpperCase()}] Incident ${incident.id} ${eventVerb(event)}: ${incident.title} (${incident.sessions} session${incident.sessions === 1 ? '' : 's'}${hosts})`
}

/** The generic webhook body: the event itself, with a headline for receivers that show one string. */
export function genericBody(event: IncidentEvent): unknown {
  return {text: eventHeadline(event), ...event}
}

/** A Slack incoming-webhook body (`text` as the fallback, Block Kit `blocks` for the message). */
export function slackBody(event: IncidentEvent): unknown {
  const {incident} = event
  const fields = [
    `*Severity*\n${incident.severity}`,
    `*Score*\n${incident.score.toFixed(3)}`,
    `*First seen*\n${incident.firstSeen}`,
    `*Detection delay*\n${Math.round(incident.delayMs / 1000)} s`,
  ]
  if (incident.hosts.length > 0) fields.push(`*Hosts*\n${incident.hosts.slice(0, 10).join(', ')}`)
  const blocks: unknown[] = [
    {type: 'section', text: {type: 'mrkdwn', text: `${EMOJI[incident.severity] ?? ''} *Incident ${incident.id} ${eventVerb(event)}*: ${escapeSlack(incident.title)}`}},
    {type: 'section', fields: fields.map((text) => ({type: 'mrkdwn', text}))},
  ]
  if (incident.summary !== undefined) {
    const steps = incident.summary.remediation.map((step) => `• ${escapeSlack(step)}`).join('\n')
    blocks.push({type: 'section', text: {type: 'mrkdwn', text: `*Likely cause*: ${escapeSlack(incident.summary.rootCause)}${steps === '' ? '' : `\n${steps}`}`.slice(0, 2900)}})
  }
  if (incident.sampleLines.length > 0) {
    const sample = incident.sampleLines.slice(0, 5).join('\n').replaceAll('```', "'''").slice(0, 2800)
    blocks.push({type: 'section', text: {type: 'mrkdwn', text: `\`\`\`${sample}\`\`\``}})
  }
  // `text` is mrkdwn too (the notification and the fallback): a title's <*> or <!channel> is escaped.
  return {text: escapeSlack(eventHeadline(event)), blocks}
}

/** A Slack message for a digest of events the rate limit held back. */
export function slackDigest(text: string): unknown {
  return {text: escapeSlack(text)}
}

function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
