export type { Codec } from './codec.js';
export { ProtocolDecodeError, ProtocolEncodeError } from './codec.js';
export type { GroupProtocol } from './group-protocol.js';
export { workerProtocol } from './group-protocol.js';
export * from './generated/index.js';
export * from './signing/index.js';
