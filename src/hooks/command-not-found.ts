import type {Hook} from '@oclif/core'
import {distance} from 'fastest-levenshtein'
import {shellWord} from '../ui/format.js'
import {err} from '../ui/style.js'

/** Suggestions further than this many edits from what was typed are noise, not help. */
const MAX_EDITS = 3

/** The closest known command ids to `typed` (space-separated form), best first. */
export function suggestCommands(typed: string, ids: string[]): string[] {
  const scored = ids.map((id) => ({id, edits: distance(typed, id)})).filter((s) => s.edits <= Math.min(MAX_EDITS, Math.max(1, Math.floor(typed.length / 2))))
  // a typed prefix of exactly one command ("det") is as good as a typo
  for (const id of ids) if (typed.length >= 2 && id.startsWith(typed) && !scored.some((s) => s.id === id)) scored.push({id, edits: MAX_EDITS})
  return scored.sort((a, b) => a.edits - b.edits || a.id.localeCompare(b.id)).map((s) => s.id)
}

/**
 * The command `typed` starts with, and what follows it (`detect app.log`: a command that takes no
 * arguments, so oclif read the file as a subcommand); the longest command id wins.
 */
export function commandWithArgument(typed: string, ids: string[]): {id: string; rest: string} | undefined {
  const id = ids.filter((c) => typed.startsWith(`${c} `)).sort((a, b) => b.length - a.length)[0]
  return id === undefined ? undefined : {id, rest: typed.slice(id.length + 1)}
}

/**
 * `args` (what followed the command's words) split into its positional arguments and the rest
 * (flags, each with its value when `flags` says it takes one; all after `--` is positional).
 */
export function splitArguments(args: readonly string[], flags: Record<string, {char?: string; type: string}>): {positional: string[]; others: string[]} {
  const takesValue = new Set<string>()
  for (const [name, f] of Object.entries(flags)) {
    if (f.type !== 'option') continue
    takesValue.add(`--${name}`)
    if (f.char) takesValue.add(`-${f.char}`)
  }
  const positional: string[] = []
  const others: string[] = []
  for (let k = 0; k < args.length; k++) {
    const a = args[k]
    if (a === '--') {
      positional.push(...args.slice(k + 1))
      break
    }
    if (a.startsWith('-') && a.length > 1) {
      others.push(a)
      if (takesValue.has(a) && k + 1 < args.length) others.push(args[++k])
    } else positional.push(a)
  }
  return {positional, others}
}

/** A usage error (exit 2) as the JSON document a command's --json gives for one (FlareCommand). */
function writeJsonError(message: string, hint: string): void {
  process.stdout.write(JSON.stringify({error: {message, hint, exit_code: 2}}, null, 2) + '\n')
}

/** `flare detct`: say what was meant instead of a bare "not a command" (exit 2, a usage error). */
const hook: Hook.CommandNotFound = async function (options) {
  const separator = options.config.topicSeparator ?? ' '
  const typed = options.id.replaceAll(':', separator)
  const ids = options.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]).map((id) => id.replaceAll(':', separator))
  // `flare detect app.log`: the log goes in -i
  const given = commandWithArgument(typed, ids)
  if (given) {
    const command = options.config.findCommand(given.id.replaceAll(separator, ':'))
    const flags = command?.flags ?? {}
    // (with --json, stdout is one JSON document, errors included, as each command's own errors are)
    const json = command?.enableJsonFlag === true && [given.rest, ...process.argv.slice(2)].includes('--json')
    if (flags.input?.char === 'i') {
      // (the words as typed: oclif's id and argv have lost colons in a file name, and flags after the second word)
      const words = given.id.split(' ').length
      const asTyped = process.argv.slice(2, 2 + words).join(' ') === given.id
      const typedArgs = asTyped ? process.argv.slice(2 + words) : [given.rest, ...(options.argv ?? [])]
      const {positional, others} = splitArguments(typedArgs, flags)
      const [first = given.rest, ...more] = positional
      const again = [options.config.bin, given.id, ...['-i', first, ...others].map(shellWord)].join(' ')
      const extra = more.length > 0 ? ` (one input: ${positional.length} were given)` : ''
      const message = `${options.config.bin} ${given.id} reads its input from -i, not from an argument${extra}`
      process.stderr.write(`${err.red('Error:')} ${message}.\n`)
      process.stderr.write(`${err.dim(`→ ${again}`)}\n`)
      if (json) writeJsonError(message, again)
    } else {
      process.stderr.write(`${err.red('Error:')} Unexpected argument: ${given.rest}\n`)
      process.stderr.write(`${err.dim(`→ see ${options.config.bin} ${given.id} --help`)}\n`)
      if (json) writeJsonError(`Unexpected argument: ${given.rest}`, `see ${options.config.bin} ${given.id} --help`)
    }
    process.exit(2)
  }
  const [best, ...others] = suggestCommands(typed, ids)
  process.stderr.write(`${err.red('Error:')} "${typed}" is not a ${options.config.bin} command.\n`)
  if (best) process.stderr.write(`${err.dim(`→ did you mean: ${options.config.bin} ${best}${others.length > 0 ? ` (or ${others.slice(0, 2).join(', ')})` : ''}?`)}\n`)
  else process.stderr.write(`${err.dim(`→ run ${options.config.bin} --help for the list of commands`)}\n`)
  process.exit(2)
}

export default hook
