import type {Multipart, MultipartFile} from '@fastify/multipart'
import type {FastifyRequest} from 'fastify'
import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {createWriteStream} from 'node:fs'
import {basename, join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import * as z from '../../core/zod.js'
import {Results} from '../../core/results.js'
import {SummariesDocument} from '../../core/explain/schema.js'
import {TEMP_FILE_NAMES, withTempDir, type Analysis} from '../analysis.js'
import {HttpError} from '../errors.js'
import {inflatesWithin} from '../inflated-size.js'
import {AnalyzeRequest, AnalyzeResponse, DetectOptions, DetectRequest, DetectResponse, ErrorBody, SummarizeRequest, UploadResponse} from '../schemas.js'

const errors = {400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 503: ErrorBody, 504: ErrorBody}

/** Multipart form fields and query strings carry text: numbers and booleans arrive as strings. */
const UploadQuery = z.object({
  format: DetectOptions.shape.format,
  session_key: DetectOptions.shape.session_key,
  detector: DetectOptions.shape.detector,
  contamination: z.coerce.number().gt(0).lte(0.5).optional(),
  use_registry: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  summarize: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('also explain every incident (as /analyze) and store the summaries with the run'),
  run_eval: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('with summarize: grade the summaries'),
})

/**
 * How to upload a log to this server, as the client reached it (its address and port, not the
 * default's): the request's Host when it is a host[:port] and nothing else (it is the client's
 * text, put in a command to copy), else the address the server listens on.
 */
function uploadCommand(request: FastifyRequest): string {
  const host = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(request.host) ? request.host : serverAddress(request)
  return `curl -F file=@app.log ${request.protocol}://${host}/detect/upload`
}

function serverAddress(request: FastifyRequest): string {
  const address = request.server.server.address()
  if (address === null || typeof address === 'string') return '127.0.0.1:8000'
  return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
}

/** One log per upload: a form with more (the plugin's files limit is 1) is answered with this. */
const tooManyFiles = (request: FastifyRequest) => new HttpError(400, 'one file per request: this upload has more than one file', {hint: `send each log in a request of its own (${uploadCommand(request)})`})

/** The form's next part; the multipart errors a client causes are 400s that say what was wrong. */
async function nextPart(request: FastifyRequest, parts: AsyncIterator<Multipart>): Promise<IteratorResult<Multipart>> {
  try {
    return await parts.next()
  } catch (error) {
    const failure = error as Error & {statusCode?: number; code?: string}
    if (failure.code === 'FST_FILES_LIMIT') throw tooManyFiles(request)
    if (failure.statusCode) throw error
    // A malformed multipart header (no boundary) is the client's mistake, not a server error.
    throw new HttpError(400, `malformed multipart body: ${failure.message}`, {hint: 'send multipart/form-data with a boundary, as curl -F file=@app.log does'})
  }
}

export const analysisRoutes: FastifyPluginAsyncZod<{analysis: Analysis; maxBody: number}> = async (app, {analysis, maxBody}) => {
  app.post('/detect', {
    schema: {description: 'Detect anomalous sessions and incidents in a log sent as text', body: DetectRequest, response: {200: DetectResponse, ...errors}},
  }, async (request) => {
    const detected = await analysis.detectText(request.body.log_text, request.body)
    const body = analysis.remember(detected.results, 'serve')
    return {...body, mlflow: await analysis.track('/detect', detected, body.run_id)}
  })

  app.post('/detect/upload', {
    schema: {
      description: 'The same for a log file sent as multipart/form-data (field `file`, .gz accepted; one file per request: a form with a second file is refused with 400); options in the query string',
      querystring: UploadQuery,
      consumes: ['multipart/form-data'],
      response: {200: UploadResponse, ...errors},
    },
  }, async (request) => {
    if (!request.isMultipart()) throw new HttpError(400, 'expected a multipart/form-data body with a file field', {hint: uploadCommand(request)})
    const parts = request.parts()[Symbol.asyncIterator]()
    let file: MultipartFile | undefined
    while (!file) {
      const next = await nextPart(request, parts)
      if (next.done) throw new HttpError(400, 'the form has no file', {hint: 'send the log in a field named file'})
      if (next.value.type === 'file') file = next.value
    }
    const name = basename(file.filename || 'upload.log')
    return withTempDir(async (dir) => {
      // The reader detects gzip by its magic bytes; the name keeps .gz for the humans reading results.
      const path = join(dir, name.endsWith('.gz') ? TEMP_FILE_NAMES[0] : TEMP_FILE_NAMES[1])
      await pipeline(file.file, createWriteStream(path)).catch((error: Error) => {
        // A body cut short (a client gone mid-upload, a truncated multipart) is the client's, not a bug.
        throw new HttpError(400, `the upload ended early: ${error.message}`, {hint: 'send the whole file, as curl -F file=@app.log does'})
      })
      if (file.file.truncated) throw new HttpError(413, `the file is larger than the server's limit of ${maxBody} bytes`, {hint: 'start flare serve with a larger --max-body'})
      // The rest of the form, before any work: a second file is refused, never silently left out.
      for (let next = await nextPart(request, parts); !next.done; next = await nextPart(request, parts)) {
        if (next.value.type === 'file') throw tooManyFiles(request)
      }
      if (!(await inflatesWithin(path, maxBody))) throw new HttpError(413, `the file decompresses to more than the server's limit of ${maxBody} bytes`, {hint: 'start flare serve with a larger --max-body (it caps the log after decompression too), or send less of the log'})
      const warnings: string[] = []
      const outcome = await analysis.detectFile(analysis.jobFor(path, name, request.query, warnings))
      const detected = {...outcome, results: {...outcome.results, warnings}}
      // Summaries made here are stored with the run, so reopening it from the history shows them too.
      const summaries = request.query.summarize ? await analysis.summarize(detected.results, {runEval: request.query.run_eval}) : undefined
      const body = analysis.remember(detected.results, 'serve-upload', summaries)
      return {...body, ...(summaries ? {summaries} : {}), mlflow: await analysis.track('/detect/upload', detected, body.run_id, summaries)}
    }, `the uploaded file ${JSON.stringify(name)}`)
  })

  app.post('/summarize', {
    schema: {description: 'Explain incidents in plain English (provider as the server is configured: offline without an API key)', body: SummarizeRequest, response: {200: SummariesDocument, ...errors}},
  }, async (request) => {
    const body = request.body
    const results = body.results ?? (body.incidents ? bareResults(body.incidents, body.format) : undefined)
    if (!results) throw new HttpError(400, 'nothing to summarize: send {"results": …} (a results document) or {"incidents": […]}')
    return analysis.summarize(results, {runEval: body.run_eval, incidentIds: body.incident_ids})
  })

  app.post('/analyze', {
    schema: {description: 'Detect, then explain every incident (and grade the explanations with run_eval)', body: AnalyzeRequest, response: {200: AnalyzeResponse, ...errors}},
  }, async (request) => {
    const detected = await analysis.detectText(request.body.log_text, request.body)
    const summaries = await analysis.summarize(detected.results, {runEval: request.body.run_eval})
    const body = analysis.remember(detected.results, 'serve', summaries)
    return {...body, summaries, mlflow: await analysis.track('/analyze', detected, body.run_id, summaries)}
  })
}

function bareResults(incidents: Results['incidents'], format = 'generic'): Results {
  return Results.parse({
    version: 1,
    summary: {input: '<request>', lines: 0, parsed: 0, skipped: 0, sessions: 0, anomalies: 0, incidents: incidents.length, templates: 0, format, session_key: 'unknown', detector: 'unknown', threshold: 0, elapsed_ms: 0},
    incidents,
    anomalies: [],
  })
}
