import {ExitCode, FlareError} from '../core/errors.js'

/** An error with the HTTP status it answers with; the body is `{error, hint?}` like the CLI's two lines. */
export class HttpError extends Error {
  readonly statusCode: number
  readonly hint?: string
  readonly headers: Record<string, string>

  constructor(statusCode: number, message: string, options: {hint?: string; headers?: Record<string, string>} = {}) {
    super(message)
    this.name = 'HttpError'
    this.statusCode = statusCode
    this.hint = options.hint
    this.headers = options.headers ?? {}
  }
}

/** The status a FlareError answers with: the user's input → 400, a failing dependency → 502. */
export function statusOfFlareError(error: FlareError): number {
  return error.exitCode === ExitCode.dependency ? 502 : error.exitCode === ExitCode.failure ? 500 : 400
}

/** What crosses a worker boundary: structured clone keeps no class, so a FlareError travels as fields. */
export interface WireError {
  name: string
  message: string
  hint?: string
  exitCode?: number
}

export function toWire(error: unknown): WireError {
  if (error instanceof FlareError) return {name: 'FlareError', message: error.message, hint: error.hint, exitCode: error.exitCode}
  return {name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error)}
}

export function fromWire(wire: WireError): Error {
  if (wire.name === 'FlareError') return new FlareError(wire.message, {hint: wire.hint, exitCode: wire.exitCode})
  const error = new Error(wire.message)
  error.name = wire.name
  return error
}
