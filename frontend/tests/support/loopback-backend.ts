import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP server on 127.0.0.1:<random port> playing the backend, so the proxy's real fetch,
// header handling and error paths are exercised over a socket instead of against a mocked fetch.

export type ReceivedRequest = { method: string; url: string; headers: IncomingHttpHeaders; body: string };
export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type Responder = (request: ReceivedRequest) => Reply;

export type LoopbackBackend = {
  url: string;
  received: ReceivedRequest[];
  respondWith: (responder: Responder) => void;
  close: () => Promise<void>;
};

export async function startLoopbackBackend(): Promise<LoopbackBackend> {
  const received: ReceivedRequest[] = [];
  let responder: Responder = () => ({ status: 200, body: {} });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const reply = responder(request);
      const hasBody = reply.body !== undefined && reply.status !== 204;
      res.writeHead(reply.status, {
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...reply.headers,
      });
      res.end(hasBody ? JSON.stringify(reply.body) : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respondWith: (next) => {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens: a port that was just bound and released. */
export async function unusedLoopbackUrl(): Promise<string> {
  const backend = await startLoopbackBackend();
  await backend.close();
  return backend.url;
}
