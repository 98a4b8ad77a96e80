import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {clientBurst, clientNetwork, newClientTally, sampleClient, setAsideClientBursts, tallyClient, type ClientSample, type ClientTally} from '../../../src/core/incidents/client-bursts.js'
import {detect} from '../../../src/core/pipeline.js'
import type {Incident} from '../../../src/core/results.js'
import {seededRand} from '../../helpers/hdfs-like.js'

const dir = mkdtempSync(join(tmpdir(), 'flare-bursts-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A tally of `lines`: [template id, client, status, how many]. */
function tally(lines: Array<[string, string, number, number]>): ClientTally {
  const t = newClientTally()
  for (const [id, client, status, n] of lines) for (let i = 0; i < n; i++) tallyClient(t, id, client, status)
  return t
}
const judged = (expected: Record<string, number> = {}, silence?: Incident['silence'], extra: Incident['templates'] = []): Pick<Incident, 'templates' | 'silence'> => ({
  templates: [...Object.entries(expected).map(([id, e]) => ({id, template: id, count: 0, normal_mean: 0, expected: e})), ...extra],
  ...(silence ? {silence} : {}),
})
/** Sampled traffic: [client, lines]. */
function sample(lines: Array<[string, number]>): ClientSample {
  const s: ClientSample = {lines: 0, networks: new Map()}
  for (const [client, n] of lines) for (let i = 0; i < n; i++) sampleClient(s, client)
  return s
}

describe('clientNetwork', () => {
  it('is an IPv4 address\'s /24, an IPv6 address\'s /64, and anything else as written', () => {
    expect(clientNetwork('66.249.66.17')).toBe('66.249.66.0/24')
    expect(clientNetwork('2a02:c7c:1234:0:5::9')).toBe('2a02:c7c:1234:0::/64')
    expect(clientNetwork('2A02:0C7C:1234:0000:0000:0000:0000:0009')).toBe('2a02:c7c:1234:0::/64')
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64')
    expect(clientNetwork('crawl-66-249-66-1.googlebot.com')).toBe('crawl-66-249-66-1.googlebot.com')
    // an IPv4 address mapped into IPv6, with a port, in brackets or with a zone: its /24
    expect(clientNetwork('::ffff:23.1.2.3')).toBe('23.1.2.0/24')
    expect(clientNetwork('::FFFF:99.8.7.6')).toBe('99.8.7.0/24')
    expect(clientNetwork('23.1.2.3:51234')).toBe('23.1.2.0/24')
    expect(clientNetwork('[2a02:c7c:1234::9]')).toBe('2a02:c7c:1234:0::/64')
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    // (not addresses: kept as written)
    expect(clientNetwork('999.1.1.1')).toBe('999.1.1.1')
    expect(clientNetwork('1:2:3')).toBe('1:2:3')
    expect(clientNetwork('1::2::3')).toBe('1::2::3')
  })
})

describe('clientBurst', () => {
  it("is a scanner's 404s, all from one network", () => {
    const burst = clientBurst(tally([['404', '45.9.20.7', 404, 70], ['405', '45.9.20.7', 405, 8], ['404', '81.2.3.4', 404, 2]]), judged({404: 1.5}))
    expect(burst).toEqual({network: '45.9.20.0/24', lines: 78, requests: 80, above_normal: 79, statuses: [{status: 404, count: 72}, {status: 405, count: 8}]})
  })

  it("is a crawler's redirects above the redirects everyone gets, from addresses of one network", () => {
    const crawler = Array.from({length: 13}, (_, i) => ['301', `66.249.79.${i + 1}`, 301, 1] as [string, string, number, number])
    const others = Array.from({length: 8}, (_, i) => ['301', `${20 + i}.1.2.3`, 301, 1] as [string, string, number, number])
    // 21 redirects where 8 were expected: the 13 above normal are the crawler's
    expect(clientBurst(tally([...crawler, ...others]), judged({301: 8}))).toMatchObject({network: '66.249.79.0/24', lines: 13, requests: 21, above_normal: 13})
    // ... but not when the redirects above normal came from many clients
    expect(clientBurst(tally([...crawler.slice(0, 6), ...others]), judged({301: 2}))).toBeUndefined()
  })

  it('is no burst when the server failed or turned clients away, when a source fell silent, or with a few lines', () => {
    const scan: Array<[string, string, number, number]> = [['404', '45.9.20.7', 404, 60]]
    expect(clientBurst(tally(scan), judged())).toBeDefined()
    for (const status of [500, 503, 401, 407, 408, 429, 499]) expect(clientBurst(tally([...scan, ['x', '45.9.20.7', status, 1]]), judged()), String(status)).toBeUndefined()
    // ... nor in any of the incident's templates, its lines profiled or not (a 5xx is an ERROR; a refusal says so in words)
    const other = (template: string, level?: string): Incident['templates'] => [{id: 'other', template, count: 3, normal_mean: 0, ...(level ? {level} : {})}]
    expect(clientBurst(tally(scan), judged({}, undefined, other('GET <*> <*> <*> Internal Server Error', 'ERROR')))).toBeUndefined()
    expect(clientBurst(tally(scan), judged({}, undefined, other('POST <*> <*> <*> Too Many Requests', 'WARN')))).toBeUndefined()
    expect(clientBurst(tally(scan), judged({}, undefined, other('GET <*> <*> <*> Client Closed Request', 'WARN')))).toBeUndefined()
    expect(clientBurst(tally(scan), judged({}, undefined, other('GET <*> <*> <*> Forbidden', 'WARN')))).toBeDefined()
    // a profile the line budget cut short is not judged
    expect(clientBurst({...tally(scan), cut: true}, judged())).toBeUndefined()
    expect(clientBurst(tally(scan), judged({}, {source: 'shop.example.com:443', duration: '20m', lines: 0, expected: 300}))).toBeUndefined()
    expect(clientBurst(tally([['404', '45.9.20.7', 404, 3]]), judged())).toBeUndefined()
    expect(clientBurst(undefined, judged())).toBeUndefined()
    // lines at their normal rate, however many from one network, are no burst
    expect(clientBurst(tally([['404', '45.9.20.7', 404, 20]]), judged({404: 18}))).toBeUndefined()
  })

  it("is no burst when the lead template's lines above normal came from everyone, however many a 4th template's crawler sent", () => {
    // a deploy's 404s for 30 networks lead the incident; a crawler's 370 redirects are its 4th template
    const bug = Array.from({length: 30}, (_, i) => ['lead404', `${30 + i}.7.7.7`, 404, i < 10 ? 2 : 1] as [string, string, number, number])
    const crawl: [string, string, number, number] = ['crawl301', '66.249.66.9', 301, 370]
    expect(clientBurst(tally([...bug, crawl]), judged({lead404: 0, crawl301: 10}))).toBeUndefined()
    // the crawler's burst alone, or leading, is one
    expect(clientBurst(tally([crawl]), judged({crawl301: 10}))).toMatchObject({network: '66.249.66.0/24', lines: 370})
    expect(clientBurst(tally([crawl, ...bug.slice(0, 3)]), judged({crawl301: 10, lead404: 0}))).toMatchObject({network: '66.249.66.0/24'})
  })

  it("sets a network's lines against its usual share of the traffic, and judges nothing behind a proxy", () => {
    const everyone = Array.from({length: 50}, (_, i) => [`${30 + i}.7.7.7`, 20] as [string, number])
    // a carrier's NAT that sends a fifth of all traffic sent 160 of 1000 404s, 200 above the 800 expected
    const nat: Array<[string, string, number, number]> = [['404', '100.64.1.9', 404, 160], ...Array.from({length: 84}, (_, i) => ['404', `${30 + i}.7.7.7`, 404, 10] as [string, string, number, number])]
    expect(clientBurst(tally(nat), judged({404: 800}))).toBeDefined()
    expect(clientBurst(tally(nat), judged({404: 800}), sample([...everyone, ['100.64.1.9', 250]]))).toBeUndefined()
    // behind a load balancer every line names it: one network is no sign of one client
    const scan: Array<[string, string, number, number]> = [['404', '10.0.0.5', 404, 60]]
    expect(clientBurst(tally(scan), judged(), sample([...everyone, ['10.0.0.5', 5000]]))).toBeUndefined()
    // a scanner is no one the site usually hears from
    expect(clientBurst(tally([['404', '45.9.20.7', 404, 60]]), judged(), sample(everyone))).toMatchObject({network: '45.9.20.0/24', lines: 60})
  })
})

describe('setAsideClientBursts', () => {
  it('numbers the raised incidents and the bursts anew, and a recurrence follows its incident', () => {
    const inc = (id: string, recurrence_of?: string): Pick<Incident, 'id' | 'recurrence_of' | 'templates'> => ({id, templates: [], ...(recurrence_of ? {recurrence_of} : {})})
    const scan = tally([['404', '45.9.20.7', 404, 30]])
    const {raised, bursts} = setAsideClientBursts([inc('INC-001'), inc('INC-002'), inc('INC-003', 'INC-001'), inc('INC-004', 'INC-002')], [undefined, scan, undefined, scan])
    expect(raised.map((i) => [i.id, i.recurrence_of])).toEqual([['INC-001', undefined], ['INC-002', 'INC-001']])
    expect(bursts.map((i) => [i.id, i.recurrence_of, i.client.network])).toEqual([['CB-001', undefined, '45.9.20.0/24'], ['CB-002', 'CB-001', '45.9.20.0/24']])
    // a recurrence of an incident in the other list is no longer told
    const crossed = setAsideClientBursts([inc('INC-001'), inc('INC-002', 'INC-001'), inc('INC-003', 'INC-002')], [scan, undefined, scan])
    expect(crossed.raised.map((i) => [i.id, 'recurrence_of' in i])).toEqual([['INC-001', false]])
    expect(crossed.bursts.map((i) => [i.id, 'recurrence_of' in i])).toEqual([['CB-001', false], ['CB-002', false]])
  })
})

/**
 * Six hours of a shop's access log: 40 clients browsing, a few redirects and 404s for everyone; at
 * 02:00 a scanner (one address) probes 90 paths in two minutes, at 03:00 a crawler (one /24) gets
 * 40 redirects on top of the usual, and at 04:30 the shop fails for everyone (500s, 20 minutes).
 */
function shopLog({outage = 500, proxy, nodes, quietApi = false, scan = 90, scanStatuses = [404]}: {outage?: number; proxy?: string; nodes?: string[]; quietApi?: boolean; scan?: number; scanStatuses?: number[]} = {}): string {
  const rand = seededRand(11)
  const t0 = Date.UTC(2026, 10, 2)
  const lines: Array<[number, string]> = []
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const stamp = (t: number): string => {
    const d = new Date(t)
    const p = (n: number): string => String(n).padStart(2, '0')
    return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  }
  const add = (t: number, client: string, request: string, status: number, vhost = 'shop.example.com:443'): void => {
    lines.push([t, `${vhost} ${proxy ?? client} - - [${stamp(t)}] "${request}" ${status} ${status === 200 ? 5120 + rand(4000) : 162} "-" "Mozilla/5.0"`])
  }
  const clients = Array.from({length: 40}, (_, i) => `${23 + i}.${rand(250)}.${rand(250)}.${1 + rand(250)}`)
  const hour = 3_600_000
  for (let t = t0; t < t0 + 6 * hour; t += 1500 + rand(1000)) {
    // (behind balancer nodes: each request through one of them, and the outage is the first node's)
    const node = nodes ? rand(nodes.length) : -1
    const client = nodes ? nodes[node] : clients[rand(clients.length)]
    const outageTime = t >= t0 + 4.5 * hour && t < t0 + 4.5 * hour + 20 * 60_000
    const failing = outageTime && (nodes ? node === 0 : rand(3) > 0)
    const roll = rand(100)
    if (failing) add(t, client, `GET /products/${rand(900)} HTTP/2.0`, outage)
    else if (roll === 0) add(t, client, `GET /products/${rand(900)}/ HTTP/2.0`, 301)
    else if (roll === 1) add(t, client, `GET /static/old-${rand(50)}.css HTTP/2.0`, 404)
    else add(t, client, `GET /products/${rand(900)} HTTP/2.0`, 200)
  }
  // an API beside the shop, which serves nothing from 02:00 to 02:40 when `quietApi`
  const apiQuiet = (t: number): boolean => quietApi && t >= t0 + 2 * hour && t < t0 + 2 * hour + 40 * 60_000
  for (let t = t0; t < t0 + 6 * hour; t += 10_000 + rand(10_000)) if (!apiQuiet(t)) add(t, clients[rand(clients.length)], 'POST /api/v1/orders HTTP/2.0', 201, 'api.example.com:443')
  for (let i = 0; i < scan; i++) add(t0 + 2 * hour + rand(scan > 90 ? 600_000 : 120_000), '45.9.20.7', `GET /${['wp-login.php', '.env', '.git/config', 'admin/setup.php', 'cgi-bin/luci'][rand(5)]}?x=${rand(1000)} HTTP/1.1`, scanStatuses[i % scanStatuses.length])
  for (let i = 0; i < 40; i++) add(t0 + 3 * hour + rand(600_000), `66.249.66.${1 + rand(250)}`, `GET /products/${rand(900)}/ HTTP/1.1`, 301)
  return lines.sort((a, b) => a[0] - b[0]).map(([, line]) => line).join('\n') + '\n'
}

describe('detect on a web access log', () => {
  it("raises the shop's failure and sets aside the scan and the crawl; --raise-client-bursts raises them too", async () => {
    const path = join(dir, 'shop.log')
    writeFileSync(path, shopLog())
    const at = (inc: Pick<Incident, 'time_range'>): number => new Date(inc.time_range.start!).getUTCHours()
    const {results} = await detect({input: path})
    expect(results.incidents.map((i) => [i.id, at(i)])).toEqual([['INC-001', 4]])
    expect(results.incidents[0].templates.some((t) => t.template.includes('Internal Server Error'))).toBe(true)
    const bursts = results.client_bursts ?? []
    expect(bursts.map((b) => [b.id, at(b), b.client.network])).toEqual([['CB-001', 2, '45.9.20.0/24'], ['CB-002', 3, '66.249.66.0/24']])
    expect(bursts[0].client.statuses).toEqual([{status: 404, count: bursts[0].client.requests}])
    expect(results.summary.client_bursts).toBe(2)

    const raisedAll = (await detect({input: path, raiseClientBursts: true})).results
    expect(raisedAll.client_bursts).toBeUndefined()
    expect(raisedAll.summary.client_bursts).toBeUndefined()
    expect(raisedAll.incidents.map((i) => at(i)).sort()).toEqual([2, 3, 4])
  }, 60_000)

  it('behind a load balancer (every line names it) a broken deploy answering 404 to everyone is raised, not set aside', async () => {
    const path = join(dir, 'shop-behind-lb.log')
    writeFileSync(path, shopLog({outage: 404, proxy: '10.0.0.5'}))
    const {results} = await detect({input: path})
    expect(results.client_bursts).toBeUndefined()
    const outage = results.incidents.filter((i) => new Date(i.time_range.start!).getUTCHours() === 4)
    expect(outage.length).toBe(1)
    expect(outage[0].templates.some((t) => t.template.endsWith('Not Found'))).toBe(true)
  }, 60_000)

  it('behind three balancer nodes in three networks, one node answering 404 to everything is raised, not set aside', async () => {
    const path = join(dir, 'shop-behind-nodes.log')
    writeFileSync(path, shopLog({outage: 404, nodes: ['10.0.1.5', '10.0.2.5', '10.0.3.5']}))
    const {results} = await detect({input: path})
    const outage = results.incidents.filter((i) => new Date(i.time_range.start!).getUTCHours() === 4)
    expect(outage.length).toBe(1)
    expect(outage[0].templates.some((t) => t.template.endsWith('Not Found'))).toBe(true)
    expect((results.client_bursts ?? []).filter((b) => new Date(b.time_range.start!).getUTCHours() === 4)).toEqual([])
  }, 60_000)

  it("tallies the clients of every template of the incident: a scan answered with four statuses", async () => {
    const path = join(dir, 'shop-scan-statuses.log')
    writeFileSync(path, shopLog({scanStatuses: [404, 405, 400, 403, 404, 404]}))
    const {results} = await detect({input: path})
    const scan = (results.client_bursts ?? []).filter((b) => b.client.network === '45.9.20.0/24')
    expect(scan.length).toBe(1)
    // (four templates or more: more than the three its parameters are profiled on)
    expect(scan[0].templates.length).toBeGreaterThan(3)
    expect(scan[0].client.requests).toBe(scan[0].templates.reduce((n, t) => n + t.count, 0))
    expect(scan[0].client.statuses.map((s) => s.status).sort()).toEqual([400, 403, 404, 405])
  }, 60_000)

  it('a host falling silent is raised though a louder scan on another host makes the same incident', async () => {
    const path = join(dir, 'shop-scan-api-quiet.log')
    writeFileSync(path, shopLog({quietApi: true, scan: 400}))
    const {results} = await detect({input: path})
    // (incidents holding 02:10, when the scan ran and the API was quiet)
    const at = Date.UTC(2026, 10, 2, 2, 10)
    const then = (list: Incident[]): Incident[] => list.filter((i) => Date.parse(i.time_range.start!) <= at && at <= Date.parse(i.time_range.end!))
    const raised = then(results.incidents)
    expect(raised.length).toBe(1)
    // the scan leads it; the silence is in it without leading it
    expect(raised[0].silence).toBeUndefined()
    expect(raised[0].reasons.map((r) => r.feature)).toContain('silence api.example.com:443')
    expect(then(results.client_bursts ?? [])).toEqual([])
  }, 60_000)
})
