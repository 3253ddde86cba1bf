import { keySlot } from '../cluster/key-slot.js'

const KEYSPACE = /^__keyspace@\d+__:/
const KEYEVENT = /^__keyevent@\d+__:/

/**
 * Where a classic channel lives in the cluster, so that SUBSCRIBE and PUBLISH of one channel
 * meet on one node from every slotgate instance and PUBLISH counts subscribers as one node
 * would: the master owning the channel name's hash slot (any node would deliver the
 * messages, since the cluster bus carries every PUBLISH to every node; the home is for the
 * count). Keyspace notifications are node-local, so `__keyspace@0__:key` lives with `key`
 * (the master owning the key's slot) and `__keyevent@0__:...` on every master ('all').
 */
export function channelHome (channel: Buffer): number | 'all' {
  const name = channel.toString('latin1')
  if (KEYEVENT.test(name)) return 'all'
  const m = KEYSPACE.exec(name)
  if (m !== null) return keySlot(channel.subarray(m[0].length))
  return keySlot(channel)
}

/**
 * True for channels of keyspace notifications: each master sends its own, so a pattern
 * subscriber gets them from every master; an ordinary message (which every node receives) is
 * taken from one node only, its channel's home.
 */
export function isNodeLocalChannel (channel: Buffer): boolean {
  const name = channel.toString('latin1')
  return KEYSPACE.test(name) || KEYEVENT.test(name)
}
