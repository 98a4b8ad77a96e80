import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {chromium, type Browser} from 'playwright-core'

/** Debian's chromium (test/setup/provision.sh installs it), or $FLARE_CHROMIUM. */
export const chromiumPath = [process.env.FLARE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => Boolean(p && existsSync(p)))
export const noBrowserReason = chromiumPath ? undefined : 'chromium is not installed (apt-get install chromium, or npm test runs test/setup/provision.sh) — browser tests skipped'

export async function launch(): Promise<Browser> {
  // --no-sandbox: the tests run as root in a container, where chromium's sandbox cannot start.
  return chromium.launch({executablePath: chromiumPath!, args: ['--no-sandbox', '--disable-dev-shm-usage']})
}

/** Screenshots go to a temp folder (CI keeps it as an artifact), never into the repository. */
export const screenshotDir = process.env.FLARE_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'flare-dashboard-shots-'))
