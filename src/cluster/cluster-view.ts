import type { NodeAddress } from './node-address.js'
import { SLOT_COUNT } from './key-slot.js'

/** One node as a CLUSTER NODES line describes it. */
export interface ClusterNodeInfo {
  id: string
  address: NodeAddress
  role: 'master' | 'replica'
  /** For a replica: its master's id. */
  masterId: string | null
  /** Flagged `fail` (agreed failed) or `fail?` (suspected) by the answering node. */
  failed: boolean
  suspected: boolean
  /** `handshake` or `noaddr`: not usable yet. */
  unusable: boolean
  configEpoch: number
  connected: boolean
  /** Slot ranges it serves, as [start, end] inclusive. */
  slots: [number, number][]
}

/** A whole cluster as one node saw it. */
export interface ClusterView {
  /** The node that answered. */
  source: NodeAddress
  nodes: ClusterNodeInfo[]
  /** Highest config epoch among masters that serve slots: newer views win. */
  maxEpoch: number
  /** Number of slots with an owner in this view. */
  coveredSlots: number
}

/**
 * Parses a CLUSTER NODES reply (Redis doc "CLUSTER NODES": `id ip:port@cport[,hostname]
 * flags master ping-sent pong-recv config-epoch link-state slot...`). Migration markers
 * (`[slot->-id]`, `[slot-<-id]`) are skipped: the redirects tell us about them. A node that
 * does not know its own IP (`:port`) is given the host we asked.
 */
export function parseClusterNodes (text: string, source: NodeAddress): ClusterView {
  const sourceHost = source.slice(0, source.lastIndexOf(':'))
  const nodes: ClusterNodeInfo[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ')
    if (f.length < 8) continue
    const flags = f[2].split(',')
    const hostPort = f[1].split(',')[0].split('@')[0]
    const colon = hostPort.lastIndexOf(':')
    const host = colon > 0 ? hostPort.slice(0, colon) : sourceHost
    const port = hostPort.slice(colon + 1)
    const slots: [number, number][] = []
    for (let i = 8; i < f.length; i++) {
      const s = f[i]
      if (s.startsWith('[') || s === '') continue
      const dash = s.indexOf('-')
      const a = Number(dash === -1 ? s : s.slice(0, dash))
      const b = Number(dash === -1 ? s : s.slice(dash + 1))
      if (Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b < SLOT_COUNT && a <= b) slots.push([a, b])
    }
    nodes.push({
      id: f[0],
      address: `${host}:${port}`,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? null : f[3],
      failed: flags.includes('fail'),
      suspected: flags.includes('fail?'),
      unusable: flags.includes('handshake') || flags.includes('noaddr') || port === '0',
      configEpoch: Number(f[6]) || 0,
      connected: f[7] === 'connected',
      slots
    })
  }
  let maxEpoch = 0
  let coveredSlots = 0
  for (const n of nodes) {
    if (n.role !== 'master' || n.slots.length === 0) continue
    if (n.configEpoch > maxEpoch) maxEpoch = n.configEpoch
    for (const [a, b] of n.slots) coveredSlots += b - a + 1
  }
  return { source, nodes, maxEpoch, coveredSlots }
}

/**
 * Picks the view to trust among several nodes' answers: the newest config epoch wins (the
 * cluster's own rule for conflicting claims), then the one covering more slots. A view that
 * covers no slot (a fresh or isolated node) is never chosen.
 */
export function chooseView (views: readonly ClusterView[]): ClusterView | null {
  let best: ClusterView | null = null
  for (const v of views) {
    if (v.coveredSlots === 0) continue
    if (best === null || v.maxEpoch > best.maxEpoch ||
      (v.maxEpoch === best.maxEpoch && v.coveredSlots > best.coveredSlots)) best = v
  }
  return best
}
