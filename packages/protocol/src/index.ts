export type { Codec } from './codec.js';
export { ProtocolDecodeError, ProtocolEncodeError } from './codec.js';
export * from './generated/index.js';
export * from './signing/index.js';
