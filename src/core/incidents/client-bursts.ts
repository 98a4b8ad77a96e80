/**
 * Bursts one client made. A public web server is scanned for `/.env` and `/wp-login.php` several
 * times a day, and crawlers walk its catalogue into old links: a burst of 404s or redirects that no
 * other client saw is that client's doing, and nothing the service's on-call engineer can or should
 * fix. An incident of a web access log is set aside (kept in the document as a client burst, not
 * raised) when, over its leading templates' lines (those its parameters were profiled on,
 * parameters.ts):
 * - one client network sent four in five of the lines above the templates' normal rate (the
 *   lines a crawler adds to the redirects that other clients get all day);
 * - the server answered every one as it should: no 5xx, and no 401, 407 or 429, which say the
 *   service turned clients away;
 * - and no host or program fell silent in it (a silence is never a client's doing).
 */
import type {Incident} from '../results.js'

/** Lines a burst's network sent at least (a few requests are no burst). */
const MIN_LINES = 5
/** Share of the lines above the normal rate one client network must have sent. */
const MIN_SHARE = 0.8

/** The clients of an incident's leading templates' lines, and what the server answered them. */
export interface ClientTally {
  lines: number
  /** Lines per template id. */
  templates: Map<string, number>
  /** Lines the server answered with an error of its own or a refusal (5xx, 401, 407, 429). */
  refused: number
  networks: Map<string, number>
  statuses: Map<number, number>
}

export interface ClientBurst {
  /** The client network (`45.155.3.0/24`, `2a02:1:2:3::/64`, or the client as written). */
  network: string
  lines: number
  /** The leading templates' lines, from every client. */
  requests: number
  /** Of those, the lines above the templates' normal rate. */
  above_normal: number
  /** The statuses of those lines (all of them, the network's and others'), most first. */
  statuses: Array<{status: number; count: number}>
}

export function newClientTally(): ClientTally {
  return {lines: 0, templates: new Map(), refused: 0, networks: new Map(), statuses: new Map()}
}

export function tallyClient(t: ClientTally, templateId: string, client: string, status: number): void {
  t.lines++
  t.templates.set(templateId, (t.templates.get(templateId) ?? 0) + 1)
  if (status >= 500 || status === 401 || status === 407 || status === 429) t.refused++
  const net = clientNetwork(client)
  t.networks.set(net, (t.networks.get(net) ?? 0) + 1)
  t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1)
}

/**
 * The network a client address belongs to, as crawlers and scanners use them: an IPv4 address's
 * /24 (a crawler spreads over the addresses of one), an IPv6 address's /64 (one site's), anything
 * else (a host name) as it is.
 */
export function clientNetwork(client: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(client)
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`
  if (client.includes(':') && /^[0-9a-f:.]+$/i.test(client)) {
    const groups = expandV6(client)
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
  // (an IPv4 tail, ::ffff:1.2.3.4, is two groups)
  const groupsOf = (list: string[]): number => list.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const missing = 8 - groupsOf(head) - groupsOf(tail)
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const all = [...head, ...Array.from({length: halves.length === 2 ? missing : 0}, () => '0'), ...tail]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(g))) return null
  return all.map((g) => (g.includes('.') ? g : g.replace(/^0+(?=.)/, '')))
}

type Judged = Pick<Incident, 'templates' | 'silence'>

/** The burst the tally of the incident's lines shows, when it is one client network's (see the file comment); undefined otherwise. */
export function clientBurst(t: ClientTally | undefined, incident: Judged): ClientBurst | undefined {
  if (t === undefined || t.lines < MIN_LINES || t.refused > 0 || incident.silence !== undefined) return undefined
  let above = 0
  for (const [id, lines] of t.templates) above += Math.max(0, lines - (incident.templates.find((x) => x.id === id)?.expected ?? 0))
  let network = ''
  let most = 0
  for (const [net, n] of t.networks) {
    if (n > most || (n === most && net < network)) {
      network = net
      most = n
    }
  }
  if (most < MIN_LINES || most < MIN_SHARE * above) return undefined
  const statuses = [...t.statuses].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([status, count]) => ({status, count}))
  return {network, lines: most, requests: t.lines, above_normal: Math.round(above), statuses}
}

/**
 * The incidents split into those raised (numbered INC-001… again, in order) and the client bursts
 * set aside (numbered CB-001…), each with its burst; `recurrence_of` follows the new numbers.
 */
export function setAsideClientBursts<T extends Pick<Incident, 'id' | 'recurrence_of'> & Judged>(incidents: readonly T[], tallies: ReadonlyArray<ClientTally | undefined>): {raised: T[]; bursts: Array<T & {client: ClientBurst}>} {
  const renamed = new Map<string, string>()
  const burstOf = incidents.map((inc, i) => clientBurst(tallies[i], inc))
  let raisedCount = 0
  let burstCount = 0
  for (const [i, inc] of incidents.entries()) {
    renamed.set(inc.id, burstOf[i] === undefined ? `INC-${String(++raisedCount).padStart(3, '0')}` : `CB-${String(++burstCount).padStart(3, '0')}`)
  }
  const raised: T[] = []
  const bursts: Array<T & {client: ClientBurst}> = []
  for (const [i, inc] of incidents.entries()) {
    const renumbered = {...inc, id: renamed.get(inc.id)!, ...(inc.recurrence_of === undefined ? {} : {recurrence_of: renamed.get(inc.recurrence_of) ?? inc.recurrence_of})}
    const burst = burstOf[i]
    if (burst === undefined) raised.push(renumbered)
    else bursts.push({...renumbered, client: burst})
  }
  return {raised, bursts}
}
