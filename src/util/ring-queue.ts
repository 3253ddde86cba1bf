/**
 * A FIFO on a power-of-two ring buffer. `Array.shift()` is O(n) once arrays leave V8's fast
 * path; request queues on the hot path push and shift millions of times.
 */
export class RingQueue<T> {
  private items: (T | undefined)[]
  private head = 0
  private count = 0
  private mask: number

  constructor (initialCapacity = 16) {
    let cap = 16
    while (cap < initialCapacity) cap <<= 1
    this.items = new Array<T | undefined>(cap)
    this.mask = cap - 1
  }

  /** Number of queued items. */
  get length (): number { return this.count }

  /** Appends at the tail. */
  push (item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) & this.mask] = item
    this.count++
  }

  /** Removes and returns the head, or undefined when empty. */
  shift (): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & this.mask
    this.count--
    return item
  }

  /** The head without removing it. */
  peek (): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  /** The i-th item from the head (0 = head). */
  at (i: number): T | undefined {
    return i < 0 || i >= this.count ? undefined : this.items[(this.head + i) & this.mask]
  }

  /** Removes every item and returns them in order. */
  drain (): T[] {
    const out: T[] = []
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item)
    return out
  }

  private grow (): void {
    const old = this.items
    const next = new Array<T | undefined>(old.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & this.mask]
    this.items = next
    this.head = 0
    this.mask = next.length - 1
  }
}
