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
  const bySlot = new Map<number, SlotPart>()
  const parts: SlotPart[] = []
  for (let i = 0; i < keyIndices.length; i++) {
    const k = keyIndices[i]
    const slot = keySlots[i]
    let part = bySlot.get(slot)
    if (part === undefined) {
      part = { slot, args: [args[0]], positions: [] }
      bySlot.set(slot, part)
      parts.push(part)
    }
    part.args.push(args[k])
    if (withValue) part.args.push(args[k + 1])
    part.positions.push(i)
  }
  return parts
}
