import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {detect} from '../../src/core/pipeline.js'
import {repoRoot} from './cli.js'

/**
 * A generated multi-host syslog (data/generate-multihost.mjs: no session ids, so sessions are time
 * windows per host) and a label file for its windows: a window (host + start) is anomalous when it
 * overlaps a real incident on its host. Written to `dir`; the windows are as `flare detect` cuts them.
 */
export async function fleetLogWithLabels(dir: string, options: {seed?: number; hours?: number; hosts?: number} = {}): Promise<{log: string; labels: string; sessionKey: string}> {
  const {seed = 2, hours = 4, hosts = 4} = options
  const log = path.join(dir, 'fleet.log')
  const labels = path.join(dir, 'fleet_labels.csv')
  const made = spawnSync(process.execPath, ['data/generate-multihost.mjs', '--seed', String(seed), '--hours', String(hours), '--hosts', String(hosts), '--out', log, '--truth', `${log}.json`], {cwd: repoRoot, encoding: 'utf8'})
  if (made.status !== 0) throw new Error(`generate-multihost failed: ${made.stderr}`)
  const truth = JSON.parse(fs.readFileSync(`${log}.json`, 'utf8')) as {incidents: Array<{hosts: string[]; start: string; end: string}>}
  const windows = await detect({input: log})
  const windowMs = windows.bundle.manifest.window_ms!
  const rows = windows.results.anomalies.map(({session_id: id}) => {
    const cut = id.lastIndexOf(' ')
    const host = id.slice(0, cut)
    const start = Date.parse(id.slice(cut + 1))
    const bad = truth.incidents.some((i) => i.hosts.includes(host) && Date.parse(i.start) < start + windowMs && Date.parse(i.end) >= start)
    return `${id},${bad ? 'Anomaly' : 'Normal'}`
  })
  if (!rows.some((r) => r.endsWith(',Anomaly'))) throw new Error('fleetLogWithLabels: no window overlaps an incident')
  fs.writeFileSync(labels, `SessionId,Label\n${rows.join('\n')}\n`)
  return {log, labels, sessionKey: windows.results.summary.session_key}
}
