import type net from 'node:net'

/** Starts `server` listening on `bind:port`; resolves with the bound port (useful with port 0). */
export async function listenOn (server: net.Server, port: number, bind: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, bind, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as net.AddressInfo).port
}
