import path from 'node:path'
import {writeFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Browser, FileChooser, Page} from 'playwright-core'
import {hdfsSample, startServer, tempDir, type RunningServer} from './helpers.js'
import {launch, noBrowserReason, screenshotDir} from './browser.js'
// @ts-expect-error -- a plain .mjs script without type declarations
import {generate as generateAccess} from '../../data/generate-access.mjs'

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

/** What the incident list and each incident's detail show: compared between a fresh analysis and its reopened run. */
async function shownIncidents(page: Page): Promise<{id: string; badge: string; count: string; detail: string}[]> {
  const shown = []
  const ids = await page.locator('#incidents li[data-incident]').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.incident!))
  for (const id of ids) {
    const item = page.locator(`#incidents li[data-incident="${id}"]`)
    await item.click()
    await expect.poll(() => page.textContent('#detail h2')).toBe(`Incident ${id}`)
    const detail = await page.locator('#detail').evaluate((d) => [...d.querySelectorAll('.cards, .explanation, .root-cause, .remediation, .evidence, .unexplained')].map((e) => e.textContent).join('\n'))
    shown.push({id, badge: (await item.locator('.badge').textContent())!, count: (await item.locator('.count').textContent())!, detail})
  }
  return shown
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth)

/** Tab until the focused element matches, at most `limit` presses; returns what each press focused. */
async function tabTo(page: Page, selector: string, limit = 20): Promise<string[]> {
  const seen: string[] = []
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab')
    const here = await page.evaluate((sel) => {
      const a = document.activeElement as HTMLElement
      return {name: a.id || a.dataset.tab || a.dataset.incident || a.dataset.run || a.tagName, hit: a.matches(sel)}
    }, selector)
    seen.push(here.name)
    if (here.hit) return seen
  }
  throw new Error(`Tab never reached ${selector}: ${seen.join(' → ')}`)
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

  // First: the database is still empty here.
  it('fits a 375 px phone: no sideways scroll when empty, in History or after an analysis', async () => {
    const page = await browser.newPage({viewport: {width: 375, height: 800}})
    const {problems} = watch(page)
    await page.goto(`${server.url}/`)
    await expect.poll(() => page.textContent('#status')).toMatch(/ok/)
    expect(await overflow(page)).toBeLessThanOrEqual(375)
    expect(await page.locator('button[data-tab="live"]').evaluate((b) => b.getBoundingClientRect().right)).toBeLessThanOrEqual(375)
    await page.click('button[data-tab="history"]')
    await expect.poll(() => page.locator('#runs tr').allTextContents()).toEqual(['No runs yet — analyse a log above'])
    expect(await overflow(page)).toBeLessThanOrEqual(375)
    await page.click('button[data-tab="analyze"]')
    await page.locator('#log').evaluate((el, text) => void ((el as HTMLTextAreaElement).value = text), hdfsSample)
    await page.click('#analyze')
    await page.waitForSelector('#detail .explanation', {timeout: 60_000})
    await page.click('#detail details summary')
    expect(await overflow(page)).toBeLessThanOrEqual(375)
    await page.click('button[data-tab="history"]')
    await page.waitForSelector('#runs tr[data-run]')
    expect(await overflow(page)).toBeLessThanOrEqual(375)
    await page.screenshot({path: path.join(screenshotDir, 'phone.png'), fullPage: true})
    expect(problems).toEqual([])
    await page.close()
  })

  it('works from the keyboard: Tab reaches every control, Enter / Space open incidents and runs, focus is visible', async () => {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}})
    const {problems} = watch(page)
    await page.goto(`${server.url}/`)
    await expect.poll(() => page.textContent('#status')).toMatch(/ok/)
    const order = await tabTo(page, '#eval')
    expect(order).toEqual(['analyze', 'history', 'live', 'log', 'analyze', 'upload', 'eval'])
    // the focused control is outlined
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none')
    await page.keyboard.press('Shift+Tab')
    expect(await page.evaluate(() => document.activeElement!.id)).toBe('upload')
    expect(await page.locator('label.file').evaluate((l) => getComputedStyle(l).outlineStyle)).not.toBe('none')
    // A listener turns Chromium's file-chooser interception on, asynchronously: the evaluate after
    // it makes sure that is done before the key press (waitForEvent right before the press raced:
    // the dialog opened uncaught and no event came).
    const choosers: FileChooser[] = []
    page.on('filechooser', (c) => void choosers.push(c))
    await page.evaluate(() => 0)
    for (const key of ['Enter', ' ']) {
      const before = choosers.length
      await page.keyboard.press(key)
      await expect.poll(() => choosers.length, {message: `${JSON.stringify(key)} on Upload opens the file chooser`, timeout: 20_000}).toBe(before + 1)
      await choosers[before].setFiles([]) // cancel, as closing the dialog would
    }

    await page.locator('#log').evaluate((el, text) => void ((el as HTMLTextAreaElement).value = text), hdfsSample)
    await page.focus('#analyze')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    await tabTo(page, '#incidents li[data-incident]')
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.textContent('#detail h2')).toBe('Incident INC-002')
    await page.keyboard.press('Tab')
    await page.keyboard.press(' ')
    await expect.poll(() => page.textContent('#detail h2')).toBe('Incident INC-003')
    expect(await overflow(page)).toBeLessThanOrEqual(1280) // Space opened the item, it did not scroll the page

    await page.focus('button[data-tab="history"]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#runs tr[data-run]')
    const newest = await page.locator('#runs tr[data-run]').first().getAttribute('data-run')
    await tabTo(page, '#runs tr[data-run]')
    expect(await page.isVisible('#tab-analyze')).toBe(false)
    await page.keyboard.press('Enter')
    // only opening the run brings the Analyze tab back here
    await expect.poll(() => page.isVisible('#tab-analyze')).toBe(true)
    expect(await page.textContent('#message')).toContain(`Run ${newest}:`)
    expect(problems).toEqual([])
    await page.close()
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

  it('uploads a file, lists the run in History, and reopening it shows the same incidents, severities, explanations and footer', async () => {
    const page = await browser.newPage()
    const {problems} = watch(page)
    await page.goto(`${server.url}/dashboard/`)
    const file = path.join(tmp.dir, 'upload-me.log')
    writeFileSync(file, hdfsSample)
    await page.setInputFiles('#upload', file)
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    const live = await shownIncidents(page)
    const footer = await page.textContent('#footer')
    // the list counts the incident's log lines, not the 8 sample lines it shows
    expect(live[0]).toMatchObject({id: 'INC-001', count: '3 sessions · 67 log lines'})
    expect(live.filter((i) => i.detail.includes('Not explained.'))).toEqual([])
    await page.click('button[data-tab="history"]')
    await expect.poll(() => page.locator('#runs tr').allTextContents(), {timeout: 10_000}).toEqual(expect.arrayContaining([expect.stringContaining('upload-me.log')]))
    await page.screenshot({path: path.join(screenshotDir, 'history.png')})
    // reopened from History, the run shows the same incidents, severities, explanations and footer
    await page.locator('#runs tr', {hasText: 'upload-me.log'}).first().click()
    await page.waitForSelector('#incidents li[data-incident]')
    expect(await shownIncidents(page)).toEqual(live)
    expect(await page.textContent('#footer')).toBe(footer)
    expect(problems).toEqual([])
    await page.close()
  })

  it('lists each incident with where and what: its hosts and its lead template as seen (an access log)', async () => {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}})
    const {problems} = watch(page)
    await page.goto(`${server.url}/`)
    const file = path.join(tmp.dir, 'access.log')
    writeFileSync(file, (generateAccess({seed: 4, hours: 6, incidents: 6, start: '2026-04-14'}) as {text: string}).text)
    await page.setInputFiles('#upload', file)
    await page.waitForSelector('#incidents li[data-incident]', {timeout: 60_000})
    const what = await page.locator('#incidents li[data-incident] .what').allTextContents()
    // the auth outage (401s on the API's token endpoint) and the deploy bug (500s on one endpoint), named
    expect(what).toEqual(expect.arrayContaining([expect.stringMatching(/^api\.example\.com:443 POST \/api\/v1\/auth\/token HTTP\/2\.0 401 Unauthorized/), expect.stringMatching(/^api\.example\.com:443 GET \/api\/v1\/orders\/\{id\} HTTP\/\d\.\d 500 Internal Server Error/)]))
    expect(await page.locator('#incidents li[data-incident] .what .where').first().textContent()).toMatch(/\.example\.com:443/)
    // a scanner's 404s from one network are set aside under the list, folded, not raised
    expect(await page.locator('#client-bursts').isVisible()).toBe(true)
    expect(await page.locator('#client-bursts li[data-burst]').count()).toBeGreaterThan(0)
    await page.click('#client-bursts summary')
    const burst = await page.locator('#client-bursts li[data-burst]').first().textContent()
    expect(burst).toMatch(/^CB-001 \d+\.\d+\.\d+\.0\/24.*\d+ requests \(404 ×\d+/)
    expect(await page.locator('#incidents li[data-incident="CB-001"]').count()).toBe(0)
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
