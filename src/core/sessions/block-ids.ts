import type {ByteKeys, ByteStrings} from './byte-keys.js'
import type {SessionIdSource} from './ids.js'

/**
 * A store's block ids (SessionIdSource): the keys of its lookups by bytes, entry e the id of the
 * session of order e (every block session is made with its key). Once the store is finished, the
 * keys are kept and the lookups may go.
 */
export class BlockIds implements SessionIdSource {
  private kept?: ByteStrings
  /** The store's lookups until keep() (never the store: its sessions, and results' ids, would keep it). */
  private lookups?: ByteKeys

  constructor(lookups: ByteKeys) {
    this.lookups = lookups
  }

  keep(): void {
    this.kept = this.lookups!.keys()
    this.lookups = undefined
  }

  at(order: number): string {
    if (this.kept !== undefined) return this.kept.at(order)
    const key = this.lookups!.keyBytes(order)
    return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1')
  }
}
