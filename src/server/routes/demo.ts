import type {FastifyPluginAsync} from 'fastify'
import type {Analysis} from '../analysis.js'
import {demoEvents, type DemoSource} from '../demo-events.js'

/**
 * GET /demo/stream: Server-Sent Events from the live source. Heartbeat comments keep proxies from
 * closing an idle stream; the source is aborted as soon as the client goes away.
 */
export const demoRoutes: FastifyPluginAsync<{heartbeatMs: number; demo?: DemoSource; analysis: Analysis}> = async (app, {heartbeatMs, demo, analysis}) => {
  let open = 0
  const source: DemoSource = demo ?? ((signal) => demoEvents(signal, {detectFile: async (path) => (await analysis.detectFile({input: path, inputName: 'hdfs_sample.log'})).results}))

  app.get('/demo/stream', {schema: {description: 'Live incidents as Server-Sent Events (event: progress | incident | done), from a replay of the bundled HDFS sample', produces: ['text/event-stream']}}, (request, reply) => {
    const controller = new AbortController()
    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    })
    open++
    raw.write(`: flare live stream\nretry: 5000\n\n`)
    const heartbeat = setInterval(() => raw.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs)
    const stop = () => {
      if (controller.signal.aborted) return
      controller.abort()
      clearInterval(heartbeat)
      open--
    }
    request.raw.on('close', stop)
    raw.on('close', stop)
    void (async () => {
      try {
        for await (const event of source(controller.signal)) {
          if (controller.signal.aborted) break
          raw.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
        }
      } catch (error) {
        if (!controller.signal.aborted) raw.write(`event: error\ndata: ${JSON.stringify({message: (error as Error).message})}\n\n`)
      } finally {
        stop()
        raw.end()
      }
    })()
  })

  app.get('/demo/streams', {schema: {hide: true}}, async () => ({open}))
}
