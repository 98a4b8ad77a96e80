import {createRequire} from 'node:module'

type Hook = () => Promise<void>

const hooks = new Map<string, Set<Hook>>()
let installed: boolean | undefined

/**
 * Runs `hook` to completion each time the consumer of `groupId` is about to (re)join its group.
 * kafkajs (eager rebalancing) gives up every partition when it rejoins but has no "partitions
 * revoked" callback: it emits REBALANCING and rejoins at once. Its ConsumerGroup.joinAndSync is
 * wrapped here so that open sessions are scored and committed first, while this member still owns
 * the partitions (a commit after the rejoin is refused). kafkajs is pinned (2.2.4, its last
 * release); false when its internals are not the expected ones (then a hand-over is best effort).
 */
export function beforeRejoin(groupId: string, hook: Hook): {installed: boolean; remove: () => void} {
  installed ??= install()
  let set = hooks.get(groupId)
  if (!set) hooks.set(groupId, (set = new Set()))
  set.add(hook)
  return {installed, remove: () => void set.delete(hook)}
}

function install(): boolean {
  try {
    const require = createRequire(import.meta.url)
    const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as {prototype: {joinAndSync?: (...args: unknown[]) => Promise<unknown>}}
    const original = ConsumerGroup.prototype.joinAndSync
    if (typeof original !== 'function') return false
    ConsumerGroup.prototype.joinAndSync = async function (this: {groupId: string}, ...args: unknown[]) {
      for (const hook of hooks.get(this.groupId) ?? []) await hook()
      return original.apply(this, args)
    }
    return true
  } catch {
    return false
  }
}
