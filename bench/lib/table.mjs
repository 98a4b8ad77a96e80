// Plain-text tables for bench output: no colours, so logs and README paste cleanly.

/** Print `rows` (arrays of cells) under `headers`; numeric-looking cells are right-aligned. */
export function printTable(title, headers, rows, {note} = {}) {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))))
  const width = headers.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? '').length)))
  const numeric = headers.map((_, j) => cells.length > 0 && cells.every((r) => /^[-+]?[\d.,]+(\s?(ms|s|x|×|%|MB|GB|KB))?$|^—?$/.test(r[j] ?? '')))
  const fmt = (r) => '| ' + r.map((c, j) => (numeric[j] ? (c ?? '').padStart(width[j]) : (c ?? '').padEnd(width[j]))).join(' | ') + ' |'
  if (title) console.log(`\n${title}`)
  console.log(fmt(headers))
  console.log('|' + width.map((w, j) => (numeric[j] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|')
  for (const r of cells) console.log(fmt(r))
  if (note) console.log(note)
}

export const f3 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '—' : Number(x).toFixed(3))
export const int = (x) => (x === undefined || x === null ? '—' : Math.round(x).toLocaleString('en-US'))
export const mb = (kb) => (kb === undefined || kb === null ? '—' : `${(kb / 1024).toFixed(0)} MB`)
export const secs = (ms) => (ms === undefined || ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)

export function header(text) {
  const line = '='.repeat(Math.max(60, text.length + 4))
  console.log(`\n${line}\n  ${text}\n${line}`)
}
