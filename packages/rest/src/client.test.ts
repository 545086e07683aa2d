import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerClient, PeerUnreachableError } from './client.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  // Kept-alive connections would hold a server open until the client's pool drops them.
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/**
 * A peer that answers the first `answered` requests of a connection and closes it, unanswered, at the next
 * (1: a peer that closes a kept-alive connection as a request goes out; 0: one that dies on a request).
 */
async function closingPeer(answered = 1): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    let requests = 0;
    socket.on('data', () => {
      if (++requests <= answered) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      else socket.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}/connectors/a/config`;
}

async function failure(promise: Promise<unknown>): Promise<PeerUnreachableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PeerUnreachableError);
  return error as PeerUnreachableError;
}

describe('PeerClient', () => {
  it('counts an idempotent request on a kept-alive connection that closed unanswered as never sent', async () => {
    const url = await closingPeer();
    const client = new PeerClient({ timeoutMs: 5_000 });
    expect((await client.request(url, { method: 'GET' })).status).toBe(200);
    const error = await failure(client.request(url, { method: 'PUT', body: Buffer.from('{}') }));
    expect(error.sent).toBe(false);
  });

  it('counts any other request that may have reached the peer as sent', async () => {
    const url = await closingPeer(0);
    const client = new PeerClient({ timeoutMs: 5_000 });
    // Not idempotent: the peer may have acted on it before the connection ended.
    expect((await failure(client.request(url, { method: 'POST', body: Buffer.from('{}') }))).sent).toBe(true);
  });

  it('sends a request that is not idempotent on a connection of its own, never on a kept-alive one the peer may be closing', async () => {
    const url = await closingPeer();
    const client = new PeerClient({ timeoutMs: 5_000 });
    expect((await client.request(url, { method: 'GET' })).status).toBe(200);
    expect((await client.request(url, { method: 'POST', body: Buffer.from('{}') })).status).toBe(200);
  });
});
