// flamebearer ships JavaScript without types; this is the part of its API profile-write.ts uses
// (see its index.js: parseInput and formatReport).
declare module 'flamebearer' {
  /** A parsed trace or profile, opaque to us. */
  export interface Trace { readonly threads: unknown[] }
  export interface ReportOptions {
    /** Rows of the Top CPU list (default 20). */
    readonly top?: number
    readonly color?: boolean
    /** Map frames through sibling `.map` files (default true). */
    readonly sourceMaps?: boolean
    /** Time range in ms from the profile's start. */
    readonly from?: number
    readonly to?: number
    readonly threads?: string[]
    readonly stacks?: string
  }
  export function parseInput (buf: Buffer, filename: string): Trace
  export function formatReport (input: Trace, options?: ReportOptions): string
}
