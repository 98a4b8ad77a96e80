import {readFileSync} from 'node:fs'

/** Flare's version from package.json (two levels up from both src/core and dist/core). */
export const FLARE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version
  } catch {
    return '0.0.0'
  }
})()
