import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../core/errors.js'
import {defaultHistoryPath} from '../core/history/index.js'
import {DEFAULT_DETECT_EXPERIMENT, trackingConfigFromEnv} from '../tracking/config.js'
import {FlareCommand} from '../ui/flare-command.js'
import {err, out} from '../ui/style.js'

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i

function parseSize(text: string): number {
  const match = SIZE.exec(text.trim())
  if (!match) throw new FlareError(`--max-body must be a size like 50mb, 512kb or 1g, got "${text}"`, {exitCode: ExitCode.usage})
  const unit = (match[2] ?? 'b').toLowerCase()[0]
  const bytes = Math.round(Number(match[1]) * (unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1))
  if (bytes < 1) throw new FlareError(`--max-body must be more than 0 bytes, got "${text}"`, {exitCode: ExitCode.usage, hint: 'the default is 50mb'})
  return bytes
}

/** --cors takes one origin (scheme://host[:port]), as the browser sends it: not '*', not a path. */
function checkOrigin(text: string): void {
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== text.replace(/\/$/, '')) {
    throw new FlareError(`--cors takes one origin like https://ops.example.com, got "${text}"`, {exitCode: ExitCode.usage, hint: 'give the scheme, host and port the dashboard is served from, with no path; a wildcard is refused on purpose'})
  }
}

export default class Serve extends FlareCommand {
  static override description = 'Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) and the dashboard (/dashboard), with an incident memory'
  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 8080 --token s3cret',
    '<%= config.bin %> serve --model models:/flare-detector@champion --db ./incidents.db',
  ]
  static override flags = {
    port: Flags.integer({char: 'p', description: 'port to listen on (0: any free port)', default: 8000, min: 0, max: 65535}),
    host: Flags.string({description: 'address to bind; anything but loopback exposes the API to the network', default: '127.0.0.1'}),
    token: Flags.string({description: 'require Authorization: Bearer <token> on the API [default: $FLARE_API_TOKEN]'}),
    cors: Flags.string({description: 'allow cross-origin requests from this one origin (e.g. https://ops.example.com); off by default'}),
    model: Flags.string({description: 'score with a saved model folder or a registered one (models:/flare-detector@champion) instead of fitting per request'}),
    db: Flags.string({description: `incident memory (SQLite) [default: ${defaultHistoryPath()}]`}),
    'no-history': Flags.boolean({description: 'keep no incident memory'}),
    'max-body': Flags.string({description: 'largest request body or upload', default: '50mb'}),
    queue: Flags.integer({description: 'analyses that may wait for a worker; beyond that the API answers 503 with Retry-After', default: 8, min: 0, max: 1000}),
    workers: Flags.integer({description: 'worker threads for detection', default: 2, min: 1, max: 32}),
    timeout: Flags.integer({description: 'seconds one analysis may take', default: 120, min: 1}),
    track: Flags.boolean({description: 'log each analysis as an MLflow run when MLFLOW_TRACKING_URI is set; --no-track turns that off', default: true, allowNo: true}),
    experiment: Flags.string({description: `MLflow experiment for the runs [default: $MLFLOW_EXPERIMENT_NAME or ${DEFAULT_DETECT_EXPERIMENT}]`}),
    grace: Flags.integer({description: 'seconds a stop (Ctrl-C, SIGTERM) lets requests in progress finish before cutting them', default: 10, min: 0, max: 3600}),
    'track-wait': Flags.integer({description: 'milliseconds a response waits for its MLflow run to be logged; logging goes on in the background after that', default: 2000, min: 0, max: 60_000}),
  }

  async run(): Promise<void> {
    const {flags, metadata} = await this.parse(Serve)
    const track = this.trackingWanted(flags.track, !metadata.flags.track?.setFromDefault)
    const token = flags.token ?? process.env.FLARE_API_TOKEN
    if (token !== undefined && token.length < 8) throw new FlareError('the API token must be at least 8 characters', {exitCode: ExitCode.usage, hint: 'make one with: openssl rand -hex 24 (then --token or FLARE_API_TOKEN)'})
    if (flags.cors !== undefined) checkOrigin(flags.cors)
    let modelPath: string | undefined
    let modelDetector: string | undefined
    if (flags.model) {
      const {resolveModelOption} = await import('../tracking/env-client.js')
      const {loadBundle} = await import('../core/model-bundle.js')
      modelPath = await resolveModelOption(flags.model, (line) => process.stderr.write(`${err.dim(line)}\n`))
      // Loaded once here so a broken model stops the start, not the first request.
      modelDetector = (await loadBundle(modelPath)).manifest.detector
    }
    const {buildServer} = await import('../server/app.js')
    const server = await buildServer({
      token,
      cors: flags.cors,
      modelPath,
      modelSource: flags.model,
      modelDetector,
      dbPath: flags['no-history'] ? undefined : (flags.db ?? defaultHistoryPath()),
      maxBodyBytes: parseSize(flags['max-body']),
      queue: flags.queue,
      workers: flags.workers,
      timeoutMs: flags.timeout * 1000,
      track,
      experiment: flags.experiment,
      trackWaitMs: flags['track-wait'],
      shutdownGraceMs: flags.grace * 1000,
    })
    let address: string
    try {
      address = await server.app.listen({port: flags.port, host: flags.host})
    } catch (error) {
      await server.close()
      const code = (error as {code?: string}).code
      if (code === 'EADDRINUSE') throw new FlareError(`port ${flags.port} on ${flags.host} is already in use`, {exitCode: ExitCode.usage, hint: 'pick another with --port'})
      throw new FlareError(`cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`, {exitCode: ExitCode.usage})
    }
    if (track && process.env.MLFLOW_TRACKING_URI) this.log(out.dim(`logging each analysis to MLflow at ${trackingConfigFromEnv().trackingUri}`))
    // Fastify names one loopback address; a wildcard bind listens on every interface, so say so.
    if (flags.host === '0.0.0.0' || flags.host === '::') {
      const bound = server.app.server.address()
      const port = typeof bound === 'object' && bound ? bound.port : flags.port
      this.log(`${out.bold('Flare')} listening on ${out.cyan(`${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${port}`)} (every interface) ${out.dim('·')} locally ${address}`)
    }
    this.log(`${out.bold('Flare')} serving on ${out.cyan(address)} ${out.dim('·')} dashboard ${address}/dashboard ${out.dim('·')} docs ${address}/docs`)
    if (token) this.log(out.dim(`the dashboard asks for the API token (--token / FLARE_API_TOKEN) at its first call and keeps it for that browser tab`))
    if (!['127.0.0.1', '::1', 'localhost'].includes(flags.host) && !token) process.stderr.write(`${err.yellow('warning:')} listening on ${flags.host} without --token: anyone who can reach it can use the API\n`)
    // As `collect`: the first signal drains (exit 0), a second quits at once (130 / 143); temp files go either way.
    await new Promise<void>((resolve, reject) => {
      let stopping = false
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) {
          server.removeTempFiles()
          process.stderr.write(err.dim('quit at once: requests in progress were dropped\n'))
          process.exit(signal === 'SIGINT' ? 130 : 143)
        }
        stopping = true
        process.stderr.write(err.dim(`stopping: finishing requests in progress (at most ${flags.grace} s; ${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`))
        server.close().then(resolve, reject)
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
  }

  /**
   * As `flare detect`: tracking is on when MLFLOW_TRACKING_URI is set. A URI Flare cannot use costs
   * the tracking (one warning), not the server, unless --track was typed out.
   */
  private trackingWanted(track: boolean, typed: boolean): boolean {
    if (!track) return false
    if (!process.env.MLFLOW_TRACKING_URI) {
      if (typed) throw new FlareError('--track needs an MLflow server, and MLFLOW_TRACKING_URI is not set', {exitCode: ExitCode.usage, hint: 'export MLFLOW_TRACKING_URI=http://127.0.0.1:5000, or drop --track'})
      return false
    }
    try {
      trackingConfigFromEnv()
      return true
    } catch (error) {
      if (typed || !(error instanceof FlareError)) throw error
      process.stderr.write(`${err.yellow('warning:')} analyses will not be logged to MLflow: ${error.message}${error.hint ? `\n→ ${error.hint}` : ''}\n`)
      return false
    }
  }
}
