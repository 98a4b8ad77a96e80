/**
 * Whether a line that does not start a record of the file's format continues the previous record:
 * indented lines, Java frames (`at com.foo.Bar(Bar.java:12)`), `Caused by:` / `Suppressed:`,
 * `... 12 more`, exception headers (`java.lang.IllegalStateException: boom`, `ValueError: x`) and
 * Python's `Traceback (most recent call last):`.
 */
export function isContinuationLine(line: string): boolean {
  const c = line.charCodeAt(0)
  if (c === 32 || c === 9) return true
  if (line.startsWith('at ') && line.includes('(')) return true
  if (line.startsWith('Caused by:') || line.startsWith('Suppressed:') || line.startsWith('Traceback (')) return true
  if (line.startsWith('...') && line.endsWith(' more')) return true
  return exceptionHeader(line)
}

/** Formats whose writers put each event whole on one line, a stack trace inside it (see continuesRecord). */
const ONE_LINE_FORMATS: ReadonlySet<string> = new Set(['jsonl', 'logfmt', 'access'])

/**
 * Whether `line` continues the open record, one parsed by the format named `format`. A JSON Lines
 * or logfmt logger writes an event whole on its line, its stack trace inside it, so an unindented
 * plain-text line after such a record was printed past the logger (an uncaught `TypeError: x`, a
 * `Traceback (most recent call last):`, `panic: ...`): it is an event of its own, not part of the
 * record before it. Only indented lines (stack frames) still join a one-line record; after a
 * plain-text record every continuation line of isContinuationLine does.
 */
export function continuesRecord(format: string, line: string): boolean {
  if (ONE_LINE_FORMATS.has(format)) {
    const c = line.charCodeAt(0)
    return c === 32 || c === 9
  }
  return isContinuationLine(line)
}

/** `pkg.Name(Exception|Error|Throwable)` or `NameError` followed by `:` or the end of the line. */
function exceptionHeader(line: string): boolean {
  let i = 0
  const n = Math.min(line.length, 200)
  while (i < n) {
    const c = line.charCodeAt(i)
    const ok = (c | 32) >= 97 && (c | 32) <= 122 ? true : i > 0 && ((c >= 48 && c <= 57) || c === 46 || c === 95 || c === 36)
    if (!ok) break
    i++
  }
  if (i === 0 || (i < line.length && line.charCodeAt(i) !== 58)) return false
  const name = line.slice(0, i)
  return name.endsWith('Exception') || name.endsWith('Error') || name.endsWith('Throwable') || name.endsWith('Warning')
}
