/**
 * Index of `byte` in `buf[from, end)`, or -1. A plain loop on purpose: RESP header lines are
 * a few bytes long, and Buffer#indexOf's call into native code costs more than scanning them
 * (measured in bench/parser.bench.ts and bench/framer.bench.ts).
 */
export function findByte (buf: Uint8Array, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buf[i] === byte) return i
  }
  return -1
}
