import {describe, expect, it} from 'vitest'
import type {ClientBurst} from '../../src/core/results.js'
import {clientBurstsText} from '../../src/ui/lead-template.js'

const burst = (k: number, network: string, lines: number, requests: number): ClientBurst => ({
  id: `CB-${String(k).padStart(3, '0')}`,
  session_ids: ['x'],
  size: 1,
  severity: 'medium',
  severity_reason: '',
  score: 1,
  time_range: {start: '2026-11-02T02:00:00.000Z', end: '2026-11-02T02:05:00.000Z'},
  templates: [{id: 't', template: 'GET <*> HTTP/1.1 404 Not Found', count: requests, normal_mean: 0, score: 3, as_seen: 'GET /.env HTTP/1.1 404 Not Found'}],
  sample_lines: [],
  reasons: [],
  components: [],
  levels: {},
  streams: ['shop.example.com:443'],
  client: {network, lines, requests, above_normal: lines, statuses: [{status: 404, count: requests}]},
})

describe('clientBurstsText', () => {
  it('lists the bursts under a line that says why they were not raised and how to raise them', () => {
    const text = clientBurstsText([burst(1, '45.9.20.0/24', 90, 90), burst(2, '66.249.66.0/24', 13, 21)], (s) => s)
    expect(text.split('\n')).toEqual([
      '2 client bursts set aside, not raised (a scan or a crawl: one client network, answered as it should be; --raise-client-bursts raises them)',
      '  CB-001 2026-11-02 02:00–02:05 shop.example.com:443 45.9.20.0/24: 90 requests (404 ×90): GET /.env HTTP/1.1 404 Not Found',
      '  CB-002 2026-11-02 02:00–02:05 shop.example.com:443 66.249.66.0/24: 13 of 21 requests (404 ×21): GET /.env HTTP/1.1 404 Not Found',
    ])
  })

  it('lists five and counts the rest; every line fits the width', () => {
    const lines = clientBurstsText(Array.from({length: 8}, (_, i) => burst(i + 1, `45.9.${i}.0/24`, 30, 30)), (s) => s, 80).split('\n')
    expect(lines).toHaveLength(7)
    expect(lines[6]).toBe('  … and 3 more (see -o results.json or --json: client_bursts)')
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
  })
})
