import stringWidth from 'string-width'
import {describe, expect, it} from 'vitest'
import {stackRows, wrapLines} from '../../src/ui/stacked.js'
import {table} from '../../src/ui/table.js'

const ANSI = /\u001B\[[0-9;]*m/g
const lines = (text: string): string[] => text.split('\n')
const widest = (text: string): number => Math.max(...lines(text).map((line) => stringWidth(line)))
/** Everything but whitespace and the rules, so "nothing was lost" survives any wrapping. */
const ink = (text: string): string => text.replace(ANSI, '').replace(/[\s─]+/g, '')

const summaryHead = ['lines', 'templates', 'sessions', 'anomalous', 'incidents', 'time']
const summaryRow = ['6,625', 19, 360, '14 (3.9%)', 6, '511ms']
const template = 'PacketResponder <*> <*> Exception java.net.SocketTimeoutException: <*> millis timeout while waiting for channel to be ready for read.'

function summary(width?: number) {
  const t = table(summaryHead, {colAligns: ['right', 'right', 'right', 'right', 'right', 'right'], width})
  t.push(summaryRow)
  return t
}

function incidents(width?: number) {
  const t = table(['incident', 'severity', 'sessions', 'score', 'time range', 'top template'], {colAligns: ['left', 'left', 'right', 'right', 'left', 'left'], wrap: [4, 5], drop: [3, 2], width})
  for (let i = 1; i <= 3; i++) t.push([`INC-00${i}`, 'high', 1234567 * i, '0.931', '2008-11-09 20:35:00 → 20:59:59', `${template} ×${i}`])
  return t
}

describe('stackRows: one "header: value" block per row', () => {
  it('lines the values up after the labels and ends each block with a rule', () => {
    expect(stackRows(['incident', 'sessions'], [['INC-001', 2], ['INC-002', 13]], 30)).toBe(
      ['incident: INC-001', 'sessions: 2', '─'.repeat(30), 'incident: INC-002', 'sessions: 13', '─'.repeat(30)].join('\n'),
    )
  })

  it('wraps a long value at spaces under the value column, never wider than the width', () => {
    const text = stackRows(['id', 'template'], [['T1', template]], 40)
    expect(widest(text)).toBeLessThanOrEqual(40)
    expect(lines(text)[1]).toMatch(/^template: PacketResponder/)
    expect(lines(text)[2]).toMatch(/^ {10}\S/)
    expect(ink(text)).toBe(ink(`id:T1template:${template}`))
    expect(text).not.toContain('…')
  })

  it('breaks a word longer than the line rather than cutting it', () => {
    const word = 'x'.repeat(50)
    const text = stackRows(['key'], [[word]], 20)
    expect(widest(text)).toBeLessThanOrEqual(20)
    expect(ink(text)).toBe(`key:${word}`)
  })

  it('puts each value right after its own label when aligned values would have too little room', () => {
    const text = stackRows(['continuation lines joined', 'time'], [[0, '246ms']], 36)
    expect(lines(text).slice(0, 2)).toEqual(['continuation lines joined: 0', 'time: 246ms'])
  })

  it('gives a label wider than the terminal lines of its own', () => {
    const text = stackRows(['a very long header indeed'], [['12,345']], 10)
    expect(widest(text)).toBeLessThanOrEqual(10)
    expect(text).toContain('12,345')
    expect(ink(text)).toBe('averylongheaderindeed:12,345')
  })

  it('takes a headless table (a key/value list) as one block, labelled by the first cell', () => {
    expect(stackRows([], [['lines', '6,625'], ['templates', '19']], 30)).toBe(['lines:     6,625', 'templates: 19', '─'.repeat(30)].join('\n'))
  })

  it('keeps the lines of a multi-line cell apart', () => {
    expect(lines(stackRows(['n'], [['one\ntwo']], 30)).slice(0, 2)).toEqual(['n: one', '   two'])
  })

  it('counts colour codes as nothing and wide characters as two, and closes a colour at a break', () => {
    const red = `\u001B[31m${'红色的字 '.repeat(6)}\u001B[39m`
    const text = stackRows(['name'], [[red]], 20)
    expect(widest(text)).toBeLessThanOrEqual(20)
    for (const line of lines(text).slice(0, -1)) {
      // every line that shows red text starts red and ends with the colour closed
      if (line.includes('红')) {
        expect(line).toMatch(/\u001B\[31m/)
        expect(line).toMatch(/\u001B\[(0|39)m$/)
      }
    }
    expect(ink(text)).toBe(ink(`name:${red}`))
  })
})

describe('wrapLines', () => {
  it('returns a line that fits as it is', () => {
    expect(wrapLines('6,625', 10)).toEqual(['6,625'])
  })

  it('honours a narrower first line', () => {
    expect(wrapLines('aa bb cc', 5, 2)).toEqual(['aa', 'bb cc'])
  })
})

describe('FitTable in a narrow terminal', () => {
  it('stacks the six-column summary at 40 columns with every figure whole', () => {
    const text = summary(40).toString()
    expect(text).toBe(['lines:     6,625', 'templates: 19', 'sessions:  360', 'anomalous: 14 (3.9%)', 'incidents: 6', 'time:      511ms', '─'.repeat(40)].join('\n'))
  })

  it('keeps the bordered table when it fits, and at 80 columns and wider', () => {
    for (const width of [summary().naturalWidth(), 80, 120]) {
      const text = summary(width).toString()
      expect(text).toContain('│ sessions │')
      expect(text).toBe(summary().toString())
    }
  })

  it('stacks a table that would cut a header or a number', () => {
    const t = table(['precision', 'recall', 'F1', 'TP', 'FP', 'FN', 'TN', 'labelled'], {width: 60})
    t.push(['1.000', '1.000', '1.000', 14, 0, 0, 346, 360])
    expect(t.naturalWidth()).toBeGreaterThan(60)
    const text = t.toString()
    expect(text).toMatch(/^precision: 1\.000$/m)
    expect(text).toMatch(/^labelled: +360$/m)
  })

  for (let width = 12; width < 80; width += 1) {
    it(`at ${width} columns no line is wider, nothing is cut, nothing is left out`, () => {
      for (const t of [summary(width), incidents(width)]) {
        const text = t.toString()
        expect(widest(text), text).toBeLessThanOrEqual(width)
        expect(text).not.toContain('…')
        expect(text).not.toContain('left out')
        for (const row of t.rows) for (const cell of row) expect(ink(text)).toContain(ink(String(cell)))
      }
    })
  }

  it('at 80 columns and wider the incidents table is bordered as before (dropping score)', () => {
    const text = incidents(100).toString()
    expect(text).toContain('│ incident')
    expect(widest(text)).toBeLessThanOrEqual(100)
  })
})
