import type { Target } from './run-record.js'

/**
 * Every target in round 1's order. The baseline sits between direct and predixy, so with the
 * rotation it runs before slotgate in some rounds and after it in others.
 */
export const TARGET_IDS: readonly Target[] = ['slotgate', 'direct', 'slotgate-baseline', 'predixy', 'slotgate-workers']

/** What decides which targets a workload runs against. */
export interface TargetChoice {
  /** The targets of the run (`--targets`, or every one that was set up). */
  readonly targets: readonly Target[]
  /** Workloads the `--workers` slotgate runs. */
  readonly workersFor: readonly string[]
}

/**
 * The targets of one workload in round `round`'s order: the selected ones in TARGET_IDS' order,
 * rotated by one each round, so none always runs first or always after the same one.
 */
export function targetOrder (choice: TargetChoice, workloadId: string, round: number): Target[] {
  const all = TARGET_IDS.filter(t => choice.targets.includes(t) && (t !== 'slotgate-workers' || choice.workersFor.includes(workloadId)))
  const shift = (round - 1) % all.length
  return [...all.slice(shift), ...all.slice(0, shift)]
}
