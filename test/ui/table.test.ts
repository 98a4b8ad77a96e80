import stringWidth from 'string-width'
import {describe, expect, it} from 'vitest'
import {table} from '../../src/ui/table.js'

const widest = (text: string): number => Math.max(...text.split('\n').map((line) => stringWidth(line)))
const template = 'Receiving block blk_<*> src: /<*>:<*> dest: /<*>:<*> and then a good deal more words that make the cell long'

function incidents(width?: number) {
  const t = table(['incident', 'severity', 'sessions', 'score', 'time range', 'top template'], {colAligns: ['left', 'left', 'right', 'right', 'left', 'left'], wrap: [4, 5], drop: [3, 2], width})
  for (let i = 1; i <= 3; i++) t.push([`INC-00${i}`, 'high', 12 * i, '0.931', '2008-11-09 20:35:00 → 20:59:59', `${template} ×${i}`])
  return t
}

describe('tables fit the width they are given', () => {
  it('keeps every cell whole when there is no width to fit (piped output)', () => {
    const text = incidents().toString()
    expect(text).toContain(`${template} ×1`)
    expect(widest(text)).toBe(incidents().naturalWidth())
  })

  for (const width of [80, 100, 120]) {
    it(`is never wider than ${width} columns and wraps the template rather than cutting it`, () => {
      const text = incidents(width).toString()
      expect(widest(text)).toBeLessThanOrEqual(width)
      // the words of the template are all there, over several lines
      expect(text.replace(/[│\s]+/g, ' ')).toContain('good deal more words')
      expect(text).toContain('INC-003')
    })
  }

  it('leaves out the columns named in drop, least useful first, and says so (80 columns and wider)', () => {
    const text = incidents(80).toString()
    expect(widest(text)).toBeLessThanOrEqual(80)
    expect(text).not.toMatch(/│ score/)
    expect(text).toMatch(/│ sessions/)
    expect(text).toContain('(left out to fit: score; --json has all)')
  })

  it('stacks the rows instead of leaving out columns below 80 columns', () => {
    const text = incidents(60).toString()
    expect(widest(text)).toBeLessThanOrEqual(60)
    expect(text).not.toContain('│')
    expect(text).not.toContain('left out')
    expect(text).toMatch(/^score: +0\.931$/m)
    expect(text).toMatch(/^sessions: +36$/m)
  })

  it('lets long headers wrap at their spaces before touching the data', () => {
    const t = table(['judge', 'judged', 'relevance', 'specificity', 'actionability', 'checks passed', 'evidence', 'remediation', 'severity ok', 'judge cost'], {width: 120})
    t.push(['checks only', '6', '—', '—', '—', '100%', '100%', '100%', '83%', '—'])
    const text = t.toString()
    expect(widest(text)).toBeLessThanOrEqual(120)
    expect(text).toContain('checks only')
    expect(text).toMatch(/checks\s*│\s*evidence/)
    expect(text).not.toContain('left out')
  })

  it('counts wide characters and colour codes as the terminal shows them', () => {
    const t = table(['run', 'name'], {width: 30})
    t.push(['★ 1234abcd', '\u001B[32mgreen name that is long enough to wrap\u001B[39m'])
    expect(widest(t.toString().replace(/\u001B\[[0-9;]*m/g, ''))).toBeLessThanOrEqual(30)
  })
})
