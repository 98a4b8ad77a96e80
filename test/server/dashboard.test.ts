import path from 'node:path'
import {writeFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Browser, Page} from 'playwright-core'
import {hdfsSample, startServer, tempDir, type RunningServer} from './helpers.js'
import {launch, noBrowserReason, screenshotDir} from './browser.js'

const skip = Boolean(noBrowserReason)
if (skip) console.warn(noBrowserReason)

/** Collects what would show a script ran or the page broke. */
function watch(page: Page): {problems: string[]} {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  return {problems}
}

describe.skipIf(skip)('dashboard in headless chromium', () => {
  let server: RunningServer
  let browser: Browser
  const tmp = tempDir()

  beforeAll(async () => {
    server = await startServer({dbPath: path.join(tmp.dir, 'history.db'), heartbeatMs: 500})
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    tmp.remove()
  })

  it('paste a sample, Analyze, open an incident: explanation, remediation, evidence and raw lines', async () => {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}})
    const {problems} = watch(page)
    await page.goto(`${server.url}/`)
    await expect.poll(() => page.textContent('#status')).toMatch(/ok/)
    await page.locator('#log').evaluate((el, text) => void ((el as HTMLTextAreaElement).value = text), hdfsSample)
    await page.check('#eval')
    await page.click('#analyze')
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    const items = await page.locator('#incidents li[data-incident]').count()
    expect(items).toBeGreaterThan(0)
    await page.locator('#incidents li[data-incident]').nth(1).click()
    await expect.poll(() => page.textContent('#detail h2')).toMatch(/INC-002/)
    expect((await page.textContent('.explanation'))!.length).toBeGreaterThan(20)
    expect((await page.textContent('.root-cause'))!.length).toBeGreaterThan(5)
    expect(await page.locator('.remediation li').count()).toBeGreaterThan(0)
    expect(await page.textContent('.remediation')).toMatch(/\[(immediate|short-term|long-term)\]/)
    await page.click('#detail details summary')
    const raw = await page.locator('.raw li').evaluateAll((items) => items.map((li) => ({number: li.querySelector('.lineno')!.textContent, text: li.lastChild!.textContent})))
    expect(raw.length).toBeGreaterThan(0)
    // each raw line shows its line number and the log line exactly as sent
    const lines = hdfsSample.split('\n')
    for (const {number, text} of raw) expect(lines[Number(number) - 1]).toBe(text)
    expect(await page.textContent('#footer')).toMatch(/Incidents: \d+ · Critical: \d+ · High: \d+/)
    await page.screenshot({path: path.join(screenshotDir, 'analyze.png'), fullPage: true})
    expect(problems).toEqual([])
    await page.close()
  })

  it('uploads a file and lists the run in the history tab', async () => {
    const page = await browser.newPage()
    const {problems} = watch(page)
    await page.goto(`${server.url}/dashboard/`)
    const file = path.join(tmp.dir, 'upload-me.log')
    writeFileSync(file, hdfsSample)
    await page.setInputFiles('#upload', file)
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    await page.click('button[data-tab="history"]')
    await expect.poll(() => page.locator('#runs tr').allTextContents(), {timeout: 10_000}).toEqual(expect.arrayContaining([expect.stringContaining('upload-me.log')]))
    await page.screenshot({path: path.join(screenshotDir, 'history.png')})
    expect(problems).toEqual([])
    await page.close()
  })

  it('the live tab receives incidents over SSE', async () => {
    const page = await browser.newPage()
    const {problems} = watch(page)
    await page.goto(`${server.url}/dashboard/`)
    await page.click('button[data-tab="live"]')
    await page.click('#live-start')
    await page.waitForSelector('#live li', {timeout: 60_000})
    expect(await page.textContent('#live li')).toMatch(/LIVE-\d{3}/)
    await page.screenshot({path: path.join(screenshotDir, 'live.png')})
    expect(problems).toEqual([])
    await page.close()
  })
})
