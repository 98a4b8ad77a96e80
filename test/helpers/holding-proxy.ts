import {createServer, type IncomingMessage, request, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface HoldingProxy {
  uri: string
  /** Drops the held requests and stops listening. */
  close(): Promise<void>
}

/**
 * An HTTP proxy to `target` (a real MLflow server) that never answers a request `hold` returns
 * true for: the client waits as on a server gone silent, and the test acts at that moment.
 */
export async function holdingProxy(target: string, hold: (req: IncomingMessage) => boolean): Promise<HoldingProxy> {
  const upstreamUrl = new URL(target)
  const held: ServerResponse[] = []
  const server = createServer((req, res) => {
    if (hold(req)) {
      req.resume()
      held.push(res)
      return
    }
    const upstream = request({host: upstreamUrl.hostname, port: upstreamUrl.port, path: req.url, method: req.method, headers: req.headers}, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A PUT into a run's model folder (`…/artifacts/model/…`): the slowest step of logging a run. */
export function isModelUpload(req: IncomingMessage): boolean {
  return req.method === 'PUT' && /\/mlflow-artifacts\/.*\/artifacts\/model\//.test(req.url ?? '')
}
