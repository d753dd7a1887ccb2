// A lean HTTP/1.1 client for the load generator: persistent sockets, one request in flight per
// socket, requests written as one pre-formatted string, responses read by the status line and
// Content-Length only. node:http's client costs more CPU per request than the server's whole
// no-op route, and on a 2-core box that shares the cores with the server and PostgreSQL the
// generator must not be what is measured.
import net from 'node:net';

export interface RawRequest {
  head: string;
  body: string;
  done: (status: number) => void;
}

interface Conn {
  socket: net.Socket;
  busy: RawRequest | undefined;
  buffer: Buffer;
}

export class RawHttpPool {
  private readonly idle: Conn[] = [];
  private readonly waiting: RawRequest[] = [];
  private readonly all: Conn[] = [];

  constructor(
    private readonly port: number,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.open();
  }

  request(req: RawRequest): void {
    const conn = this.idle.pop();
    if (conn) this.send(conn, req);
    else this.waiting.push(req);
  }

  close(): void {
    for (const c of this.all) c.socket.destroy();
  }

  private open(): void {
    const socket = net.connect({ port: this.port, host: '127.0.0.1', noDelay: true });
    const conn: Conn = { socket, busy: undefined, buffer: Buffer.alloc(0) };
    this.all.push(conn);
    socket.on('connect', () => this.release(conn));
    socket.on('data', (chunk: Buffer) => this.read(conn, chunk));
    const fail = () => {
      const req = conn.busy;
      conn.busy = undefined;
      req?.done(0);
      const at = this.all.indexOf(conn);
      if (at >= 0) this.all.splice(at, 1);
      const idleAt = this.idle.indexOf(conn);
      if (idleAt >= 0) this.idle.splice(idleAt, 1);
    };
    socket.on('error', fail);
    socket.on('close', fail);
  }

  private send(conn: Conn, req: RawRequest): void {
    conn.busy = req;
    conn.socket.write(`${req.head}Content-Length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`);
  }

  private release(conn: Conn): void {
    const next = this.waiting.shift();
    if (next) this.send(conn, next);
    else this.idle.push(conn);
  }

  private read(conn: Conn, chunk: Buffer): void {
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk;
    for (;;) {
      const end = conn.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = conn.buffer.toString('latin1', 0, end);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const total = end + 4 + (length ? Number(length[1]) : 0);
      if (conn.buffer.length < total) return;
      conn.buffer = conn.buffer.subarray(total);
      const status = Number(head.slice(9, 12));
      const req = conn.busy;
      conn.busy = undefined;
      req?.done(status);
      this.release(conn);
    }
  }
}
