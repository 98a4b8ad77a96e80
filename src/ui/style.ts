import chalk, {Chalk} from 'chalk'

/**
 * Colour only when the stream is a terminal and NO_COLOR is unset (https://no-color.org).
 * FORCE_COLOR still wins, which is how tests check coloured output.
 */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  return Boolean(stream.isTTY)
}

export const out = new Chalk({level: colorEnabled(process.stdout) ? (chalk.level || 1) : 0})
export const err = new Chalk({level: colorEnabled(process.stderr) ? (chalk.level || 1) : 0})

export const severityColor: Record<string, (s: string) => string> = {
  low: (s) => out.cyan(s),
  medium: (s) => out.yellow(s),
  high: (s) => out.red(s),
  critical: (s) => out.bgRed.white.bold(s),
}
