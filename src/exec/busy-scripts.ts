import type { NodeAddress } from '../cluster/node-address.js'
import type { NodeControl } from './context.js'

/** How often a master running one of slotgate's scripts is asked whether it answers BUSY. */
const POLL_MS = 100

/**
 * Which masters are busy with a script past their time limit (`busy-reply-threshold`), for
 * PING to answer as the one node slotgate stands for would: `-BUSY ...` while a script runs
 * too long, so a client can tell and send SCRIPT KILL or FUNCTION KILL. A master is polled
 * (PING on its control connection) only while a script or function slotgate sent there is
 * unanswered; its BUSY reply is the proof that it is alive and busy, never a failure.
 * Scripts sent to the node by others are not seen.
 */
export class BusyScripts {
  private readonly running = new Map<NodeAddress, number>()
  private readonly busy = new Map<NodeAddress, string>()
  private readonly polling = new Set<NodeAddress>()

  constructor (private readonly control: NodeControl, private readonly pollMs = POLL_MS) {}

  /** The BUSY error a busy master gives now, or null when none is known to be busy. */
  get error (): string | null {
    const first = this.busy.values().next()
    return first.done === true ? null : first.value
  }

  /** A script or function was sent to `node`. */
  started (node: NodeAddress): void {
    this.running.set(node, (this.running.get(node) ?? 0) + 1)
    if (!this.polling.has(node)) {
      this.polling.add(node)
      this.schedule(node)
    }
  }

  /** Its reply came (or it was given up). */
  ended (node: NodeAddress): void {
    const left = (this.running.get(node) ?? 1) - 1
    if (left > 0) { this.running.set(node, left); return }
    this.running.delete(node)
    this.busy.delete(node)
  }

  private schedule (node: NodeAddress): void {
    const timer = setTimeout(() => { this.poll(node) }, this.pollMs)
    timer.unref()
  }

  private poll (node: NodeAddress): void {
    if (!this.running.has(node)) { this.polling.delete(node); return }
    void this.control.call(node, 'PING').then(() => { this.busy.delete(node) }, (err: Error) => {
      // Only the node's own BUSY counts; a timeout means it has not reached its limit yet.
      if (err.message.startsWith('BUSY ') && this.running.has(node)) this.busy.set(node, err.message)
    }).finally(() => {
      if (this.running.has(node)) this.schedule(node)
      else this.polling.delete(node)
    })
  }
}
