/**
 * Sums `db0:keys=N,expires=M,avg_ttl=T` lines over nodes (avg_ttl weighted by expires): the
 * keyspace one node holding every master's keys would report.
 */
export function sumKeyspaces (texts: readonly string[]): string {
  const dbs = new Map<string, { keys: number, expires: number, ttlWeighted: number }>()
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      const m = /^(db\d+):keys=(\d+),expires=(\d+),avg_ttl=(\d+)/.exec(line)
      if (m === null) continue
      const db = dbs.get(m[1]) ?? { keys: 0, expires: 0, ttlWeighted: 0 }
      db.keys += Number(m[2])
      db.expires += Number(m[3])
      db.ttlWeighted += Number(m[4]) * Number(m[3])
      dbs.set(m[1], db)
    }
  }
  let out = ''
  for (const [name, db] of [...dbs].sort((a, b) => Number(a[0].slice(2)) - Number(b[0].slice(2)))) {
    const avg = db.expires > 0 ? Math.round(db.ttlWeighted / db.expires) : 0
    out += `${name}:keys=${db.keys},expires=${db.expires},avg_ttl=${avg}\r\n`
  }
  return out
}
