import {readdirSync} from 'node:fs'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {hdfsSample, startServer, tempDir, type RunningServer} from './helpers.js'

const TOKEN = 'limits-token-12345'

function upload(url: string, name: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData()
  form.append('file', new Blob([bytes]), name)
  return fetch(`${url}/detect/upload`, {method: 'POST', body: form, headers})
}

describe('API limits, methods and /health', () => {
  const tmp = tempDir()
  const dbDir = tempDir() // outside tmp, which must stay empty
  const oldTmp = process.env.TMPDIR
  let open: RunningServer
  let guarded: RunningServer

  beforeAll(async () => {
    // The servers' request folders go here, so the test can see that none is left behind.
    process.env.TMPDIR = tmp.dir
    open = await startServer({dbPath: `${dbDir.dir}/history.db`, maxBodyBytes: 1024 * 1024})
    guarded = await startServer({token: TOKEN, dbPath: undefined})
  })
  afterAll(async () => {
    await open?.close()
    await guarded?.close()
    if (oldTmp === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = oldTmp
    tmp.remove()
    dbDir.remove()
  })

  it('a .gz that decompresses beyond --max-body answers 413 with the usual JSON error, and leaves no temp file', async () => {
    const bomb = gzipSync(Buffer.from(hdfsSample.repeat(Math.ceil((3 * 1024 * 1024) / hdfsSample.length))))
    expect(bomb.length).toBeLessThan(1024 * 1024) // the upload itself is within the limit
    const response = await upload(open.url, 'big.log.gz', bomb)
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({error: "the file decompresses to more than the server's limit of 1048576 bytes", hint: expect.stringContaining('--max-body'), statusCode: 413})
    expect(readdirSync(tmp.dir)).toEqual([])
    // within the limit once decompressed: analysed as before
    const small = await upload(open.url, 'small.log.gz', gzipSync(Buffer.from(hdfsSample)))
    expect(small.status).toBe(200)
    expect((await small.json()).summary.lines).toBeGreaterThan(0)
    expect(readdirSync(tmp.dir)).toEqual([])
  }, 60_000)

  it('an upload with a second file is refused with a 400 saying one file per request, and nothing is analysed or recorded', async () => {
    const runs = async () => (await (await fetch(`${open.url}/runs`)).json()).runs.length
    const before = await runs()
    for (const second of ['file', 'other']) {
      const form = new FormData()
      form.append('file', new Blob([hdfsSample]), 'one.log')
      form.append(second, new Blob(['another log\n']), 'two.log')
      const response = await fetch(`${open.url}/detect/upload`, {method: 'POST', body: form})
      expect(response.status, `second file in field ${second}`).toBe(400)
      // the hint's command names this server as the client reached it (its port, not the default's)
      expect(await response.json()).toEqual({error: 'one file per request: this upload has more than one file', hint: `send each log in a request of its own (curl -F file=@app.log ${open.url}/detect/upload)`, statusCode: 400})
      expect(readdirSync(tmp.dir)).toEqual([])
    }
    expect(await runs()).toBe(before)
    // a Host that is not a host[:port] never reaches the command to copy: the server's own address does
    const {request} = await import('node:http')
    const hint = await new Promise<string>((resolve, reject) => {
      const req = request(`${open.url}/detect/upload`, {method: 'POST', headers: {host: 'evil"; rm -rf ~ #', 'content-type': 'text/plain'}}, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve(JSON.parse(body).hint))
      })
      req.on('error', reject)
      req.end('x')
    })
    expect(hint).toBe(`curl -F file=@app.log ${open.url}/detect/upload`)
    // one file and a text field is still one file
    const form = new FormData()
    form.append('file', new Blob([hdfsSample]), 'one.log')
    form.append('note', 'just a field')
    const response = await fetch(`${open.url}/detect/upload`, {method: 'POST', body: form})
    expect(response.status).toBe(200)
    expect((await response.json()).summary.input).toBe('one.log')
  }, 60_000)

  it('a wrong method answers 405 with an Allow header and the usual JSON body; an unknown path is still 404', async () => {
    const get = await fetch(`${open.url}/detect`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await get.json()).toEqual({error: 'GET is not allowed on /detect', hint: 'it answers POST', statusCode: 405})
    const post = await fetch(`${open.url}/runs/3`, {method: 'POST'})
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toMatch(/\bGET\b/)
    expect((await fetch(`${open.url}/dashboard/no-such-file.js`)).status).toBe(404)
    const missing = await fetch(`${open.url}/nowhere`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({error: 'no route GET /nowhere', statusCode: 404})
  })

  it('/health with --token: status and version only without the token, every detail with it', async () => {
    const anonymous = await fetch(`${guarded.url}/health`)
    expect(anonymous.status).toBe(200)
    expect(await anonymous.json()).toEqual({status: 'ok', version: expect.any(String)})
    const wrong = await (await fetch(`${guarded.url}/health`, {headers: {authorization: 'Bearer not-the-token'}})).json()
    expect(Object.keys(wrong).sort()).toEqual(['status', 'version'])
    const full = await (await fetch(`${guarded.url}/health`, {headers: {authorization: `Bearer ${TOKEN}`}})).json()
    expect(full).toMatchObject({status: 'ok', llm: {provider: expect.any(String)}, history: {enabled: false}, queue: {workers: 2}})
    // without --token (local use) everything, as before
    const local = await (await fetch(`${open.url}/health`)).json()
    expect(local).toMatchObject({llm: {provider: expect.any(String)}, history: {enabled: true, path: expect.stringContaining('history.db')}})
  })
})
