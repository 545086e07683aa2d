import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import { gateWrites, type WriteGate } from './write-gate.js';

/** kafkajs's keep-alive for its sockets. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * kafkajs's socket factory with Nagle's algorithm off, as Kafka's Java clients and brokers have it
 * (`TCP_NODELAY`): with it on, the last part of a large request waits for the acknowledgement of the part
 * before, which the broker delays by up to 40 ms, and a producer that sends one request at a time stalls.
 * With a `gate`, each write of a state-changing request passes it first (see `WriteGate`).
 */
export function kafkaSocketFactory(gate?: WriteGate): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    socket.setNoDelay(true);
    if (gate !== undefined) gateWrites(socket, gate);
    return socket;
  };
}
