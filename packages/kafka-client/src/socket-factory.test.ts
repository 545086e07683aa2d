import * as net from 'node:net';
import { once } from 'node:events';
import { kafkaBootstrap } from '@sluice/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKafka } from './kafka.js';
import { kafkaSocketFactory } from './socket-factory.js';

afterEach(() => vi.restoreAllMocks());

/** The sockets that `setNoDelay(true)` was called on while `run` ran. */
async function noDelaySockets(run: () => Promise<void>): Promise<Set<net.Socket>> {
  const sockets = new Set<net.Socket>();
  const original = net.Socket.prototype.setNoDelay; // eslint-disable-line @typescript-eslint/unbound-method
  vi.spyOn(net.Socket.prototype, 'setNoDelay').mockImplementation(function (this: net.Socket, on) {
    if (on === true) sockets.add(this);
    return original.call(this, on);
  });
  await run();
  return sockets;
}

describe('kafkaSocketFactory', () => {
  it('turns Nagle off on every socket, with and without a write gate', async () => {
    const server = net.createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    try {
      const made: net.Socket[] = [];
      const sockets = await noDelaySockets(async () => {
        for (const factory of [kafkaSocketFactory(), kafkaSocketFactory({ state: () => 'open' })]) {
          const socket = factory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: () => {} });
          made.push(socket);
          await once(socket, 'connect');
        }
      });
      expect(made.map((socket) => sockets.has(socket))).toEqual([true, true]);
      for (const socket of made) socket.destroy();
    } finally {
      server.close();
    }
  });

  it('is what createKafka connects to brokers with', async () => {
    const sockets = await noDelaySockets(async () => {
      const admin = createKafka({ brokers: kafkaBootstrap() }).admin();
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
    });
    expect(sockets.size).toBeGreaterThan(0);
  });
});
