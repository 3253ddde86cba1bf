// Reads slotgate's HTTP endpoints in tests: a tiny parser of Prometheus' text exposition
// format (version 0.0.4) and helpers to scrape, sum series and probe.

/** One sample line. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** One metric family: its # HELP and # TYPE, and its samples. */
export interface Family {
  name: string
  type: string
  help: string
  samples: Sample[]
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the text format; throws on a line it cannot read, so a malformed exposition fails the test. */
export function parsePrometheusText (text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const family = (name: string): Family => {
    let f = families.get(name)
    if (f === undefined) { f = { name, type: 'untyped', help: '', samples: [] }; families.set(name, f) }
    return f
  }
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta !== null) {
      if (meta[1] === 'HELP') family(meta[2]).help = meta[3]
      else family(meta[2]).type = meta[3]
      continue
    }
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`unparseable exposition line: ${JSON.stringify(line)}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k] = v.replace(/\\(.)/g, (_, c: string) => c === 'n' ? '\n' : c)
    // A histogram's _bucket/_sum/_count samples belong to the family its # TYPE line named.
    const base = m[1].replace(/_(bucket|sum|count)$/, '')
    family(families.has(m[1]) || !families.has(base) ? m[1] : base).samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return families
}

/** A parsed scrape. */
export class Scrape {
  readonly families: Map<string, Family>
  constructor (readonly text: string) {
    this.families = parsePrometheusText(text)
  }

  /** Every sample named `name` whose labels include `labels`. */
  samples (name: string, labels: Record<string, string> = {}): Sample[] {
    const out: Sample[] = []
    for (const f of this.families.values()) {
      for (const s of f.samples) {
        if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(s)
      }
    }
    return out
  }

  /** Sum of the matching samples (0 when none). */
  sum (name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((a, s) => a + s.value, 0)
  }
}

/** GETs `path` on the HTTP port; resolves with status and body. */
export async function httpGet (port: number, path: string, method = 'GET'): Promise<{ status: number, body: string, contentType: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method })
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' }
}

/** Scrapes /metrics. */
export async function scrape (port: number): Promise<Scrape> {
  const res = await httpGet(port, '/metrics')
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`)
  return new Scrape(res.body)
}

/** Polls `check` every 50 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function eventually (what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown = null
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (err) {
      last = err
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== null ? ` (last error: ${(last as Error).message})` : ''}`)
}
