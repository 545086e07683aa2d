import { SluiceError } from '@sluice/errors';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import {
  AssignmentError,
  ProtocolDecodeError,
  ProtocolEncodeError,
  TaskId,
  WorkerAssignment,
  WorkerMetadata,
  workerProtocol,
} from './index.js';

const assignment: WorkerAssignment = {
  version: 1,
  error: AssignmentError.NONE,
  leaderId: 'sluice-1-5b1c0f2e-7f53-4c43-bd5a-b9b3a1b6f1d4',
  leaderUrl: 'http://10.0.0.1:8083/',
  configOffset: 2 ** 40 + 7,
  connectors: ['file-source', 'jdbc-sink'],
  tasks: [
    { connector: 'file-source', task: 0 },
    { connector: 'jdbc-sink', task: 11 },
  ],
  revokedConnectors: ['ünïcode-connector ✓'],
  revokedTasks: [{ connector: 'ünïcode-connector ✓', task: 3 }],
  delayMs: 300_000,
  rejoin: true,
};

describe('generated codecs', () => {
  it('round-trips an assignment with every field set', () => {
    const bytes = WorkerAssignment.encode(assignment);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(WorkerAssignment.decode(bytes)).toEqual(assignment);
  });

  it('round-trips member metadata, keeping large int64 offsets exact', () => {
    const metadata: WorkerMetadata = {
      version: 1,
      url: 'https://worker-2.example:8443',
      configOffset: Number.MAX_SAFE_INTEGER,
      connectors: ['a'],
      tasks: [{ connector: 'a', task: 0 }],
      plugins: ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'FileStreamSource'],
      sluiceVersion: '0.1.0',
    };
    expect(WorkerMetadata.decode(WorkerMetadata.encode(metadata))).toEqual(metadata);
  });

  it('decodes empty bytes to a message with proto3 defaults for every field', () => {
    expect(WorkerAssignment.decode(new Uint8Array())).toEqual({
      version: 0,
      error: 0,
      leaderId: '',
      leaderUrl: '',
      configOffset: 0,
      connectors: [],
      tasks: [],
      revokedConnectors: [],
      revokedTasks: [],
      delayMs: 0,
      rejoin: false,
    });
    expect(TaskId.decode(TaskId.encode({ connector: 'c', task: 0 }))).toEqual({ connector: 'c', task: 0 });
  });

  it('keeps enum values it does not know (sent by a newer leader), but does not send them', () => {
    // Field 2 (varint) = 42.
    expect(WorkerAssignment.decode(Uint8Array.from([0x10, 0x2a])).error).toBe(42);
    expect(() => WorkerAssignment.encode({ ...assignment, error: 42 })).toThrow(/error: enum value expected/);
  });

  it('ignores fields added by a newer version', () => {
    const bytes = WorkerAssignment.encode(assignment);
    const writer = protobuf.Writer.create();
    writer.uint32((99 << 3) | 2).string('from the future');
    const extended = new Uint8Array([...bytes, ...writer.finish()]);
    expect(WorkerAssignment.decode(extended)).toEqual(assignment);
  });

  it('has the wire format of the .proto field numbers', () => {
    // Field 1 (varint) = 1, field 2 (length-delimited) = "u": what any protobuf implementation writes.
    const bytes = Uint8Array.from([0x08, 0x01, 0x12, 0x01, 0x75]);
    expect(WorkerMetadata.decode(bytes)).toMatchObject({ version: 1, url: 'u', configOffset: 0 });
  });
});

describe('decoding garbage', () => {
  function decodeError(bytes: Uint8Array): unknown {
    try {
      WorkerAssignment.decode(bytes);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it.each([
    ['an invalid wire type', [0x7f, 0x01]],
    ['a truncated length-delimited field', [0x22, 0x10, 0x68, 0x74]],
    ['a truncated varint', [0x08, 0xff, 0xff]],
    ['a nested message that overruns its parent', [0x3a, 0x02, 0x0a, 0x09]],
  ])('throws a SluiceError with a stable code on %s', (_what, bytes) => {
    const error = decodeError(Uint8Array.from(bytes));
    expect(error).toBeInstanceOf(ProtocolDecodeError);
    expect(SluiceError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'SLUICE_PROTOCOL_DECODE_FAILED',
      retriable: false,
      typeName: 'sluice.group.v1.WorkerAssignment',
    });
    expect((error as Error).message).toMatch(/^cannot decode sluice\.group\.v1\.WorkerAssignment: /);
  });

  it('rejects input that is not bytes', () => {
    expect(() => WorkerAssignment.decode(null as unknown as Uint8Array)).toThrow(ProtocolDecodeError);
    expect(() => WorkerAssignment.decode('0801' as unknown as Uint8Array)).toThrow(ProtocolDecodeError);
  });

  it('never throws anything but ProtocolDecodeError on random bytes', () => {
    // A fixed-seed generator keeps failures reproducible.
    let seed = 0x5eed;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >>> 16;
    };
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (next() % 64) }, () => next() & 0xff);
      for (const codec of [WorkerAssignment, WorkerMetadata]) {
        try {
          codec.decode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolDecodeError);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('encoding', () => {
  it('rejects a field of the wrong type with a clear message', () => {
    const bad = { ...assignment, configOffset: 'twelve' } as unknown as WorkerAssignment;
    expect(() => WorkerAssignment.encode(bad)).toThrow(ProtocolEncodeError);
    expect(() => WorkerAssignment.encode(bad)).toThrow(
      /cannot encode sluice\.group\.v1\.WorkerAssignment: configOffset/,
    );
    const badTask = { ...assignment, tasks: [{ connector: 'x', task: 1.5 }] };
    expect(() => WorkerAssignment.encode(badTask)).toThrow(ProtocolEncodeError);
  });
});

describe('workerProtocol', () => {
  const metadata: WorkerMetadata = {
    version: 2,
    url: 'http://w1:8083/',
    configOffset: 12,
    connectors: ['src'],
    tasks: [{ connector: 'src', task: 0 }],
    plugins: ['FileStreamSource'],
    sluiceVersion: '0.2.0',
  };

  it('carries its name and round-trips metadata and assignments through protobuf', () => {
    const protocol = workerProtocol('sluice-v2');
    expect(protocol.name).toBe('sluice-v2');
    const metadataBytes = protocol.encodeMetadata(metadata);
    expect(metadataBytes).toEqual(WorkerMetadata.encode(metadata));
    expect(protocol.decodeMetadata(metadataBytes)).toEqual(metadata);
    const assignmentBytes = protocol.encodeAssignment(assignment);
    expect(assignmentBytes.length).toBeGreaterThan(0);
    expect(protocol.decodeAssignment(assignmentBytes)).toEqual(assignment);
  });

  it('rejects messages of version 0, which is what empty or foreign bytes decode to', () => {
    const protocol = workerProtocol('sluice-v1');
    expect(() => protocol.decodeAssignment(new Uint8Array())).toThrow(
      new ProtocolDecodeError('sluice.group.v1.WorkerAssignment', 'version 0 is not valid'),
    );
    expect(() => protocol.decodeMetadata(Uint8Array.from([0x12, 0x01, 0x75]))).toThrow(
      'cannot decode sluice.group.v1.WorkerMetadata: version 0 is not valid',
    );
  });

  it('reads what an older worker sent: the fields it did not know are empty', () => {
    // A version-1 worker's metadata: fields 1-5 only.
    const old = WorkerMetadata.encode({ ...metadata, version: 1, plugins: [], sluiceVersion: '' });
    expect(workerProtocol('sluice-v1').decodeMetadata(old)).toMatchObject({ plugins: [], sluiceVersion: '' });
  });
});
