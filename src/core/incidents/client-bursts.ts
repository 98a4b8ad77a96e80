/**
 * Bursts one client made. A public web server is scanned for `/.env` and `/wp-login.php` several
 * times a day, and crawlers walk its catalogue into old links: a burst of 404s or redirects that no
 * other client saw is that client's doing, and nothing the service's on-call engineer can or should
 * fix. An incident of a web access log is set aside (kept in the document as a client burst, not
 * raised) when, over its lines (all its templates', read again with its parameters,
 * parameters.ts, read whole):
 * - at least MIN_LINES of them are above the templates' normal rate, and one client network sent
 *   four in five of those, and at least MIN_LINES: its lines less its usual share (of lines
 *   sampled over the whole log) of the lines expected (a crawler adds its redirects to the ones
 *   every client gets all day); four in five of the lead template's lines above normal too;
 * - that network is no part of the site: it sends less than a tenth of the sampled traffic (a
 *   load balancer's or proxy's node, a health checker, sends far more), and no network sends half
 *   of it (a log written behind a proxy names the proxy on every line: one network is then no
 *   sign of one client);
 * - the server answered as it should: none of the incident's templates is a server error, a
 *   refusal (401, 407, 429) or a wait cut short (408, 499), and none of its lines;
 * - and no host or program fell silent in it, leading it or not (a silence is never a client's
 *   doing: the pipeline hands no tally for such an incident).
 * 403 Forbidden is an answer a server gives clients as it should (a scanner probing hidden paths
 * gets it), so a firewall rule shutting one network out is set aside too: `--raise-client-bursts`.
 */
import {statusReason} from '../ingest/formats/access.js'
import type {Incident} from '../results.js'
import {levelClass} from '../severity.js'

/** Lines above the normal rate a burst has at least, and its network sent above its usual share (a few requests are no burst). */
const MIN_LINES = 4
/** Share of the lines above the normal rate one client network must have sent. */
const MIN_SHARE = 0.8
/** A network with this share of the sampled traffic is a proxy's (or the only client's): no bursts at all. */
const PROXY_SHARE = 0.5
/** A network with this share of the sampled traffic is part of the site (a balancer's node, a health checker): not a client. */
const SITE_SHARE = 0.1
/** Statuses that say the service failed or turned clients away: an incident with any is raised. */
const REFUSED = [401, 407, 408, 429, 499]
const REFUSED_REASONS = REFUSED.map((s) => ` ${statusReason(s)}`)

function refused(status: number): boolean {
  return status >= 500 || REFUSED.includes(status)
}

/** The clients of an incident's lines, and what the server answered them. */
export interface ClientTally {
  lines: number
  /** Lines the server answered with an error of its own or a refusal (refused()). */
  refused: number
  /** Per template id, its lines per client network. */
  byTemplate: Map<string, Map<string, number>>
  statuses: Map<number, number>
  /** The incident's lines were not all read (the profiles' line budget ran out): not judged. */
  cut?: boolean
}

/** Client networks of lines sampled over the whole log: who the site's traffic usually comes from. */
export interface ClientSample {
  lines: number
  networks: Map<string, number>
}

export interface ClientBurst {
  /** The client network (`45.155.3.0/24`, `2a02:1:2:3::/64`, or the client as written). */
  network: string
  /** The network's lines. */
  lines: number
  /** The incident's lines, from every client. */
  requests: number
  /** Of those, the lines above the templates' normal rate. */
  above_normal: number
  /** The statuses of those lines (all of them, the network's and others'), most first. */
  statuses: Array<{status: number; count: number}>
}

export function newClientTally(): ClientTally {
  return {lines: 0, refused: 0, byTemplate: new Map(), statuses: new Map()}
}

export function tallyClient(t: ClientTally, templateId: string, client: string, status: number): void {
  t.lines++
  if (refused(status)) t.refused++
  const net = clientNetwork(client)
  let nets = t.byTemplate.get(templateId)
  if (!nets) t.byTemplate.set(templateId, (nets = new Map()))
  nets.set(net, (nets.get(net) ?? 0) + 1)
  t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1)
}

export function sampleClient(s: ClientSample, client: string): void {
  s.lines++
  const net = clientNetwork(client)
  s.networks.set(net, (s.networks.get(net) ?? 0) + 1)
}

/**
 * The network a client address belongs to, as crawlers and scanners use them: an IPv4 address's
 * /24 (a crawler spreads over the addresses of one; an IPv4-mapped IPv6 address, a port or a zone
 * is read through), an IPv6 address's /64 (one site's), anything else (a host name) as it is.
 */
export function clientNetwork(client: string): string {
  let address = client
  const zone = address.indexOf('%')
  if (zone > 0) address = address.slice(0, zone)
  if (address.startsWith('[')) address = address.slice(1, address.indexOf(']') > 0 ? address.indexOf(']') : undefined)
  const v4 = /^(?:::ffff:|::ffff:0:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::\d{1,5})?$/i.exec(address)
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) ? `${v4[1]}.${v4[2]}.${v4[3]}.0/24` : client
  if (address.includes(':') && /^[0-9a-f:.]+$/i.test(address)) {
    const groups = expandV6(address)
    if (groups) return `${groups.slice(0, 4).join(':')}::/64`
  }
  return client
}

/** The eight groups of an IPv6 address (`::` expanded, leading zeros dropped); null when it is none. */
function expandV6(address: string): string[] | null {
  const halves = address.toLowerCase().split('::')
  if (halves.length > 2) return null
  const parts = (h: string): string[] => (h === '' ? [] : h.split(':'))
  const head = parts(halves[0])
  const tail = halves.length === 2 ? parts(halves[1]) : []
  // (an IPv4 tail, 64:ff9b::1.2.3.4, is two groups)
  const groupsOf = (list: string[]): number => list.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const missing = 8 - groupsOf(head) - groupsOf(tail)
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const all = [...head, ...Array.from({length: halves.length === 2 ? missing : 0}, () => '0'), ...tail]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(g))) return null
  return all.map((g) => (g.includes('.') ? g : g.replace(/^0+(?=.)/, '')))
}

type Judged = Pick<Incident, 'templates' | 'silence'>

/** The most lines one network has in `networks`, and which (the first by name on a tie). */
function top(networks: ReadonlyMap<string, number>): [string, number] {
  let network = ''
  let most = 0
  for (const [net, n] of networks) {
    if (n > most || (n === most && net < network)) {
      network = net
      most = n
    }
  }
  return [network, most]
}

/** A template of a server error or a refusal: by its level (5xx are errors) or the status words its text ends in. */
function refusedTemplate(t: Incident['templates'][number]): boolean {
  return levelClass(t.level) === 2 || REFUSED_REASONS.some((words) => t.template.endsWith(words))
}

/**
 * The burst the tally of the incident's lines shows, when it is one client network's (see the
 * file comment); undefined otherwise. `sample`: the log's sampled traffic (none: no network's usual share is known).
 */
export function clientBurst(t: ClientTally | undefined, incident: Judged, sample?: ClientSample): ClientBurst | undefined {
  if (t === undefined || t.cut || t.refused > 0 || incident.silence !== undefined || incident.templates.some(refusedTemplate)) return undefined
  if (sample && sample.lines > 0 && top(sample.networks)[1] >= PROXY_SHARE * sample.lines) return undefined
  let above = 0
  let expected = 0
  const networks = new Map<string, number>()
  const linesOf = (nets: ReadonlyMap<string, number> | undefined): number => [...(nets?.values() ?? [])].reduce((a, b) => a + b, 0)
  for (const [id, nets] of t.byTemplate) {
    const e = incident.templates.find((x) => x.id === id)?.expected ?? 0
    above += Math.max(0, linesOf(nets) - e)
    expected += e
    for (const [net, n] of nets) networks.set(net, (networks.get(net) ?? 0) + n)
  }
  const [network, most] = top(networks)
  // (the network's own normal lines: its share of the sampled traffic of the lines expected)
  const usual = sample && sample.lines > 0 ? (sample.networks.get(network) ?? 0) / sample.lines : 0
  const own = most - usual * expected
  if (usual >= SITE_SHARE || above < MIN_LINES || own < MIN_LINES || own < MIN_SHARE * above) return undefined
  // ... and of the lead template's own lines above normal too: a crawler's redirects in a 4th
  // template do not outvote a deploy's 404s for everyone that lead it
  const lead = incident.templates[0]
  if (lead !== undefined) {
    const e = lead.expected ?? 0
    const aboveLead = Math.max(0, linesOf(t.byTemplate.get(lead.id)) - e)
    const ownLead = (t.byTemplate.get(lead.id)?.get(network) ?? 0) - usual * e
    if (ownLead < MIN_SHARE * aboveLead) return undefined
  }
  const statuses = [...t.statuses].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([status, count]) => ({status, count}))
  return {network, lines: most, requests: t.lines, above_normal: Math.round(above), statuses}
}

/**
 * The incidents split into those raised (numbered INC-001… again, in order) and the client bursts
 * set aside (numbered CB-001…), each with its burst. `recurrence_of` follows the new numbers within
 * each list; a link from one list into the other is dropped (a raised incident does not recur after
 * a burst, nor a burst after an incident).
 */
export function setAsideClientBursts<T extends Pick<Incident, 'id' | 'recurrence_of'> & Judged>(
  incidents: readonly T[],
  tallies: ReadonlyArray<ClientTally | undefined>,
  sample?: ClientSample,
): {raised: T[]; bursts: Array<T & {client: ClientBurst}>} {
  const renamed = new Map<string, string>()
  const burstOf = incidents.map((inc, i) => clientBurst(tallies[i], inc, sample))
  let raisedCount = 0
  let burstCount = 0
  for (const [i, inc] of incidents.entries()) {
    renamed.set(inc.id, burstOf[i] === undefined ? `INC-${String(++raisedCount).padStart(3, '0')}` : `CB-${String(++burstCount).padStart(3, '0')}`)
  }
  const raised: T[] = []
  const bursts: Array<T & {client: ClientBurst}> = []
  for (const [i, inc] of incidents.entries()) {
    const id = renamed.get(inc.id)!
    const earlier = inc.recurrence_of === undefined ? undefined : renamed.get(inc.recurrence_of)
    const {recurrence_of: _old, ...rest} = inc
    // (a link into the other list is dropped: INC- and CB- numbers)
    const renumbered = {...rest, id, ...(earlier?.slice(0, 3) === id.slice(0, 3) ? {recurrence_of: earlier} : {})} as T
    const burst = burstOf[i]
    if (burst === undefined) raised.push(renumbered)
    else bursts.push({...renumbered, client: burst})
  }
  return {raised, bursts}
}
