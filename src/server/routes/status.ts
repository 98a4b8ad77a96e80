import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import * as z from '../../core/zod.js'
import type {ExplainProvider} from '../../core/explain/index.js'
import type {HistoryStore} from '../../core/history/index.js'
import {FLARE_VERSION} from '../../core/version.js'
import type {Analysis} from '../analysis.js'
import type {ServerOptions} from '../app.js'
import {hasToken} from '../auth.js'
import {HttpError} from '../errors.js'
import type {ServerMetrics} from '../metrics.js'
import type {DetectPool} from '../pool.js'
import {Reachability} from '../reachability.js'
import type {ServeTracking} from '../tracking.js'
import {ErrorBody, Health, RunDetail, RunRecord, SimilarIncident} from '../schemas.js'
import {takeLogin} from '../../core/secrets.js'

interface StatusDeps {
  analysis: Analysis
  history?: HistoryStore
  metrics: ServerMetrics
  pool: DetectPool
  provider: ExplainProvider
  options: ServerOptions
  env: NodeJS.ProcessEnv
  tracking?: ServeTracking
}

const noHistory = () => new HttpError(404, 'this server keeps no incident memory', {hint: 'start flare serve with --db PATH (it is on by default)'})

export const statusRoutes: FastifyPluginAsyncZod<StatusDeps> = async (app, {history, metrics, pool, provider, options, env, tracking}) => {
  // The resolved URI when tracking: credentials in the URL are cut out of it (fetch refuses them).
  const mlflowUri = tracking?.trackingUri ?? (env.MLFLOW_TRACKING_URI?.startsWith('http') ? env.MLFLOW_TRACKING_URI : undefined)
  const mlflow = mlflowUri ? new Reachability(`${mlflowUri.replace(/\/$/, '')}/health`) : undefined
  const llm = provider.remote ? new Reachability(llmProbeUrl(provider, env)) : undefined

  app.get('/health', {schema: {description: 'Version, LLM provider, MLflow, model and queue; answers at once (reachability is probed in the background). With serve --token, only status and version unless the request carries the token', response: {200: Health}}}, async (request) => {
    // The liveness probe needs no token; what the server is configured with (paths, provider) does.
    if (options.token && !hasToken(request, options.token)) return {status: 'ok' as const, version: FLARE_VERSION}
    return details()
  })

  const details = () => ({
    status: 'ok' as const,
    version: FLARE_VERSION,
    llm: {
      provider: provider.name,
      model: provider.model,
      remote: provider.remote,
      reachable: provider.remote ? llm!.check() : true,
      note: provider.remote ? 'reachability of the endpoint, probed at most once a minute' : 'offline explainer: no API key configured, no calls made',
    },
    mlflow: {configured: Boolean(mlflowUri), reachable: mlflow ? mlflow.check() : null, tracking: Boolean(tracking), experiment: tracking?.experiment ?? null},
    model: {loaded: Boolean(options.modelPath), source: options.modelSource ?? null, detector: options.modelDetector ?? null},
    history: {enabled: Boolean(history), path: history?.path ?? null},
    queue: {running: pool.running, waiting: pool.queued, limit: options.queue ?? 8, workers: options.workers ?? 2},
  })

  app.get('/metrics', {schema: {description: 'Prometheus metrics (text exposition format)', produces: ['text/plain']}}, async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.get('/runs', {
    schema: {description: 'Past analyses, newest first', querystring: z.object({limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().optional()}), response: {200: z.object({runs: z.array(RunRecord)}), 404: ErrorBody}},
  }, async (request) => {
    if (!history) throw noHistory()
    return {runs: history.listRuns(request.query.limit, request.query.before)}
  })

  app.get('/runs/:id', {
    schema: {description: 'One past analysis with its results and summaries', params: z.object({id: z.coerce.number().int().positive()}), response: {200: RunDetail, 404: ErrorBody}},
  }, async (request) => {
    if (!history) throw noHistory()
    const run = history.getRun(request.params.id)
    if (!run) throw new HttpError(404, `no run ${request.params.id} in the incident memory`)
    return run
  })

  app.get('/incidents/:key/similar', {
    schema: {description: 'Past incidents sharing templates with this one (key `<run>.<incident id>`, e.g. 12.INC-003), ranked by shared templates weighted by rarity, then same severity and log format, then recency', params: z.object({key: z.string().min(1)}), querystring: z.object({limit: z.coerce.number().int().min(1).max(50).default(5)}), response: {200: z.object({incident: z.string(), similar: z.array(SimilarIncident)}), 400: ErrorBody, 404: ErrorBody}},
  }, async (request) => {
    if (!history) throw noHistory()
    const similar = history.similarToKey(request.params.key, request.query.limit)
    if (!similar) throw new HttpError(404, `no incident ${request.params.key} in the incident memory`, {hint: 'keys are <run>.<incident id>, e.g. 12.INC-003 (see GET /runs/12)'})
    return {incident: request.params.key, similar}
  })
}

/** The endpoint probed for reachability, its login cut out (fetch refuses a URL that carries one; reachable is all it asks). */
function llmProbeUrl(provider: ExplainProvider, env: NodeJS.ProcessEnv): string {
  const url = provider.name === 'anthropic' ? env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com' : env.FLARE_OPENAI_BASE_URL ?? env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'
  return takeLogin(url).url
}
