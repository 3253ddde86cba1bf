import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// Full collections on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Bytes this process still holds after full collections: the V8 heap in use plus Buffers'
 * backing stores. That is what a buffer kept alive costs. A peak RSS also counts garbage not
 * yet collected, and how much of that the young generation holds is the runtime's choice
 * (Node 24 lets it grow larger than Node 20), so it cannot tell a leak from a late scavenge.
 * A Buffer's backing store is freed after the collection that found it dead, hence two.
 */
export async function retainedBytes (): Promise<number> {
  gc()
  await sleep(50)
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
