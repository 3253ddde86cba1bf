import type { ControlPlane } from './control-plane.js'
import type { NodeAddress } from './node-address.js'
import { chooseView, parseClusterNodes, type ClusterView } from './cluster-view.js'
import type { Topology } from './topology.js'

/** After the first node answers a refresh, how long the others get to answer too. */
const ANSWER_GRACE_MS = 150

/** Why a refresh was asked for (a metrics label). */
export type RefreshTrigger = 'startup' | 'periodic' | 'moved' | 'link-lost' | 'waiting' | 'manual'

/** Refresh outcomes, for metrics and logs. */
export interface RefreshObserver {
  onRefresh (trigger: RefreshTrigger, outcome: 'updated' | 'unchanged' | 'failed', detail: string): void
}

/** Tuning for refreshes. */
export interface RefresherOptions {
  seeds: NodeAddress[]
  intervalMs: number
  debounceMs: number
  /** How many nodes to ask per refresh (the newest config epoch among them wins). */
  fanout?: number
}

/**
 * Keeps the topology current: at start (retrying until some seed answers), periodically,
 * and when a redirect or a lost link says it is stale. Single-flight with a debounce, so a
 * burst of MOVEDs costs one refresh. Asks several known nodes (not just the seeds, which
 * may be gone since) and trusts the newest config epoch; an empty or failed answer never
 * replaces a good map.
 */
export class TopologyRefresher {
  private running: Promise<boolean> | null = null
  private again = false
  private pendingTrigger: RefreshTrigger | null = null
  private debounceTimer: NodeJS.Timeout | null = null
  private periodicTimer: NodeJS.Timeout | null = null
  private lastView: string = ''
  private stopped = false
  /** Replicas that did not answer the replication-link check (diagnostics). */
  replicaCheckFailures = 0

  constructor (
    private readonly topology: Topology,
    private readonly control: ControlPlane,
    private readonly options: RefresherOptions,
    private readonly observer: RefreshObserver
  ) {}

  /** Starts periodic refreshes. */
  start (): void {
    this.periodicTimer = setInterval(() => { void this.refreshNow('periodic') }, this.options.intervalMs)
    this.periodicTimer.unref()
  }

  /** Stops every timer. */
  stop (): void {
    this.stopped = true
    if (this.periodicTimer !== null) clearInterval(this.periodicTimer)
    if (this.debounceTimer !== null) clearTimeout(this.debounceTimer)
  }

  /** Asks for a refresh soon; many calls within the debounce window cost one refresh. */
  request (trigger: RefreshTrigger): void {
    if (this.stopped) return
    this.pendingTrigger ??= trigger
    if (this.debounceTimer !== null) return
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null
      const t = this.pendingTrigger ?? trigger
      this.pendingTrigger = null
      void this.refreshNow(t)
    }, this.options.debounceMs)
  }

  /**
   * Refreshes now (joining one already running, then running once more so the caller sees a
   * view at least as new as its call). Resolves true when a usable view was found.
   */
  async refreshNow (trigger: RefreshTrigger): Promise<boolean> {
    if (this.running !== null) {
      this.again = true
      return await this.running
    }
    this.running = this.runOnce(trigger)
    try {
      return await this.running
    } finally {
      this.running = null
      if (this.again && !this.stopped) {
        this.again = false
        void this.refreshNow(trigger)
      }
    }
  }

  private async runOnce (trigger: RefreshTrigger): Promise<boolean> {
    const candidates = this.candidates()
    const views: ClusterView[] = []
    const errors: string[] = []
    const askedAt = performance.now()
    // Decide once every node answered, or shortly after the first answer: a frozen node must
    // not hold every refresh up for a whole command timeout.
    await new Promise<void>(resolve => {
      let pending = candidates.length
      let grace: NodeJS.Timeout | null = null
      const settle = (): void => {
        if (--pending === 0) { if (grace !== null) clearTimeout(grace); resolve() }
      }
      if (pending === 0) { resolve(); return }
      for (const node of candidates) {
        this.control.call(node, 'CLUSTER', 'NODES').then(text => {
          views.push(parseClusterNodes(String(text), node))
          grace ??= setTimeout(resolve, ANSWER_GRACE_MS)
          settle()
        }, (err: Error) => {
          errors.push(`${node}: ${err.message}`)
          settle()
        })
      }
    })
    const best = chooseView([...views])
    if (best === null) {
      this.observer.onRefresh(trigger, 'failed', errors.join('; ') || 'no node knows any slot')
      return false
    }
    void this.checkReplicaLinks()
    const signature = viewSignature(best)
    if (signature === this.lastView && this.topology.epoch !== -1) {
      this.observer.onRefresh(trigger, 'unchanged', best.source)
      return true
    }
    this.lastView = signature
    this.topology.apply(best, askedAt)
    this.observer.onRefresh(trigger, 'updated', best.source)
    return true
  }

  /**
   * Asks every replica whether its link to its master is up (INFO replication): CLUSTER
   * NODES does not say, and a replica cut off from its master serves ever staler reads.
   * Runs beside the refresh; a replica that does not answer keeps its last known state
   * (the link pool's own failure tracking covers replicas that are down).
   */
  private async checkReplicaLinks (): Promise<void> {
    const replicas = this.topology.allShards().flatMap(s => s.replicas)
    await Promise.all(replicas.map(async r => {
      try {
        const info = String(await this.control.call(r, 'INFO', 'replication'))
        const m = /master_link_status:(\w+)/.exec(info)
        if (m !== null) this.topology.setReplicaLinkUp(r, m[1] === 'up')
      } catch {
        // Unreachable: the link pool's failure tracking already keeps reads away from it.
        this.replicaCheckFailures++
      }
    }))
  }

  /**
   * Nodes to ask: masters first (they know best), then other known nodes, then the seeds;
   * shuffled within each group so one slow node does not answer every refresh.
   */
  private candidates (): NodeAddress[] {
    const fanout = this.options.fanout ?? 3
    // Masters flagged failed are asked last: a frozen one answers nothing.
    const masters = shuffle(this.topology.allShards().filter(s => !s.masterFailing).map(s => s.master))
    const others = shuffle(this.topology.nodes().filter(n => !masters.includes(n)))
    const seeds = shuffle(this.options.seeds)
    const out: NodeAddress[] = []
    for (const n of [...masters, ...others, ...seeds]) {
      if (!out.includes(n)) out.push(n)
      if (out.length >= fanout && this.topology.coveredSlots() > 0) break
    }
    return out
  }
}

function viewSignature (view: ClusterView): string {
  return view.nodes
    .map(n => `${n.id} ${n.address} ${n.role} ${n.masterId ?? '-'} ${n.failed ? 'F' : ''} ${n.slots.map(s => s.join('-')).join(',')}`)
    .sort()
    .join('\n')
}

function shuffle<T> (items: readonly T[]): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = a[i]; a[i] = a[j]; a[j] = t
  }
  return a
}
