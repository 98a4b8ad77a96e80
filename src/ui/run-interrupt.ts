import {signalExitCode} from '../core/errors.js'
import {maskUrl} from '../core/secrets.js'
import {err} from './style.js'

/** How long an interrupted command waits for MLflow to take its runs' end before exiting anyway. */
export const KILL_TIMEOUT_MS = 2_000

export interface RunInterruptOptions {
  /** What stops, for the line on stderr: "the sweep", "logging the detection". */
  what: string
  /** The server the runs are on (shown masked). */
  trackingUri: string
  /** First thing on a signal: stop spinners, abort the work in progress. */
  stop?: (signal: NodeJS.Signals) => void
  /** Ends the runs still open as KILLED; resolves to how many it ended, rejects if one failed. */
  killRuns: () => Promise<number>
  timeoutMs?: number
}

export interface RunInterrupt {
  /**
   * Stops listening for signals and resolves; once a signal came it never resolves instead (the
   * process is exiting), so the caller neither prints results nor closes the client under the
   * requests ending its runs.
   */
  release(): Promise<void>
}

/**
 * Ctrl-C (SIGINT) or SIGTERM while runs are open in MLflow: they are ended as KILLED, best effort
 * and bounded in time (`timeoutMs`, the server may be gone), then the process exits with the
 * signal's status (130, 143) after one line on stderr. A second signal exits at once. Temporary
 * folders go at exit (core/io/temp-files.ts). Without this the runs would show RUNNING forever.
 */
export function killRunsOnInterrupt(options: RunInterruptOptions): RunInterrupt {
  const timeoutMs = options.timeoutMs ?? KILL_TIMEOUT_MS
  let exiting = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exiting) process.exit(signalExitCode(signal))
    exiting = true
    options.stop?.(signal)
    const ended = Promise.resolve().then(options.killRuns).then(
      (count) => (count === 0 ? '' : `; ${count === 1 ? 'its run' : `its ${count} open runs`} in MLflow ended as KILLED`),
      () => `; MLflow at ${maskUrl(options.trackingUri)} did not take the end of its runs (they may show RUNNING)`,
    )
    const timedOut = new Promise<string>((resolve) => {
      setTimeout(resolve, timeoutMs, `; MLflow at ${maskUrl(options.trackingUri)} did not answer within ${timeoutMs / 1000} s (its runs may show RUNNING)`)
    })
    void Promise.race([ended, timedOut]).then((outcome) => {
      process.stderr.write(`${err.yellow(signal === 'SIGINT' ? 'Interrupted:' : 'Terminated:')} stopped ${options.what}${outcome}\n`)
      process.exit(signalExitCode(signal))
    })
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    release() {
      if (exiting) return new Promise<void>(() => {})
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
      return Promise.resolve()
    },
  }
}
