import {Command} from '@oclif/core'
import {FlareError} from '../core/errors.js'
import {allowFullCollections} from '../core/io/full-collection.js'
import {writeJson} from '../core/io/json-stream.js'
import {configuredSecrets, scrubText} from '../core/secrets.js'
import {shellWord, visible} from './format.js'
import {softWrap, terminalWidth} from './table.js'
import {colorEnabled, err} from './style.js'

/**
 * Every Flare command extends this: user errors (FlareError) print as one clear message with what
 * to do next and a non-zero exit code, never a stack trace unless DEBUG=flare* is set.
 */
export abstract class FlareCommand extends Command {
  /** A command owns its process: a large read may end with a full collection (core/io/full-collection.ts). */
  protected override async init(): Promise<void> {
    allowFullCollections()
    await super.init()
  }

  /**
   * `--json` output: plain JSON.stringify. oclif's default colourises with regexes, which costs
   * seconds and gigabytes on a results document with half a million sessions.
   */
  override logJson(json: unknown): void {
    if (this.jsonPrinted) return
    process.stdout.write(scrubText(JSON.stringify(json, null, 2), configuredSecrets()) + '\n')
  }

  /** Set once `printJson` wrote the document: oclif's own `logJson` after `run()` then prints nothing. */
  private jsonPrinted = false

  /**
   * The `--json` document written to stdout in chunks as `logJson` would print it, never one string:
   * a command whose document grows with the input (detect's session rows) prints it this way and
   * returns it. A closed stdout (EPIPE) rejects, and `catch` ends the run quietly.
   */
  protected async printJson(json: unknown): Promise<void> {
    try {
      await writeJson(process.stdout, json, {secrets: configuredSecrets()})
    } catch (error) {
      this.stdoutFailed(error)
      throw error
    }
    this.jsonPrinted = true
  }

  /**
   * A write to stdout failed. A file or device as stdout is written synchronously and throws
   * (`> /dev/full`): the one handler of stdout failures (bin/run.js: EPIPE ends quietly, anything
   * else is one line and exit code 3) takes it as it takes the error a pipe emits.
   */
  protected stdoutFailed(error: unknown): void {
    if (process.stdout.listenerCount('error') > 0) process.stdout.emit('error', error)
  }

  /**
   * Text lines on stdout never carry a configured key (a reply that echoed one, a log line), nor a
   * raw control character from a log (only Flare's own colours, when colour is on).
   */
  override log(message = '', ...args: unknown[]): void {
    const text = visible(scrubText(message, configuredSecrets()), colorEnabled(process.stdout))
    // every line fits the terminal (or $COLUMNS): long status lines wrap at spaces, tables already fit
    const width = terminalWidth()
    super.log(width === undefined ? text : text.split('\n').map((line) => softWrap(line, width)).join('\n'), ...args)
  }

  /** `--json` was asked for (checked on argv too: a flag error happens before parsing ends). */
  private wantsJson(): boolean {
    try {
      return this.jsonEnabled() || ((this.constructor as typeof Command).enableJsonFlag === true && this.argv.includes('--json'))
    } catch {
      return false
    }
  }

  /**
   * With --json, stdout is always one JSON document, errors included; the one-line message still
   * goes to stderr for the person watching.
   */
  private writeJsonError(error: Error & {oclif?: {exit?: number}}): void {
    const exitCode = error instanceof FlareError ? error.exitCode : error.oclif?.exit !== undefined ? (error.oclif.exit === 0 ? 0 : 2) : 1
    if (exitCode === 0) return
    const secrets = configuredSecrets()
    const usage = error instanceof FlareError ? undefined : this.usageError(error)
    const hint = error instanceof FlareError ? error.hint : usage?.hint
    const body = {error: {message: scrubText(usage?.message ?? error.message.replace(/\u001B\[[0-9;]*m/g, ''), secrets), hint: hint ? scrubText(hint, secrets) : null, exit_code: exitCode}}
    process.stdout.write(JSON.stringify(body, null, 2) + '\n')
  }

  /**
   * An oclif usage error (exit code 2: a flag unknown, missing, or with a value it does not take)
   * as one line: the message without oclif's "The following error occurred:" and "See more help"
   * lines, and a hint naming this command's help. Undefined for anything else (an exit, an EPIPE).
   */
  private usageError(error: Error & {code?: string; oclif?: {exit?: number}}): {message: string; hint: string} | undefined {
    if (error.oclif?.exit === undefined || error.oclif.exit === 0 || error.code === 'EEXIT' || error instanceof FlareError) return undefined
    const lines = error.message
      .replace(/\u001B\[[0-9;]*m/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && line !== 'See more help with --help' && !/^The following errors? occurred:$/.test(line))
    // "Parsing --jobs" + "Expected an integer…" is one sentence; separate failures are separated
    const message = lines.reduce((text, line) => (text === '' ? line : `${text}${/:$/.test(text) ? ' ' : /^Parsing \S+$/.test(text) ? ': ' : '; '}${line}`), '')
    const command = [this.config.bin, ...(this.id ?? '').split(':')].filter(Boolean).join(' ')
    // `flare detect --json app.log`: the log given as an argument, and no -i
    const unexpected = /^Unexpected arguments?: ([^,]+)/.exec(message)
    const input = (this.constructor as {flags?: Record<string, {char?: string}>}).flags?.input
    const hasInput = process.argv.some((a) => a === '-i' || a === '--input' || a.startsWith('--input=') || /^-i./.test(a))
    if (unexpected && input?.char === 'i' && !hasInput) return {message: `${command} reads its input from -i, not from an argument`, hint: `${command} -i ${shellWord(unexpected[1].trim())} …`}
    return {message: message || error.message, hint: `see ${command} --help`}
  }

  protected override async catch(error: Error & {exitCode?: number; code?: string; oclif?: {exit?: number}}): Promise<unknown> {
    // stdout closed by the reader (`| head`): stop quietly, like any Unix filter
    if (error.code === 'EPIPE' || (error.cause as {code?: string} | undefined)?.code === 'EPIPE') this.exit(0)
    const json = this.wantsJson()
    if (json) this.writeJsonError(error)
    if (error instanceof FlareError) {
      if (process.env.DEBUG?.startsWith('flare')) process.stderr.write(`${error.stack}\n`)
      const secrets = configuredSecrets()
      process.stderr.write(`${err.red('Error:')} ${visible(scrubText(error.message, secrets))}\n`)
      if (error.hint) process.stderr.write(`${err.dim('→ ' + visible(scrubText(error.hint, secrets)))}\n`)
      process.exitCode = error.exitCode
      this.exit(error.exitCode)
    }
    // oclif's own parse errors (unknown flag, missing required flag): one line and where the help
    // is, not oclif's rendering (the whole usage after an unknown flag; its error object under --json).
    const usage = this.usageError(error)
    if (usage) {
      process.stderr.write(`${err.red('Error:')} ${visible(usage.message)}\n${err.dim(`→ ${usage.hint}`)}\n`)
      this.exit(error.oclif!.exit!)
    }
    if (error.oclif?.exit !== undefined) return super.catch(error)
    if (process.env.DEBUG?.startsWith('flare')) process.stderr.write(`${error.stack}\n`)
    process.stderr.write(`${err.red('Error:')} ${visible(scrubText(error.message, configuredSecrets()))}\n${err.dim('→ this is a bug in Flare; rerun with DEBUG=flare* for the stack and report it')}\n`)
    this.exit(1)
  }
}
