/**
 * How long a blocking command may block, in ms, from its own arguments (0: forever, or a
 * timeout the node will refuse at once): BLPOP/BRPOP/BZPOPMIN/BZPOPMAX/BLMOVE/BRPOPLPUSH end
 * with a timeout in seconds, BLMPOP/BZMPOP start with one, XREAD/XREADGROUP take BLOCK in ms.
 * slotgate uses it to give a blocked request its own reply time, so waiting is never taken
 * for a frozen node.
 */
export function blockingTimeoutMs (args: readonly Buffer[]): number {
  const name = args[0].toString('latin1').toLowerCase()
  switch (name) {
    case 'blmpop':
    case 'bzmpop':
      return args.length > 1 ? seconds(args[1]) : 0
    case 'xread':
    case 'xreadgroup':
      for (let i = 1; i + 1 < args.length; i++) {
        const word = args[i].toString('latin1').toUpperCase()
        if (word === 'STREAMS') return 0
        if (word === 'BLOCK') return milliseconds(args[i + 1])
      }
      return 0
    default:
      return args.length > 1 ? seconds(args[args.length - 1]) : 0
  }
}

function seconds (arg: Buffer): number {
  const s = Number(arg.toString('latin1'))
  return Number.isFinite(s) && s > 0 ? Math.ceil(s * 1000) : 0
}

function milliseconds (arg: Buffer): number {
  const ms = Number(arg.toString('latin1'))
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : 0
}
