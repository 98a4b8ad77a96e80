import {constants} from 'node:os'

/**
 * The one error type users see. `message` is what went wrong in plain words, `hint` what to do next.
 * Commands print these without a stack trace; set DEBUG=flare* to see one.
 */
export class FlareError extends Error {
  readonly exitCode: number
  readonly hint?: string

  constructor(message: string, options: {exitCode?: number; hint?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'FlareError'
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }
}

/** Exit codes, so scripts can tell bad input from a failing dependency. */
export const ExitCode = {
  failure: 1,
  usage: 2,
  badInput: 3,
  dependency: 4,
} as const

/** The conventional exit status of a run stopped by `signal`: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0)
}

export function isFlareError(error: unknown): error is FlareError {
  return error instanceof FlareError
}
