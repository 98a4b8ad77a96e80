import {createReadStream} from 'node:fs'
import {open} from 'node:fs/promises'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip} from 'node:zlib'

class OverLimit extends Error {}

/**
 * Whether a spooled upload stays within `limit` bytes once decompressed: a small .gz can hold far more
 * than --max-body. Reads no further than the limit; a file that is not gzip counts as its own size
 * (already capped), and a damaged gzip is left for the reader to report as it does for the CLI.
 */
export async function inflatesWithin(path: string, limit: number): Promise<boolean> {
  const head = Buffer.alloc(2)
  const handle = await open(path, 'r')
  try {
    await handle.read(head, 0, 2, 0)
  } finally {
    await handle.close()
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) return true
  let total = 0
  const count = new Writable({
    write(chunk: Buffer, _encoding, done) {
      total += chunk.length
      done(total > limit ? new OverLimit() : null)
    },
  })
  try {
    await pipeline(createReadStream(path), createGunzip(), count)
  } catch (error) {
    if (error instanceof OverLimit) return false
  }
  return true
}
