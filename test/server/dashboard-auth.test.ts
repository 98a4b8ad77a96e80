import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Browser} from 'playwright-core'
import {hdfsSample, startServer, type RunningServer} from './helpers.js'

/** Enough of the HDFS sample for incidents, small enough to type into the page quickly. */
const sample = hdfsSample.split('\n').slice(0, 2000).join('\n')
import {launch, noBrowserReason} from './browser.js'

const TOKEN = 'dashboard-token-1234'
if (noBrowserReason) console.warn(noBrowserReason)

describe.skipIf(Boolean(noBrowserReason))('dashboard with serve --token', () => {
  let server: RunningServer
  let browser: Browser

  beforeAll(async () => {
    server = await startServer({token: TOKEN, dbPath: undefined})
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('asks for the token on a 401, retries with it, keeps it in sessionStorage and out of the URL', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const sent: string[] = []
    page.on('request', (r) => {
      if (r.url().endsWith('/analyze')) sent.push(r.headers().authorization ?? '')
    })
    await page.goto(`${server.url}/dashboard/`)
    await expect.poll(() => page.textContent('#status')).toBe('● ok')
    expect(await page.isVisible('#token-form')).toBe(false)
    await page.fill('#log', sample)
    await page.click('#analyze')
    await page.waitForSelector('#token-form', {state: 'visible'})
    expect(await page.textContent('#token-reason')).toBe('this server requires an API token')
    // a wrong token: asked again, with the server's reason
    await page.fill('#token', 'not-the-token')
    await page.click('#token-form button[type=submit]')
    await expect.poll(() => page.textContent('#token-reason')).toBe('invalid API token')
    expect(await page.isVisible('#token-form')).toBe(true)
    await page.fill('#token', TOKEN)
    await page.click('#token-form button[type=submit]')
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    expect(await page.isVisible('#token-form')).toBe(false)
    expect(sent).toEqual(['', 'Bearer not-the-token', `Bearer ${TOKEN}`])
    expect(await page.evaluate(() => sessionStorage.getItem('flare-token'))).toBe(TOKEN)
    expect(page.url()).not.toContain(TOKEN)
    expect(await page.content()).not.toContain(TOKEN)
    // the same tab after a reload: no question, the stored token is sent
    await page.reload()
    await page.fill('#log', sample)
    await page.click('#analyze')
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    expect(await page.isVisible('#token-form')).toBe(false)
    await context.close()
  }, 120_000)

  it('an old #token= link is taken out of the address bar and kept for the tab only', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/dashboard/#token=${TOKEN}`)
    await expect.poll(() => page.evaluate(() => sessionStorage.getItem('flare-token'))).toBe(TOKEN)
    expect(page.url()).toBe(`${server.url}/dashboard/`)
    await page.click('button[data-tab="live"]')
    await page.click('#live-start')
    await page.waitForSelector('#live li', {timeout: 60_000})
    expect(await page.isVisible('#token-form')).toBe(false)
    await context.close()
  }, 120_000)
})
