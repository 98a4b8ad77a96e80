import {createServer, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/** How a stand-in MLflow server answers every request. */
export type MlflowFault = 'hang' | '500' | '429' | 'garbage'

export interface FaultyMlflowServer {
  /** http://127.0.0.1:PORT */
  url: string
  /** Requests received (method and path), and the Authorization headers they carried. */
  requests: Array<{method: string; path: string; authorization?: string}>
  close(): Promise<void>
}

/**
 * A stand-in MLflow tracking server on 127.0.0.1 that fails every request the same way: never
 * answers, answers 500 or 429 (with a Retry-After), or answers 200 with a body that is not JSON.
 */
export async function startFaultyMlflowServer(fault: MlflowFault): Promise<FaultyMlflowServer> {
  const requests: FaultyMlflowServer['requests'] = []
  const hanging = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests.push({method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization})
      if (fault === 'hang') {
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      if (fault === 'garbage') {
        res.writeHead(200, {'content-type': 'application/json'})
        res.end('<html>\x1b[2J not json {{{')
        return
      }
      const status = Number(fault)
      res.writeHead(status, {'content-type': 'application/json', ...(status === 429 ? {'retry-after': '1'} : {})})
      res.end(JSON.stringify({error_code: status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'INTERNAL_ERROR', message: `stand-in ${status}`}))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
