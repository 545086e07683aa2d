import { ProtocolDecodeError } from './codec.js';
import { WorkerAssignment, WorkerMetadata } from './generated/group.js';

/**
 * One assignment protocol of a Kafka group (Kafka's "group protocol" within a protocol type): the name a member
 * offers in JoinGroup and the codecs of the metadata it sends there and of the assignment the leader sends
 * back through SyncGroup. A member offers several, in order of preference; the coordinator picks one that
 * every member offers.
 *
 * Encodings are never empty: zero assignment bytes mean the leader sent the member no assignment.
 * Decoders throw on bytes they cannot use.
 */
export interface GroupProtocol<M, A> {
  /** Protocol name sent in JoinGroup (for example `sluice-v2`, `range`). */
  readonly name: string;
  encodeMetadata(metadata: M): Uint8Array;
  decodeMetadata(bytes: Uint8Array): M;
  encodeAssignment(assignment: A): Uint8Array;
  decodeAssignment(bytes: Uint8Array): A;
}

/** Version 0 is what an empty or foreign message decodes to in proto3: nobody sends it. */
function checkVersion<T extends { version: number }>(typeName: string, message: T): T {
  if (message.version < 1) throw new ProtocolDecodeError(typeName, `version ${message.version} is not valid`);
  return message;
}

/**
 * The Sluice workers' group protocol named `name` (protocol type `sluice`): protobuf `WorkerMetadata` in
 * JoinGroup and `WorkerAssignment` in SyncGroup. Versions share the codec (protobuf fields evolve
 * compatibly); the name tells the leader which semantics the whole group understands, so a worker that can
 * speak two versions offers `[workerProtocol('sluice-v2'), workerProtocol('sluice-v1')]` during a rolling
 * upgrade. Decoding rejects messages of version 0 with `ProtocolDecodeError`.
 */
export function workerProtocol(name: string): GroupProtocol<WorkerMetadata, WorkerAssignment> {
  return {
    name,
    encodeMetadata: (metadata) => WorkerMetadata.encode(metadata),
    decodeMetadata: (bytes) => checkVersion(WorkerMetadata.typeName, WorkerMetadata.decode(bytes)),
    encodeAssignment: (assignment) => WorkerAssignment.encode(assignment),
    decodeAssignment: (bytes) => checkVersion(WorkerAssignment.typeName, WorkerAssignment.decode(bytes)),
  };
}
