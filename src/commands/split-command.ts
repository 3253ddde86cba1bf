/** One slot's share of a split command. */
export interface SlotPart {
  slot: number
  args: Buffer[]
  /** Positions (in the client's key order) of the keys in this part. */
  positions: number[]
}

/**
 * Splits a multi-key command by slot, keeping each key's arguments with it: MSET keeps the
 * value after each key, the others carry keys only. Keys of one slot share one part, in the
 * client's order, so duplicates behave as on one node (DEL k k counts 1, EXISTS k k counts 2).
 */
export function splitBySlot (args: readonly Buffer[], keyIndices: readonly number[], keySlots: readonly number[], withValue: boolean): SlotPart[] {
  // Few keys (the usual MGET/MSET): a linear search of the parts beats building a Map.
  const bySlot = keyIndices.length > LINEAR_SEARCH_MAX ? new Map<number, SlotPart>() : null
  const parts: SlotPart[] = []
  for (let i = 0; i < keyIndices.length; i++) {
    const k = keyIndices[i]
    const slot = keySlots[i]
    let part = bySlot !== null ? bySlot.get(slot) : findPart(parts, slot)
    if (part === undefined) {
      part = { slot, args: [args[0]], positions: [] }
      bySlot?.set(slot, part)
      parts.push(part)
    }
    part.args.push(args[k])
    if (withValue) part.args.push(args[k + 1])
    part.positions.push(i)
  }
  return parts
}

const LINEAR_SEARCH_MAX = 32

function findPart (parts: readonly SlotPart[], slot: number): SlotPart | undefined {
  for (let i = 0; i < parts.length; i++) if (parts[i].slot === slot) return parts[i]
  return undefined
}
