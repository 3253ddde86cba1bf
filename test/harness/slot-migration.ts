import { LocalClusterError } from './local-cluster-error.js'
import { nodeCommand, withNodeClient } from './node-command.js'
import type { RedisProcess } from './redis-process.js'

const MIGRATE_TIMEOUT_MS = 5000
const MIGRATE_BATCH = 100

/**
 * Moves up to `maxKeys` keys of `slot` from `source` to `target` with `CLUSTER GETKEYSINSLOT`
 * and `MIGRATE host port "" 0 5000 REPLACE KEYS ...`, in batches; returns how many moved.
 * The slot must already be MIGRATING on the source and IMPORTING on the target.
 */
export async function migrateKeys (source: RedisProcess, target: RedisProcess, slot: number, maxKeys: number): Promise<number> {
  let moved = 0
  await withNodeClient(source.host, source.port, async client => {
    while (moved < maxKeys) {
      // Keys stay Buffers end to end: a key need not be valid UTF-8.
      const keys = await client.callBuffer('CLUSTER', 'GETKEYSINSLOT', slot, Math.min(MIGRATE_BATCH, maxKeys - moved)) as Buffer[]
      if (keys.length === 0) break
      try {
        await client.callBuffer('MIGRATE', target.host, target.port, '', 0, MIGRATE_TIMEOUT_MS, 'REPLACE', 'KEYS', ...keys)
      } catch (err) {
        throw new LocalClusterError('SLOTGATE_ERR_DEV_COMMAND', `${source.address} MIGRATE of ${keys.length} keys of slot ${slot} to ${target.address} failed after ${moved} moved: ${(err as Error).message}`, { cause: err })
      }
      moved += keys.length
    }
  })
  return moved
}

/**
 * `CLUSTER SETSLOT <slot> NODE <targetId>` on the target, then the source, then `others`, the
 * order the CLUSTER SETSLOT docs give: the target first ends its IMPORTING state and bumps its
 * epoch, so when the source stops answering ASK the slot already has an owner that accepts it.
 */
export async function assignSlot (slot: number, targetId: string, target: RedisProcess, source: RedisProcess, others: readonly RedisProcess[]): Promise<void> {
  const setSlot = async (node: RedisProcess): Promise<void> => { await nodeCommand(node.host, node.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', targetId) }
  await setSlot(target)
  await setSlot(source)
  await Promise.all(others.map(setSlot))
}
