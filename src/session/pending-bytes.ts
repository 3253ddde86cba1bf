import { RingQueue } from '../util/ring-queue.js'

/**
 * Bytes of a client's requests read and not yet answered (maxPendingRequestBytes), kept in
 * step with its reply queue: each command's bytes ride on the first entry it queues and are
 * released when that entry is written. A command that queues nothing holds none.
 */
export class PendingBytes {
  private readonly sizes = new RingQueue<number>(16)
  private current = 0
  /** Bytes now held. */
  total = 0

  /** A command of `bytes` starts running. */
  begin (bytes: number): void {
    this.current = bytes
    this.total += bytes
  }

  /** The running command queued an entry (its first takes the command's bytes). */
  enqueued (): void {
    this.sizes.push(this.current)
    this.current = 0
  }

  /** The running command is done: bytes it gave to no entry are released. */
  end (): number {
    const left = this.current
    this.total -= left
    this.current = 0
    return left
  }

  /** The entry at the head of the queue was written. */
  written (): void {
    this.total -= this.sizes.shift() ?? 0
  }

  /** The client is gone. */
  clear (): void {
    this.sizes.drain()
    this.total = 0
    this.current = 0
  }
}

/** A request's size as read: its arguments plus RESP framing, near enough for a bound. */
export function requestBytes (args: readonly Buffer[]): number {
  let n = 16
  for (let i = 0; i < args.length; i++) n += args[i].length + 16
  return n
}
