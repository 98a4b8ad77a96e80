import Table from 'cli-table3'
import stringWidth from 'string-width'
import {stackRows} from './stacked.js'
import {colorEnabled, out} from './style.js'

type Align = 'left' | 'right' | 'center'
type Cell = string | number

export interface TableOptions {
  colAligns?: Align[]
  /** Columns whose text may wrap onto several lines when the table is too wide, most willing first. */
  wrap?: number[]
  /** Columns that may be left out when wrapping is not enough, least useful first. */
  drop?: number[]
  /** Width to fit; defaults to the terminal's (see terminalWidth). */
  width?: number
}

/**
 * The width tables must fit: the terminal's columns when stdout is one, else `COLUMNS` when set
 * (how a pager or a test states its width), else none — piped output keeps every cell whole.
 */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns
  const fromEnv = Number(process.env.COLUMNS)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined
}

/** Widest line of a cell as the terminal shows it (colour codes and wide characters counted right). */
function cellWidth(cell: Cell): number {
  let widest = 0
  for (const line of String(cell).split('\n')) widest = Math.max(widest, stringWidth(line))
  return widest
}

function longestWord(cell: Cell): number {
  let widest = 0
  for (const word of String(cell).split(/\s+/)) widest = Math.max(widest, stringWidth(word))
  return widest
}

const PADDING = 2
/** Below this a wrapped text column stops being readable, so columns are dropped first. */
const READABLE = 20
const NARROWEST = 6
/** Terminals narrower than this get stacked rows rather than a table that drops or cuts (see toString). */
const STACK_BELOW = 80

/**
 * A table with Flare's look that never comes out wider than the terminal. When the natural layout
 * is too wide it first lets long headers wrap, then wraps the text columns named in `wrap`, then
 * leaves out the columns named in `drop` (saying which), and only then narrows everything, which
 * cli-table3 shows with an ellipsis. In a terminal under 80 columns, a table that would have to
 * leave out a column or cut a cell is stacked instead: one "header: value" block per row.
 */
export class FitTable {
  readonly rows: Cell[][] = []

  constructor(private readonly head: string[], private readonly options: TableOptions = {}) {}

  push(...rows: Cell[][]): number {
    return this.rows.push(...rows)
  }

  get length(): number {
    return this.rows.length
  }

  /** Width the table takes with every cell whole. */
  naturalWidth(): number {
    return this.frame(this.columns().map((c) => this.natural(c)))
  }

  /** Column indices; a headless table (key/value lists) takes its count from the rows. */
  private columns(): number[] {
    const count = Math.max(this.head.length, ...this.rows.map((row) => row.length))
    return Array.from({length: count}, (_, c) => c)
  }

  toString(): string {
    const limit = this.options.width ?? terminalWidth()
    if (limit === undefined || this.naturalWidth() <= limit) return this.render(this.columns(), undefined)
    const {kept, widths, dropped} = this.fit(limit)
    // Below 80 columns a table that would lose a column or cut a cell is stacked instead.
    if (limit < STACK_BELOW && (dropped.length > 0 || kept.some((c) => !this.readable(c, widths[c]!)))) return this.stacked(limit)
    const table = this.render(kept, widths)
    if (dropped.length === 0) return table
    const note = `(left out to fit: ${dropped.join(', ')}; --json has all)`
    return `${table}\n${out.dim(note.length <= limit ? note : `(${dropped.length} column${dropped.length > 1 ? 's' : ''} left out)`)}`
  }

  /** One block of "header: value" lines per row, wrapped to `width` (see stackRows). */
  private stacked(width: number): string {
    return stackRows(this.head, this.rows, width, {label: (s) => out.cyan(s), rule: (s) => out.gray(s)})
  }

  /**
   * The columns kept and their widths for a table too wide for `limit`: long headers wrap first,
   * then the text columns named in `wrap`, then the columns named in `drop` are left out, and
   * only then is everything narrowed, which cli-table3 shows with an ellipsis.
   */
  private fit(limit: number): {kept: number[]; widths: number[]; dropped: string[]} {
    const columns = this.columns()
    const natural = columns.map((c) => this.natural(c))
    const widths = natural.slice()
    const kept = new Set(columns)
    const over = () => this.frame([...kept].map((c) => widths[c]!)) - limit
    const wrapped = (this.options.wrap ?? []).filter((c) => c < columns.length)
    // Headers wrap at their spaces first: "checks passed" over two lines costs nothing to read.
    for (const c of columns) if (over() > 0) widths[c] = Math.max(this.contentWidth(c), longestWord(this.head[c] ?? '') + PADDING, widths[c]! - over())
    const shrinkWrapped = (floor: number) => {
      for (const c of wrapped) if (kept.has(c) && over() > 0) widths[c] = Math.max(Math.min(widths[c]!, floor + PADDING), widths[c]! - over())
    }
    shrinkWrapped(READABLE)
    const dropped: string[] = []
    for (const c of this.options.drop ?? []) {
      if (over() <= 0 || kept.size <= 1) break
      if (kept.delete(c)) dropped.push(this.head[c] ?? String(c))
    }
    shrinkWrapped(NARROWEST)
    // Last resort: narrow the widest column a step at a time; cli-table3 ends cut cells with "…".
    while (over() > 0) {
      const widest = [...kept].reduce((a, b) => (widths[b]! > widths[a]! ? b : a))
      if (widths[widest]! <= NARROWEST) break
      widths[widest] = widths[widest]! - 1
    }
    // Room freed by a dropped column goes back to the wrapped text, the most wanted first.
    for (const c of [...wrapped].reverse()) {
      if (!kept.has(c) || over() >= 0) continue
      widths[c] = Math.min(natural[c]!, widths[c]! - over())
    }
    return {kept: [...kept].sort((a, b) => a - b), widths, dropped}
  }

  /**
   * Whether column `c` at `width` shows every cell and its header whole: each cell's lines fit, or
   * (a column named in `wrap`) at least READABLE wide with every word fitting; header words fit.
   */
  private readable(c: number, width: number): boolean {
    if (longestWord(this.head[c] ?? '') + PADDING > width) return false
    if (this.contentWidth(c) <= width) return true
    if (!(this.options.wrap ?? []).includes(c) || width < READABLE + PADDING) return false
    return this.rows.every((row) => longestWord(row[c] ?? '') + PADDING <= width)
  }

  private natural(c: number): number {
    return Math.max(cellWidth(this.head[c] ?? ''), this.contentWidth(c) - PADDING) + PADDING
  }

  private contentWidth(c: number): number {
    let widest = 0
    for (const row of this.rows) widest = Math.max(widest, cellWidth(row[c] ?? ''))
    return widest + PADDING
  }

  private frame(widths: number[]): number {
    return widths.reduce((a, b) => a + b, 0) + widths.length + 1
  }

  private render(columns: number[], widths: number[] | undefined): string {
    const pick = <T>(list: T[] | undefined) => (list ? columns.map((c) => list[c]!) : undefined)
    const table = new Table({
      head: this.head.length > 0 ? pick(this.head) : [],
      ...(this.options.colAligns ? {colAligns: pick(this.options.colAligns)} : {}),
      ...(widths ? {colWidths: pick(widths), wordWrap: true, wrapOnWordBoundary: true} : {}),
      style: {head: colorEnabled() ? ['cyan'] : [], border: colorEnabled() ? ['grey'] : [], compact: false},
    }) as Table.Table
    for (const row of this.rows) table.push(columns.map((c) => row[c] ?? ''))
    return table.toString()
  }
}

/** A table with Flare's look that fits the terminal (see FitTable). */
export function table(head: string[], options: TableOptions = {}): FitTable {
  return new FitTable(head, options)
}

/**
 * Parts of a heading joined with " · ", broken onto further lines (indented) where the terminal is
 * too narrow for one, never in the middle of a part.
 */
export function fitLine(parts: string[], width = terminalWidth()): string {
  const separator = ` ${out.dim('·')} `
  if (width === undefined) return parts.join(separator)
  const lines: string[] = []
  let line = ''
  for (const part of parts) {
    const next = line === '' ? part : `${line}${separator}${part}`
    if (line !== '' && stringWidth(next) > width) {
      lines.push(line)
      line = `  ${part}`
    } else {
      line = next
    }
  }
  lines.push(line)
  return lines.join('\n')
}

/**
 * A line longer than `width` broken at spaces, continuation lines indented by two; a word longer
 * than the width (a URL) stays whole. Lines that fit are returned as they are.
 */
export function softWrap(line: string, width: number): string {
  if (stringWidth(line) <= width) return line
  const lead = /^\s*/.exec(line)![0]
  const words = line.slice(lead.length).split(' ')
  const lines: string[] = []
  let current = lead
  for (const word of words) {
    const candidate = current.trim() === '' ? current + word : `${current} ${word}`
    if (stringWidth(candidate) > width && current.trim() !== '') {
      lines.push(current)
      current = `${lead}  ${word}`
    } else {
      current = candidate
    }
  }
  lines.push(current)
  return lines.join('\n')
}
