import fastifyMultipart from '@fastify/multipart'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import Fastify, {type FastifyInstance} from 'fastify'
import {hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider} from 'fastify-type-provider-zod'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {isFlareError} from '../core/errors.js'
import {resolveProvider, type ExplainProvider} from '../core/explain/index.js'
import {HistoryStore} from '../core/history/index.js'
import {configuredSecrets, scrubText} from '../core/secrets.js'
import {FLARE_VERSION} from '../core/version.js'
import {Analysis, removeTempDirsSync} from './analysis.js'
import {checkToken} from './auth.js'
import type {DemoSource} from './demo-events.js'
import {HttpError, statusOfFlareError} from './errors.js'
import {ServerMetrics} from './metrics.js'
import {RouteMethods} from './methods.js'
import {ServeTracking} from './tracking.js'
import {DetectPool} from './pool.js'
import {analysisRoutes} from './routes/analysis.js'
import {demoRoutes} from './routes/demo.js'
import {statusRoutes} from './routes/status.js'

export interface ServerOptions {
  /** Bearer token every API route requires (compared in constant time); none: open. */
  token?: string
  /** The one origin allowed cross-origin requests; none: CORS off. */
  cors?: string
  /** A saved model folder (a registered model already fetched) to score with instead of fitting. */
  modelPath?: string
  /** What the user asked for (`models:/flare-detector@champion`, a folder), for /health. */
  modelSource?: string
  modelDetector?: string
  /** The incident memory's file; undefined: no memory. */
  dbPath?: string
  maxBodyBytes?: number
  /** Analyses allowed to wait for a worker. */
  queue?: number
  workers?: number
  /** Longest an analysis may run. */
  timeoutMs?: number
  provider?: ExplainProvider
  /** SSE heartbeat period of /demo/stream. */
  heartbeatMs?: number
  demo?: DemoSource
  env?: NodeJS.ProcessEnv
  /** Log each analysis to MLflow when MLFLOW_TRACKING_URI is set (default true). */
  track?: boolean
  /** MLflow experiment [default: $MLFLOW_EXPERIMENT_NAME or flare-detection]. */
  experiment?: string
  /** Longest a response waits for its MLflow run to be logged (default 2000 ms). */
  trackWaitMs?: number
  /** How long `close` lets requests in progress finish before it cuts their connections (default 10 s). */
  shutdownGraceMs?: number
}

export interface FlareServer {
  app: FastifyInstance
  /** Stops listening, lets requests in progress finish for the grace period, then cuts them; removes every temp file. */
  close: () => Promise<void>
  /** Removes the temp files of requests in progress at once (synchronous): before a process quits without `close`. */
  removeTempFiles: () => void
}

/**
 * The dashboard's files: the source folder in a checkout (so a tsc-only rebuild never serves stale
 * copies), else the copy `npm run build` puts next to the compiled server (an installed package).
 */
const PUBLIC_DIR = [new URL('../../src/server/public/', import.meta.url), new URL('./public/', import.meta.url)].map((url) => fileURLToPath(url)).find((dir) => existsSync(join(dir, 'index.html')))!
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The whole server, ready but not listening: tests call `app.inject` or `app.listen` themselves. */
export async function buildServer(options: ServerOptions = {}): Promise<FlareServer> {
  const env = options.env ?? process.env
  const maxBody = options.maxBodyBytes ?? 50 * 1024 * 1024
  const timeoutMs = options.timeoutMs ?? 120_000
  const history = options.dbPath ? HistoryStore.open(options.dbPath) : undefined
  const provider = options.provider ?? resolveProvider({}, env).provider
  const metrics = new ServerMetrics()
  const pool = new DetectPool({size: options.workers ?? 2, queueLimit: options.queue ?? 8, timeoutMs})
  const tracking = options.track === false ? undefined : ServeTracking.fromEnv({experiment: options.experiment, waitMs: options.trackWaitMs ?? 2000, env})
  const analysis = new Analysis({pool, history, provider, metrics, modelPath: options.modelPath, tracking})

  const app = Fastify({bodyLimit: maxBody, requestTimeout: timeoutMs + 5000, logger: false, trustProxy: false}).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  app.setErrorHandler((error, _request, reply) => {
    const secrets = configuredSecrets(env)
    const send = (status: number, message: string, hint?: string) =>
      reply.code(status).type('application/json').send({error: scrubText(message, secrets), ...(hint ? {hint: scrubText(hint, secrets)} : {}), statusCode: status})
    if (error instanceof HttpError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v)
      return send(error.statusCode, error.message, error.hint)
    }
    if (isFlareError(error)) return send(statusOfFlareError(error), error.message, error.hint)
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body'}: ${v.message}`)
      return send(400, `invalid request: ${issues.join('; ')}`)
    }
    const status = (error as {statusCode?: number}).statusCode
    if (status && status >= 400 && status < 500) return send(status, (error as Error).message)
    // Never a stack trace to the client; the operator sees it on stderr.
    process.stderr.write(`flare serve: internal error: ${(error as Error).stack ?? String(error)}\n`)
    return send(500, 'internal error', 'this is a bug in Flare; the server log has the details')
  })
  const routeMethods = new RouteMethods()
  app.addHook('onRoute', (route) => routeMethods.add(route.url, route.method))
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const allowed = routeMethods.allowed(path)
    // A route that takes this method and found nothing (a missing dashboard file) is a 404, not a 405.
    if (allowed.length > 0 && !allowed.includes(request.method)) return reply.code(405).header('allow', allowed.join(', ')).send({error: `${request.method} is not allowed on ${path}`, hint: `it answers ${allowed.join(', ')}`, statusCode: 405})
    return reply.code(404).send({error: `no route ${request.method} ${path}`, statusCode: 404})
  })

  app.addHook('onRequest', async (request, reply) => {
    ;(request as {startedAt?: bigint}).startedAt = process.hrtime.bigint()
    if (options.cors) {
      reply.header('access-control-allow-origin', options.cors)
      reply.header('vary', 'Origin')
      if (request.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS')
        reply.header('access-control-allow-headers', 'authorization, content-type')
        reply.header('access-control-max-age', '600')
        return reply.code(204).send()
      }
    }
    if (options.token) checkToken(request, options.token)
  })
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    if (!request.url.startsWith('/docs')) reply.header('content-security-policy', CSP)
    return payload
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const started = (request as {startedAt?: bigint}).startedAt
    metrics.requests.inc({method: request.method, route, status: String(reply.statusCode)})
    if (started) metrics.latency.observe({method: request.method, route}, Number(process.hrtime.bigint() - started) / 1e9)
  })

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {title: 'Flare', description: 'Log anomaly detection: detect, explain and remember incidents', version: FLARE_VERSION},
      components: options.token ? {securitySchemes: {bearer: {type: 'http', scheme: 'bearer'}}} : {},
      security: options.token ? [{bearer: []}] : [],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(fastifySwaggerUi, {routePrefix: '/docs', staticCSP: true})
  await app.register(fastifyMultipart, {limits: {fileSize: maxBody, files: 1, fields: 10, fieldSize: 1024}})
  await app.register(fastifyStatic, {root: PUBLIC_DIR, prefix: '/dashboard/', index: 'index.html', redirect: true})

  app.get('/', {schema: {hide: true}}, (_request, reply) => reply.redirect('/dashboard/'))
  app.get('/dashboard', {schema: {hide: true}}, (_request, reply) => reply.redirect('/dashboard/'))
  app.get('/openapi.json', {schema: {hide: true}}, () => app.swagger())

  await app.register(analysisRoutes, {analysis, maxBody})
  await app.register(statusRoutes, {analysis, history, metrics, pool, provider, options, env, tracking})
  await app.register(demoRoutes, {heartbeatMs: options.heartbeatMs ?? 15_000, demo: options.demo, analysis})
  await app.ready()

  const graceMs = options.shutdownGraceMs ?? 10_000
  return {
    app,
    close: async () => {
      // A client that stalls mid-upload (or an open live stream) would hold the close forever.
      const cut = setTimeout(() => app.server.closeAllConnections(), graceMs)
      try {
        await app.close()
      } finally {
        clearTimeout(cut)
      }
      await tracking?.drain()
      await pool.close()
      history?.close()
      // A handler whose connection was cut may not have reached its own clean-up yet.
      removeTempDirsSync()
    },
    removeTempFiles: removeTempDirsSync,
  }
}
