import stringWidth from 'string-width'

/**
 * The narrow-terminal form of a table: one block per row, one "header: value" line per cell,
 * values wrapped to the width (never cut), each block ended by a rule as wide as the terminal (no
 * rule above the first: what precedes a table is its heading, or the rule of the table before).
 *
 *   incident:     INC-001
 *   time range:   2008-11-09 20:42:47
 *                 → 21:21:10
 *   ──────────────────────────────────
 */

type Cell = string | number

export interface StackOptions {
  /** Paints a header label (the table's head colour). */
  label?: (text: string) => string
  /** Paints the rules between blocks. */
  rule?: (text: string) => string
}

/** Values start in one column when that leaves them at least this much room; else right after each label. */
const MIN_VALUE = 16
const SGR = /\u001B\[[0-9;]*m/y
const graphemes = new Intl.Segmenter()

/**
 * Rows as stacked blocks no line of which is wider than `width`. A headless table (a key/value
 * list) takes each row's first cell as its label and is one block.
 */
export function stackRows(head: string[], rows: Cell[][], width: number, options: StackOptions = {}): string {
  width = Math.max(1, width)
  const paint = options.label ?? ((s: string) => s)
  const headless = head.length === 0
  const blocks = headless ? [rows.map((row) => [String(row[0] ?? ''), row.slice(1).join(' ')] as const)] : rows.map((row) => head.map((h, c) => [h, String(row[c] ?? '')] as const))
  const labelWidth = Math.max(0, ...blocks.flat().map(([label]) => stringWidth(label)))
  const aligned = width - (labelWidth + 2) >= MIN_VALUE
  const rendered = blocks.map((fields) => fields.flatMap(([label, value]) => field(label === '' ? '' : `${label}:`, value)))
  function field(label: string, value: string): string[] {
    const shown = stringWidth(label)
    const indent = aligned ? labelWidth + 2 : Math.min(2, width - 1)
    const first = aligned ? indent : shown === 0 ? 0 : shown + 1
    const after = (line: string) => ' '.repeat(indent) + line
    // a label too long to share a line with its value gets lines of its own, the value below
    if (first >= width) return [...wrapLines(label, width).map(paint), ...wrapLines(value, width - indent).map(after)]
    const [head = '', ...rest] = wrapLines(value, width - indent, width - first)
    const lead = label === '' ? ' '.repeat(first) : `${paint(label)}${' '.repeat(first - shown)}`
    return [head === '' ? paint(label) : lead + head, ...rest.map(after)]
  }
  const rule = (options.rule ?? ((s: string) => s))('─'.repeat(width))
  return rendered.flatMap((lines) => [...lines, rule]).join('\n')
}

/**
 * `text` as lines no wider than `width` (the first no wider than `firstWidth`): broken at spaces,
 * a word longer than a line split where it must be; the lines of a multi-line cell stay apart.
 * Colour codes count for nothing, and a colour open at a break is closed and opened again.
 */
export function wrapLines(text: string, width: number, firstWidth = width): string[] {
  const lines: string[] = []
  const limit = () => Math.max(1, lines.length === 0 ? firstWidth : width)
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`
      if (stringWidth(candidate) <= limit()) {
        line = candidate
        continue
      }
      if (line !== '') lines.push(line)
      line = ''
      let rest = word
      while (stringWidth(rest) > limit()) {
        const [head, tail] = splitAt(rest, limit())
        lines.push(head)
        rest = tail
      }
      line = rest
    }
    lines.push(line)
  }
  return carryColours(lines)
}

/** The longest start of `text` no wider than `width` (at least one character), and the rest. */
function splitAt(text: string, width: number): [string, string] {
  let used = 0
  let i = 0
  while (i < text.length) {
    SGR.lastIndex = i
    const code = SGR.exec(text)
    if (code) {
      i += code[0].length
      continue
    }
    const {segment} = graphemes.segment(text.slice(i)).containing(0)!
    const w = stringWidth(segment)
    if (used + w > width && used > 0) break
    used += w
    i += segment.length
  }
  return [text.slice(0, i), text.slice(i)]
}

/** SGR parameters that end what others started (bold/dim, italic, underline, inverse, hidden, strike, colours). */
const CLOSES: Record<string, (open: string) => boolean> = {
  '22': (p) => p === '1' || p === '2',
  '23': (p) => p === '3',
  '24': (p) => p === '4',
  '27': (p) => p === '7',
  '28': (p) => p === '8',
  '29': (p) => p === '9',
  '39': (p) => /^(3[0-8]|9[0-7])(;|$)/.test(p),
  '49': (p) => /^(4[0-8]|10[0-7])(;|$)/.test(p),
}

/** Lines whose colours end with the line: what is still open is reset at its end and reopened on the next. */
function carryColours(lines: string[]): string[] {
  let open: string[] = []
  return lines.map((line) => {
    const start = open.map((p) => `\u001B[${p}m`).join('')
    for (const [, params] of line.matchAll(/\u001B\[([0-9;]*)m/g)) {
      const p = params ?? ''
      if (p === '' || p === '0') open = []
      else if (CLOSES[p]) open = open.filter((o) => !CLOSES[p]!(o))
      else open.push(p)
    }
    return `${start}${line}${open.length > 0 ? '\u001B[0m' : ''}`
  })
}
