import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Browser} from 'playwright-core'
import {buildServer} from '../../dist/server/app.js'
import {launch, noBrowserReason} from './browser.js'

const skip = Boolean(noBrowserReason)
if (skip) console.warn(noBrowserReason)

/** A server on a given port (0: any), so the test can stop it and bring it back where the page expects it. */
async function serveOn(port: number): Promise<{port: number; close: () => Promise<void>}> {
  const env = {...process.env}
  for (const key of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'FLARE_PROVIDER', 'MLFLOW_TRACKING_URI', 'OPENAI_API_KEY', 'OPENAI_BASE_URL']) delete env[key]
  const server = await buildServer({env, shutdownGraceMs: 200})
  await server.app.listen({port, host: '127.0.0.1'})
  return {port: (server.app.server.address() as {port: number}).port, close: server.close}
}

describe.skipIf(skip)('dashboard server status', () => {
  let browser: Browser
  let server: {port: number; close: () => Promise<void>} | undefined

  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('says the server is unreachable while it is down, and ok again once it is back', async () => {
    server = await serveOn(0)
    const {port} = server
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${port}/dashboard/`)
    await expect.poll(() => page.textContent('#status')).toMatch(/^● ok/)

    await server.close()
    server = undefined
    // No action on the page: the dashboard notices by itself.
    await expect.poll(() => page.textContent('#status'), {timeout: 15_000}).toMatch(/unreachable/)
    expect(await page.textContent('#status')).not.toMatch(/\bok\b/)
    // A request the user makes while it is down says why it failed, not just "Failed to fetch".
    await page.locator('#log').fill('a line\nanother line\n')
    await page.click('#analyze')
    await expect.poll(() => page.textContent('#message')).toMatch(/unreachable/)

    server = await serveOn(port)
    await expect.poll(() => page.textContent('#status'), {timeout: 15_000}).toMatch(/^● ok/)
    await page.close()
  }, 60_000)
})
