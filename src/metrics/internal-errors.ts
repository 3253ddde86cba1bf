/**
 * Where in a command's life a bug was caught (the `stage` label): planning and starting it,
 * merging its parts' replies, or building a reply slotgate gives itself (INFO, EXEC's array ...).
 */
export type FaultStage = 'plan' | 'merge' | 'local'

/**
 * Bugs caught at a client's fault boundary (the command failed alone with SLOTGATE_ERR_INTERNAL):
 * counted per stage for `slotgate_internal_errors_total`, and each (stage, command) handed to
 * the reporter once, so a bug hit by every request logs one line, not one per request.
 * Process-wide like `traffic`: the boundaries sit where no logger is plumbed.
 */
export class InternalErrors {
  readonly counts: Record<FaultStage, number> = { plan: 0, merge: 0, local: 0 }
  private readonly reported = new Set<string>()
  /** Set by main.ts to the logger; silent until then. */
  reporter: (stage: FaultStage, command: string, err: unknown) => void = () => {}

  record (stage: FaultStage, command: string, err: unknown): void {
    this.counts[stage]++
    const key = `${stage} ${command}`
    if (this.reported.has(key) || this.reported.size >= 1000) return
    this.reported.add(key)
    this.reporter(stage, command, err)
  }
}

export const internalErrors = new InternalErrors()
