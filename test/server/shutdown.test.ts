import type {ChildProcess} from 'node:child_process'
import {readdirSync} from 'node:fs'
import net from 'node:net'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {tempDir} from './helpers.js'

/** A client that starts a 100 MB multipart upload, sends a few KB of it and then stalls. */
function stalledUpload(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const b = 'flare-boundary'
      socket.write(`POST /detect/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${b}\r\nContent-Length: 100000000\r\n\r\n--${b}\r\nContent-Disposition: form-data; name="file"; filename="app.log"\r\n\r\n${'081109 203615 148 INFO dfs.DataNode: line\n'.repeat(2000)}`)
      resolve(socket)
    })
    socket.on('error', reject)
  })
}

/** The files under the server's TMPDIR (its request folders and what they hold). */
const tempFiles = (dir: string) => readdirSync(dir, {recursive: true}).map(String)

describe('flare serve shutdown with a stalled upload', () => {
  const tmp = tempDir()
  let socket: net.Socket | undefined
  afterEach(() => socket?.destroy())
  afterAll(() => tmp.remove())

  /** Starts `flare serve`, opens a stalled upload, waits for its temp file, then sends the signals. */
  async function stopWith(signals: NodeJS.Signals[], grace: number) {
    let child: ChildProcess | undefined
    const ran = runCli(['serve', '-p', '0', '--no-history', '--no-track', '--grace', String(grace)], {env: {TMPDIR: tmp.dir}, killAfterMs: 60_000, onSpawn: (c) => (child = c)})
    const port = await new Promise<number>((resolve) => {
      let seen = ''
      child!.stdout!.on('data', (d) => {
        seen += d
        const match = /serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen)
        if (match) resolve(Number(match[1]))
      })
    })
    socket = await stalledUpload(port)
    socket.on('error', () => {})
    await expect.poll(() => tempFiles(tmp.dir).some((f) => f.endsWith('upload.log')), {timeout: 10_000}).toBe(true)
    const started = performance.now()
    for (const signal of signals) {
      child!.kill(signal)
      await new Promise((r) => setTimeout(r, 300))
    }
    const result = await ran
    return {...result, stopMs: performance.now() - started}
  }

  it('drains for the grace period, cuts the stalled upload, removes its temp file and exits 0', async () => {
    const result = await stopWith(['SIGTERM'], 2)
    expect(result.killed).toBe(false)
    expect(result.code).toBe(0)
    expect(result.stopMs).toBeLessThan(10_000)
    expect(result.stderr).toMatch(/stopping: finishing requests in progress \(at most 2 s/)
    expect(tempFiles(tmp.dir)).toEqual([])
  }, 90_000)

  it('a second signal quits at once with 130, removing the temp file first', async () => {
    const result = await stopWith(['SIGINT', 'SIGINT'], 60)
    expect(result.killed).toBe(false)
    expect(result.code).toBe(130)
    expect(result.stopMs).toBeLessThan(5_000)
    expect(result.stderr).toMatch(/quit at once/)
    expect(tempFiles(tmp.dir)).toEqual([])
  }, 90_000)
})
