import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Browser} from 'playwright-core'
import {HistoryStore} from '../../src/core/history/index.js'
import {Results} from '../../src/core/results.js'
import {SummariesDocument} from '../../src/core/explain/schema.js'
import {startServer, tempDir, type RunningServer} from './helpers.js'
import {launch, noBrowserReason} from './browser.js'
import type {DemoEvent} from '../../src/server/demo-events.js'

const PAYLOADS = [
  `<img src=x onerror="window.__pwned=1;alert('img')">`,
  `</script><script>window.__pwned=2;alert('script')</script>`,
  `javascript:alert('url')`,
  `" onmouseover="alert('attr')" x="`,
  `' autofocus onfocus='alert(1)' '`,
]
const hostile = PAYLOADS.join(' ')

const incident = {
  id: `INC-001`,
  session_ids: [hostile],
  size: 1,
  severity: 'critical' as const,
  severity_reason: hostile,
  score: 9,
  time_range: {start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z'},
  templates: [{id: 'T1', template: hostile, count: 3, normal_mean: 0}],
  sample_lines: PAYLOADS.map((text, i) => ({line: i + 1, text, template_id: 'T1', session_id: hostile, reason: hostile})),
  reasons: [],
  components: [{name: hostile, count: 1}],
  levels: {},
}
const results = Results.parse({version: 1, summary: {input: hostile, lines: 5, parsed: 5, skipped: 0, sessions: 1, anomalies: 1, incidents: 1, templates: 1, format: hostile, session_key: 'window', detector: 'test', threshold: 0, elapsed_ms: 1}, incidents: [incident], anomalies: []})
const summaries = SummariesDocument.parse({
  version: 1, generated_at: '2026-01-01T00:00:00Z', provider: 'offline', model: 'x', offline: true,
  source: {input: hostile, format: 'generic', detector: 'test', incidents: 1}, redaction: {enabled: false, replaced: {}}, budget: {max_cost_usd: null, stopped: false},
  incidents: [{incident_id: 'INC-001', status: 'ok', usage: {input_tokens: 0, output_tokens: 0, cache_read: 0, cache_write: 0}, cost_usd: 0, latency_ms: 1, attempts: 1, repaired: false, error: null,
    summary: {explanation: hostile, root_cause: hostile, severity: 'critical', severity_reasoning: hostile, confidence: 0.5, confidence_reasoning: hostile,
      remediation: [{action: hostile, priority: 'immediate'}], evidence: [{kind: 'line', ref: '1', text: hostile}], inconclusive: false, ruled_out: [hostile]}}],
  totals: {incidents: 1, ok: 1, failed: 0, skipped_budget: 0, input_tokens: 0, output_tokens: 0, cache_read: 0, cache_write: 0, cost_usd: 0, cost_note: null, latency_ms_mean: 1, latency_ms_p95: 1, wall_ms: 1},
})

async function* hostileDemo(): AsyncIterable<DemoEvent> {
  yield {type: 'progress', lines: 5, total: 5}
  yield {type: 'incident', incident: {...incident, id: 'LIVE-001'}, chunk: 1}
}

describe.skipIf(Boolean(noBrowserReason))('dashboard XSS: hostile log text is shown literally and never runs', () => {
  let server: RunningServer
  let browser: Browser
  const tmp = tempDir()

  beforeAll(async () => {
    const db = path.join(tmp.dir, 'history.db')
    const store = HistoryStore.open(db)
    store.recordRun(results, {origin: 'test', summaries})
    store.close()
    server = await startServer({dbPath: db, demo: () => hostileDemo()})
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    tmp.remove()
  })

  it('history run, incident detail, raw lines and the live tab', async () => {
    const page = await browser.newPage()
    const ran: string[] = []
    page.on('dialog', (d) => {
      ran.push(`dialog ${d.message()}`)
      void d.dismiss()
    })
    page.on('pageerror', (e) => ran.push(`pageerror ${e.message}`))
    page.on('console', (m) => ran.push(`console ${m.type()} ${m.text()}`))
    await page.goto(`${server.url}/dashboard/`)
    await page.click('button[data-tab="history"]')
    await page.waitForSelector('#runs tr')
    expect(await page.textContent('#runs tr')).toContain(PAYLOADS[0])
    await page.click('#runs tr')
    await page.waitForSelector('#detail .explanation', {timeout: 5000}).catch(async (error) => {
      throw new Error(`${error.message}\n${ran.join('\n')}\n${await page.textContent('body')}`)
    })
    await page.click('#detail details summary')
    const detail = (await page.textContent('#detail'))!
    for (const payload of PAYLOADS) expect(detail).toContain(payload)
    expect(await page.locator('.raw li').allTextContents()).toEqual(PAYLOADS.map((p, i) => `${i + 1}${p}`))
    await page.hover('#detail .explanation')
    await page.click('button[data-tab="live"]')
    await page.click('#live-start')
    await page.waitForSelector('#live li')
    expect(await page.textContent('#live li')).toContain(PAYLOADS[1])
    // No element was created from the text, no handler or script ran.
    expect(await page.locator('img, script:not([src]), [onerror], [onmouseover], [onfocus]').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as {__pwned?: number}).__pwned)).toBeUndefined()
    expect(ran).toEqual([])
    await page.close()
  })
})
