import { SluiceError } from '@sluice/errors';
import protobuf from 'protobufjs/light.js';

/** Encodes and decodes one protobuf message type. */
export interface Codec<T> {
  /** Fully qualified protobuf name, for example `sluice.group.v1.Assignment`. */
  readonly typeName: string;
  /** The message in protobuf wire format. Throws {@link ProtocolEncodeError} if a field has the wrong type. */
  encode(message: T): Uint8Array;
  /**
   * The message read from protobuf wire format, every field present (proto3 defaults for absent ones).
   * Throws {@link ProtocolDecodeError} on bytes that are not a valid encoding.
   */
  decode(bytes: Uint8Array): T;
}

/** Bytes that are not a valid encoding of the expected message. */
export class ProtocolDecodeError extends SluiceError {
  readonly typeName: string;

  constructor(typeName: string, cause: unknown) {
    super('SLUICE_PROTOCOL_DECODE_FAILED', `cannot decode ${typeName}: ${describe(cause)}`, { cause });
    this.typeName = typeName;
  }
}

/** A message whose fields do not match its schema (a bug in the caller, never retriable). */
export class ProtocolEncodeError extends SluiceError {
  readonly typeName: string;

  constructor(typeName: string, reason: string, cause?: unknown) {
    super('SLUICE_PROTOCOL_ENCODE_FAILED', `cannot encode ${typeName}: ${reason}`, { cause });
    this.typeName = typeName;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Builds the reflection root of one generated module from its JSON descriptor. */
export function loadDescriptor(descriptor: protobuf.INamespace): protobuf.Root {
  return protobuf.Root.fromJSON(descriptor);
}

// Every field present, int64 as number, enums as their numeric value: the shape of the generated interfaces.
const toObjectOptions: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
};

/** A codec for `typeName`, which must be declared in `root`. */
export function createCodec<T>(root: protobuf.Root, typeName: string): Codec<T> {
  const type = root.lookupType(typeName);
  return {
    typeName,
    encode(message: T): Uint8Array {
      const invalid = type.verify(message as Record<string, unknown>);
      if (invalid !== null) throw new ProtocolEncodeError(typeName, invalid);
      try {
        return type.encode(type.fromObject(message as Record<string, unknown>)).finish();
      } catch (error) {
        throw new ProtocolEncodeError(typeName, describe(error), error);
      }
    },
    decode(bytes: Uint8Array): T {
      if (!(bytes instanceof Uint8Array))
        throw new ProtocolDecodeError(typeName, 'input is not a Uint8Array');
      try {
        return type.toObject(type.decode(bytes), toObjectOptions) as T;
      } catch (error) {
        throw new ProtocolDecodeError(typeName, error);
      }
    },
  };
}
