import {Command} from '@oclif/core'
import {FlareError} from '../core/errors.js'
import {configuredSecrets, scrubText} from '../core/secrets.js'
import {visible} from './format.js'
import {colorEnabled, err} from './style.js'

/**
 * Every Flare command extends this: user errors (FlareError) print as one clear message with what
 * to do next and a non-zero exit code, never a stack trace unless DEBUG=flare* is set.
 */
export abstract class FlareCommand extends Command {
  /**
   * `--json` output: plain JSON.stringify. oclif's default colourises with regexes, which costs
   * seconds and gigabytes on a results document with half a million sessions.
   */
  override logJson(json: unknown): void {
    process.stdout.write(scrubText(JSON.stringify(json, null, 2), configuredSecrets()) + '\n')
  }

  /**
   * Text lines on stdout never carry a configured key (a reply that echoed one, a log line), nor a
   * raw control character from a log (only Flare's own colours, when colour is on).
   */
  override log(message = '', ...args: unknown[]): void {
    super.log(visible(scrubText(message, configuredSecrets()), colorEnabled(process.stdout)), ...args)
  }

  protected override async catch(error: Error & {exitCode?: number; code?: string; oclif?: {exit?: number}}): Promise<unknown> {
    // stdout closed by the reader (`| head`): stop quietly, like any Unix filter
    if (error.code === 'EPIPE') this.exit(0)
    if (error instanceof FlareError) {
      if (process.env.DEBUG?.startsWith('flare')) process.stderr.write(`${error.stack}\n`)
      const secrets = configuredSecrets()
      process.stderr.write(`${err.red('Error:')} ${visible(scrubText(error.message, secrets))}\n`)
      if (error.hint) process.stderr.write(`${err.dim('→ ' + visible(scrubText(error.hint, secrets)))}\n`)
      process.exitCode = error.exitCode
      this.exit(error.exitCode)
    }
    // oclif's own parse errors (unknown flag, missing required flag) already read well.
    if (error.oclif?.exit !== undefined) return super.catch(error)
    if (process.env.DEBUG?.startsWith('flare')) process.stderr.write(`${error.stack}\n`)
    process.stderr.write(`${err.red('Error:')} ${visible(scrubText(error.message, configuredSecrets()))}\n${err.dim('→ this is a bug in Flare; rerun with DEBUG=flare* for the stack and report it')}\n`)
    this.exit(1)
  }
}
