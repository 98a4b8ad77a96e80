import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {PassThrough, Writable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {checkOutputs, drained} from '../../src/core/io/output.js'
import {maskUserinfo} from '../../src/core/secrets.js'
import {LineQueue} from '../../src/core/stream/queue.js'
import {fileTargetPath} from '../../src/core/stream/senders.js'
import {sinkOutputs} from '../../src/core/stream/sinks/index.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {postJson, startServer} from '../server/helpers.js'

// What a hostile review of collect/replay found (2026-12-02): outputs of the live commands that
// overwrite inputs or each other, passwords echoed in specs, a dead webhook holding up shutdown.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-live-outputs-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')

function copyOfSample(name: string): string {
  const log = path.join(dir, name)
  fs.copyFileSync(sample, log)
  return log
}

describe('outputs of the live commands', () => {
  it('jsonl sinks and file: targets are outputs: an input among them is refused, also through a link', async () => {
    const log = copyOfSample('in.log')
    fs.symlinkSync(log, path.join(dir, 'link.log'))
    expect(sinkOutputs(['jsonl:a.jsonl', 'webhook:http://127.0.0.1:9/x'])).toEqual([{path: 'a.jsonl', flag: '--sink'}])
    expect(fileTargetPath('file:/tmp/x.log')).toBe('/tmp/x.log')
    expect(fileTargetPath('udp://127.0.0.1:514')).toBeUndefined()
    const error = await checkOutputs(sinkOutputs([`jsonl:${log}`]), [path.join(dir, 'link.log')]).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(FlareError)
    expect((error as FlareError).message).toMatch(/is the input/)
  })

  it('two outputs of one run at one path are refused, whether the file exists or not', async () => {
    for (const name of ['new.out', 'existing.out']) {
      const target = path.join(dir, name)
      if (name === 'existing.out') fs.writeFileSync(target, 'x')
      const error = await checkOutputs([{path: target, flag: '--truth'}, {path: path.join(dir, '.', name), flag: '--sink'}], []).then(() => undefined, (e: unknown) => e)
      expect((error as FlareError).message).toMatch(/also the output of --truth/)
      expect((error as FlareError).exitCode).toBe(2)
    }
  })

  it('replay --to file:INPUT and --sink jsonl:INPUT exit 2 and leave the log as it was', async () => {
    const log = copyOfSample('replayed.log')
    for (const args of [['--to', `file:${log}`], ['--train-for', '2000', '--sink', `jsonl:${log}`]]) {
      const r = await runCli(['replay', '-i', log, ...args])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(/is the input/)
    }
    expect(fs.readFileSync(log)).toEqual(fs.readFileSync(sample))
  })

  it('a sink or target in a missing folder is refused, and no folder is created', async () => {
    const missing = path.join(dir, 'no-such-dir')
    const r = await runCli(['replay', '-i', sample, '--to', `file:${path.join(missing, 'x.log')}`])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/does not exist/)
    expect(fs.existsSync(missing)).toBe(false)
  })
})

describe('credentials in specs', () => {
  it('are masked in what a bad spec error echoes', async () => {
    expect(maskUserinfo('kafka://u:secretpw@127.0.0.1:9/t')).toBe('kafka://***@127.0.0.1:9/t')
    expect(maskUserinfo('u:secretpw@127.0.0.1:9')).toBe('***@127.0.0.1:9')
    expect(maskUserinfo('file:/var/log/a@b.log')).toBe('file:/var/log/a@b.log')
    const r = await runCli(['replay', '-i', sample, '--to', 'otlp+http://u:secretpw@127.0.0.1:9'])
    expect(r.code).toBe(2)
    expect(r.stderr + r.stdout).not.toContain('secretpw')
    const k = await runCli(['collect', '-', '--sink', 'kafka://u:secretpw@127.0.0.1:9/topic'], {input: ''})
    expect(k.code).toBe(2)
    expect(k.stderr + k.stdout).not.toContain('secretpw')
  })
})

describe('back-pressure and shutdown', () => {
  it('a source that waits is never refused by a full queue; a network source is', () => {
    const queue = new LineQueue(2)
    const line = {text: 'x', source: 's', arrivedAt: 0}
    expect([queue.push(line), queue.push(line), queue.push(line)]).toEqual([true, true, false])
    expect(queue.push(line, true)).toBe(true)
    expect(queue.size).toBe(3)
    expect(queue.dropped).toBe(1)
  })

  it('collect - with a tiny --queue loses no stdin line', async () => {
    const r = await runCli(['collect', '-', '--queue', '10', '--train-for', '2000'], {input: fs.readFileSync(sample)})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/6,625 lines/)
    expect(r.stderr).not.toMatch(/dropped/)
  })

  it('a second SIGTERM quits at once and says the open sessions were not scored', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'collect', '-', '--train-for', '2000', '--idle', '7d'], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.on('error', () => {})
    child.stdin.write(fs.readFileSync(sample))
    const deadline = Date.now() + 30_000
    while (!stderr.includes('scoring from here') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    child.kill('SIGTERM')
    expect(await exited).not.toBeNull()
    // Either the clean stop won the race (exit 0) or the second signal quit (143, saying so).
    if (!stderr.includes('stopped:')) expect(stderr).toMatch(/quit at once/)
  })
})

describe('writing into a pipe whose reader went away', () => {
  it('drained() fails at once instead of waiting forever for a drain that never comes', async () => {
    const sink = new Writable({highWaterMark: 1, write: (_chunk, _enc, cb) => cb(Object.assign(new Error('EPIPE: broken pipe'), {code: 'EPIPE'}))})
    sink.on('error', () => {})
    sink.write('a')
    await new Promise((resolve) => setImmediate(resolve))
    await expect(drained(sink)).rejects.toThrow(/EPIPE/)
    const open = new PassThrough({highWaterMark: 1})
    open.write('a')
    const waiting = drained(open)
    open.read()
    await expect(waiting).resolves.toBeUndefined()
  })
})

describe('flare serve, careless clients', () => {
  it('a multipart body cut short is a 400, and error messages never show the server temp paths', async () => {
    const server = await startServer()
    try {
      const cut = await fetch(`${server.url}/detect/upload`, {method: 'POST', headers: {'content-type': 'multipart/form-data; boundary=XYZ'}, body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.log"\r\n\r\nabc'})
      expect(cut.status).toBe(400)
      expect(((await cut.json()) as {error: string}).error).toMatch(/ended early/)
      const form = new FormData()
      form.append('file', new Blob([Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72])]), 'bad.gz')
      const corrupt = await fetch(`${server.url}/detect/upload`, {method: 'POST', body: form})
      const corruptBody = (await corrupt.json()) as {error: string}
      expect(corrupt.status).toBe(400)
      expect(corruptBody.error).toContain('the uploaded file "bad.gz"')
      const binary = await postJson(`${server.url}/detect`, {log_text: 'a\u0000b\u0000c\u0000d'})
      expect(binary.status).toBe(400)
      expect(binary.body.error).toMatch(/^log_text looks like binary data/)
      for (const message of [corruptBody.error, binary.body.error]) expect(message).not.toMatch(/flare-serve-/)
    } finally {
      await server.close()
    }
  })
})

describe('careless flags get one line and what to do', () => {
  it('replay of an empty log is bad input (exit 3), as for detect', async () => {
    const empty = path.join(dir, 'empty.log')
    fs.writeFileSync(empty, '')
    const r = await runCli(['replay', '-i', empty])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/no log records/)
  })

  it('serve --cors takes one origin, never a wildcard or a path', async () => {
    for (const cors of ['*', 'not a url', 'https://ops.example.com/path']) {
      const r = await runCli(['serve', '--cors', cors, '--port', '0', '--no-history'])
      expect(r.code, cors).toBe(2)
      expect(r.stderr).toMatch(/--cors takes one origin/)
    }
  })

  it('a state file under a file (not a folder) says so', async () => {
    const log = copyOfSample('parent.log')
    const r = await runCli(['collect', '-', '--state', path.join(log, 'x.json')], {input: ''})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/is a file, not a folder/)
  })
})
