// One timer for every socket (not one per socket): each beat terminates the sockets that did
// not answer the previous ping, pings the rest, and resets the flood guard's message count.
// A dead peer (unplugged laptop, NAT dropped the mapping) is gone within two beats. A ping
// is a system call, so a beat over 20k sockets yields to the event loop every SLICE sockets.
import type { Client, Connections } from './connections.ts';

const SLICE = 1000;

export function startHeartbeat(
  conns: Connections,
  intervalMs: number,
  maxMessagesPerBeat: number,
  /** Ends a socket whose token expired (the gateway closes it with 4401). */
  expire: (client: Client) => void,
): () => void {
  let beating = false;
  const beat = async () => {
    let i = 0;
    for (const client of [...conns]) {
      if (++i % SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      // Gone since the snapshot, or still waiting for its hello.
      if (!conns.has(client) || client.pending) continue;
      if (!client.alive) {
        conns.drop(client, 'heartbeat');
      } else if (client.expiresAt !== undefined && Date.now() >= client.expiresAt) {
        // Its token expired: per-player events stop; the client refreshes and reconnects.
        expire(client);
      } else if (client.received > maxMessagesPerBeat) {
        conns.drop(client, 'flood');
      } else {
        client.alive = false;
        client.received = 0;
        if (client.socket.readyState === client.socket.OPEN) client.socket.ping();
      }
    }
  };
  const timer = setInterval(() => {
    // A beat still running (a huge fleet on a slow box) is not doubled up.
    if (beating) return;
    beating = true;
    void beat().finally(() => (beating = false));
  }, intervalMs);
  // The heartbeat alone must not keep a process alive that is otherwise done.
  timer.unref();
  return () => clearInterval(timer);
}
