interface Entry {
  offset: number
  acked: boolean
}

/**
 * The records of each partition taken since the last commit, in offset order, with whether the
 * engine acked them yet. A partition's committable offset is the first record not yet acked
 * (Kafka commits "the next offset to read"): acks come out of order, commits never pass a gap.
 */
export class PartitionOffsets {
  private readonly partitions = new Map<number, {entries: Entry[]; head: number; next: number | undefined; committed: number | undefined}>()

  /** Registers a taken record; the returned function acks it. */
  take(partition: number, offset: number): () => void {
    let p = this.partitions.get(partition)
    if (!p) this.partitions.set(partition, (p = {entries: [], head: 0, next: undefined, committed: undefined}))
    const entry: Entry = {offset, acked: false}
    p.entries.push(entry)
    return () => {
      entry.acked = true
    }
  }

  /** Partition → offset to commit, for the partitions whose committable offset moved since `markCommitted`. */
  committable(): Map<number, number> {
    const out = new Map<number, number>()
    for (const [partition, p] of this.partitions) {
      while (p.head < p.entries.length && p.entries[p.head].acked) p.next = p.entries[p.head++].offset + 1
      if (p.head > 1024 && p.head * 2 > p.entries.length) {
        p.entries = p.entries.slice(p.head)
        p.head = 0
      }
      if (p.next !== undefined && p.next !== p.committed) out.set(partition, p.next)
    }
    return out
  }

  markCommitted(offsets: Map<number, number>): void {
    for (const [partition, offset] of offsets) {
      const p = this.partitions.get(partition)
      if (p) p.committed = offset
    }
  }

  /** Records taken and not yet acked, over all partitions. */
  get pending(): number {
    let n = 0
    for (const p of this.partitions.values()) for (let i = p.head; i < p.entries.length; i++) if (!p.entries[i].acked) n++
    return n
  }

  /** The highest offset taken per partition, plus one (what was read so far). */
  positions(): Map<number, number> {
    const out = new Map<number, number>()
    for (const [partition, p] of this.partitions) if (p.entries.length > 0) out.set(partition, p.entries[p.entries.length - 1].offset + 1)
    return out
  }

  /** A new group generation: the partitions kept are read again from their committed offsets. */
  reset(): void {
    this.partitions.clear()
  }
}
