import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Browser} from 'playwright-core'
import {ExplainError} from '../../dist/core/explain/providers/remote.js'
import type {ExplainProvider} from '../../dist/core/explain/index.js'
import {hdfsSample, startServer, tempDir, type RunningServer} from './helpers.js'
import {launch, noBrowserReason} from './browser.js'

const skip = Boolean(noBrowserReason)
if (skip) console.warn(noBrowserReason)

/** An LLM provider whose every call fails as a remote one does: a message over two lines, and a hint. */
const failing: ExplainProvider = {
  name: 'anthropic',
  model: 'claude-test',
  remote: false, // nothing leaves the machine: no redaction, no reachability probe
  expectedOutputTokens: 0,
  cost: () => 0,
  explain: async () => {
    throw new ExplainError('anthropic call failed: 529 {"type":"error","error":{"type":"overloaded_error",\n  "message":"Overloaded"}}', {usage: {input_tokens: 0, output_tokens: 0, cache_read: 0, cache_write: 0}, cost_usd: 0, attempts: 1, latency_ms: 5}, {hint: 'The provider is rate limiting or overloaded; lower --concurrency or retry later.'})
  },
}
const REASON = 'anthropic call failed: 529 {"type":"error","error":{"type":"overloaded_error", "message":"Overloaded"}} (The provider is rate limiting or overloaded; lower --concurrency or retry later.)'

describe.skipIf(skip)('dashboard: failed explanations', () => {
  let server: RunningServer
  let browser: Browser
  const tmp = tempDir()

  beforeAll(async () => {
    server = await startServer({dbPath: path.join(tmp.dir, 'history.db'), provider: failing})
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    tmp.remove()
  })

  it('shows that an explanation failed and why, on one line, live and reopened from History', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/dashboard/`)
    await page.locator('#log').evaluate((el, text) => void ((el as HTMLTextAreaElement).value = text), hdfsSample)
    const answered = page.waitForResponse((r) => r.url().endsWith('/analyze'), {timeout: 60_000})
    await page.click('#analyze')
    const body = await (await answered).json()
    // what the API says about it
    expect(body.summaries.totals.failed).toBe(body.incidents.length)
    expect(body.summaries.incidents[0]).toMatchObject({status: 'error', summary: null})
    await page.waitForSelector('#incidents li[data-incident]')

    const check = async () => {
      await expect.poll(() => page.textContent('#detail h2')).toBe('Incident INC-001')
      const line = page.locator('#detail .explain-failed')
      // one line: the message's own line break is not passed on
      expect(await line.textContent()).toBe(`Explanation failed: ${REASON}`)
      expect(await page.locator('#incidents li[data-incident="INC-001"]').textContent()).toContain('explanation failed')
      expect(await page.textContent('#message')).toContain(`${body.incidents.length} of ${body.incidents.length} explanations failed`)
    }
    await check()

    await page.click('button[data-tab="history"]')
    await page.locator(`#runs tr[data-run="${body.run_id}"]`).click()
    await page.waitForSelector('#incidents li[data-incident]')
    await check()
    await page.close()
  }, 90_000)
})
