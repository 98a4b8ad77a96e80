import {mulberry32} from '../../src/core/detect/random.js'

/** A host of the generated fleet: its lines per 5-minute window (Poisson) and what it logs. */
export interface FleetHost {
  name: string
  perWindow: number
  messages: string[]
}

export const FLEET: FleetHost[] = [
  {name: 'api-01', perWindow: 30, messages: ['nginx[210]: GET /api/orders 200', 'nginx[210]: GET /api/items 200', 'app[300]: request served in <ms> ms']},
  {name: 'db-01', perWindow: 12, messages: ['postgres[400]: checkpoint complete', 'postgres[400]: connection authorized: user=app']},
  {name: 'mq-01', perWindow: 8, messages: ['rabbitmq[500]: accepting AMQP connection', 'rabbitmq[500]: closing AMQP connection']},
  // logs now and then: an hour without a line is ordinary for it
  {name: 'bastion-01', perWindow: 0.3, messages: ['sshd[600]: Accepted publickey for deploy', 'sshd[600]: pam_unix(sshd:session): session closed for user deploy']},
]

const WINDOW_MS = 5 * 60_000
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function poisson(lambda: number, rand: () => number): number {
  const limit = Math.exp(-lambda)
  let k = 0
  for (let p = rand(); p > limit; p *= rand()) k++
  return k
}

/**
 * A seeded syslog of the fleet over `hours` from `start` (UTC), each host logging Poisson counts per
 * 5-minute window at uniform times; `dark`: per host (or PROGRAM@HOST: one program of it), the
 * [from, to) stretches (ms from the start) it logs nothing in (to = Infinity: it never comes back).
 */
export function fleetLog(seed: number, start: string, hours: number, dark: Record<string, Array<[number, number]>> = {}): string {
  const rand = mulberry32(seed)
  const t0 = Date.parse(start)
  const lines: Array<[number, string]> = []
  for (let w = 0; w < (hours * 3_600_000) / WINDOW_MS; w++) {
    for (const host of FLEET) {
      const n = poisson(host.perWindow, rand)
      for (let i = 0; i < n; i++) {
        const at = w * WINDOW_MS + Math.floor(rand() * WINDOW_MS / 1000) * 1000
        const text = host.messages[Math.floor(rand() * host.messages.length)].replace('<ms>', String(1 + Math.floor(rand() * 90)))
        const program = text.slice(0, text.indexOf('['))
        if ([...(dark[host.name] ?? []), ...(dark[`${program}@${host.name}`] ?? [])].some(([from, to]) => at >= from && at < to)) continue
        lines.push([t0 + at, `${host.name} ${text}`])
      }
    }
  }
  lines.sort((a, b) => a[0] - b[0])
  return lines.map(([t, rest]) => {
    const d = new Date(t)
    const hms = d.toISOString().slice(11, 19)
    return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms} ${rest}`
  }).join('\n') + '\n'
}
