import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const SECRETS = ['hunter2SECRET', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'pw0rdSECRET']
const LEAK = `081109 204655 556 ERROR dfs.DataNode: login failed for blk_-9999999999999999 password=${SECRETS[0]} token=${SECRETS[1]} url=https://bob:${SECRETS[2]}@db.internal/x`

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-collect-secrets-'))
  const fit = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code, fit.stderr).toBe(0)
}, 60_000)
afterAll(() => rm(dir, {recursive: true, force: true}))

/** A local webhook receiver on 127.0.0.1 that keeps every body it is sent. */
async function receiver(): Promise<{server: Server; url: string; bodies: string[]}> {
  const bodies: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString())
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies}
}

describe('collect and replay with credentials in a log line', () => {
  it('masks them in the terminal note, --json, the jsonl sink and the Slack and webhook bodies', async () => {
    const slack = await receiver()
    const hook = await receiver()
    try {
      const events = join(dir, 'events.jsonl')
      const input = `${await readFile('data/hdfs_sample.log', 'utf8')}${LEAK}\n`
      const r = await runCli(['collect', '-', '--model', join(dir, 'model'), '--json', '--sink', `jsonl:${events}`, '--sink', `slack:${slack.url}`, '--sink', `webhook:${hook.url}`], {input})
      expect(r.code, r.stderr).toBe(0)
      const written = await readFile(events, 'utf8')
      // the line made it into an incident and its template into a note, masked
      expect(written).toContain('password=<SECRET_1>')
      expect(slack.bodies.join('\n')).toContain('password=')
      expect(hook.bodies.join('\n')).toContain('password=<SECRET_1>')
      expect(r.stderr).toMatch(/unseen in training: login failed for .*password=<SECRET_1>/)
      for (const [where, text] of Object.entries({stdout: r.stdout, stderr: r.stderr, jsonl: written, slack: slack.bodies.join('\n'), webhook: hook.bodies.join('\n')})) {
        for (const secret of SECRETS) expect(text, `${secret} in ${where}`).not.toContain(secret)
      }
    } finally {
      for (const {server} of [slack, hook]) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    }
  }, 60_000)

  it('replay masks them in its jsonl sink and on the terminal', async () => {
    const log = join(dir, 'leak.log')
    await writeFile(log, `${await readFile('data/hdfs_sample.log', 'utf8')}${LEAK}\n`)
    const events = join(dir, 'replay-events.jsonl')
    const r = await runCli(['replay', '-i', log, '--model', join(dir, 'model'), '--sink', `jsonl:${events}`])
    expect(r.code, r.stderr).toBe(0)
    const written = await readFile(events, 'utf8')
    expect(written).toContain('password=<SECRET_1>')
    for (const secret of SECRETS) expect(`${r.stdout}${r.stderr}${written}`).not.toContain(secret)
  }, 60_000)
})
