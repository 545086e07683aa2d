import type * as net from 'node:net';
import { SluiceError } from '@sluice/errors';

/**
 * What a gated connection does, at the moment of writing to the broker's socket, with a request that
 * changes state in Kafka: `open` writes it, `hold` keeps it (and everything written after it on that
 * socket, so order holds) until the gate opens, `closed` writes nothing more, ever: the socket is destroyed
 * and so is every later one that tries such a write.
 */
export type WriteGateState = 'open' | 'hold' | 'closed';

/**
 * Asked synchronously right before each state-changing request goes to a socket, so nothing runs between the
 * check and the write: the last line of a task's lease (see `LeaseGate`). A check earlier in the call (before
 * the client's metadata lookups, its queue behind a request in flight, its retries) leaves a window in which a
 * process frozen by SIGSTOP, once thawed, sends a request its lease no longer covers.
 */
export interface WriteGate {
  state(): WriteGateState;
}

/** The write that a closed gate refused (the connection's requests fail with it; the client may retry). */
export class WriteGateClosedError extends SluiceError {
  constructor() {
    super('SLUICE_WRITE_GATE_CLOSED', 'a write to Kafka was refused: the task may no longer act');
  }
}

/**
 * Kafka API keys of requests that change state: Produce, OffsetCommit, CreateTopics, DeleteTopics,
 * DeleteRecords, TxnOffsetCommit, AlterConfigs, CreatePartitions, DeleteGroups, IncrementalAlterConfigs,
 * OffsetDelete. Reads (Fetch, Metadata, ListOffsets, OffsetFetch, …) and group heartbeats pass.
 */
const WRITE_API_KEYS = new Set([0, 8, 19, 20, 21, 28, 33, 37, 42, 44, 47]);

/** How often a held write looks at the gate again. */
const HOLD_RECHECK_MS = 20;

/** A request frame: int32 size, then the header's int16 api key. */
function apiKeyOf(chunk: unknown): number | undefined {
  return Buffer.isBuffer(chunk) && chunk.length >= 6 ? chunk.readInt16BE(4) : undefined;
}

type Write = (chunk: unknown, encoding?: BufferEncoding) => boolean;

/** Makes each write of a state-changing request to `socket` pass `gate` first. */
export function gateWrites(socket: net.Socket, gate: WriteGate): void {
  const write = socket.write.bind(socket) as Write;
  const held: Array<[unknown, BufferEncoding | undefined]> = [];
  let timer: NodeJS.Timeout | undefined;
  const refuse = () => {
    held.length = 0;
    socket.destroy(new WriteGateClosedError());
  };
  // Held until the gate opens (then written in order) or closes; a socket that closes meanwhile drops them
  // (the client fails their requests).
  const hold = (chunk: unknown, encoding: BufferEncoding | undefined) => {
    held.push([chunk, encoding]);
    timer ??= setTimeout(release, HOLD_RECHECK_MS);
  };
  const release = () => {
    timer = undefined;
    if (socket.destroyed) return void (held.length = 0);
    const state = gate.state();
    if (state === 'closed') return refuse();
    if (state === 'hold') return void (timer = setTimeout(release, HOLD_RECHECK_MS));
    for (const [chunk, encoding] of held.splice(0)) write(chunk, encoding);
  };
  socket.once('close', () => {
    clearTimeout(timer);
    held.length = 0;
  });
  const gated = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    // Behind a held write everything waits, so the broker sees requests in the order they were made.
    if (held.length > 0) {
      hold(chunk, encoding);
      return true;
    }
    const key = apiKeyOf(chunk);
    if (key === undefined || !WRITE_API_KEYS.has(key)) return write(chunk, encoding);
    const state = gate.state();
    if (state === 'open') return write(chunk, encoding);
    if (state === 'closed') refuse();
    else hold(chunk, encoding);
    return true;
  };
  socket.write = gated as typeof socket.write;
}
