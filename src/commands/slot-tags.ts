import { keySlot, SLOT_COUNT } from '../cluster/key-slot.js'

let tags: string[] | null = null

/**
 * A short string that hashes to `slot`, for a key slotgate makes itself in a given slot
 * (`{tag}...` hashes to the tag's slot whatever follows): a blocking pop's staging list next
 * to the list it waits on. Found once for all slots by counting up in base 36 (a few ms).
 */
export function slotTag (slot: number): string {
  if (tags === null) {
    const found: string[] = new Array<string>(SLOT_COUNT)
    let left = SLOT_COUNT
    for (let n = 0; left > 0; n++) {
      const candidate = n.toString(36)
      const s = keySlot(Buffer.from(candidate))
      if (found[s] === undefined) { found[s] = candidate; left-- }
    }
    tags = found
  }
  return tags[slot]
}
