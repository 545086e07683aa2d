/** Big-endian two's complement in the fewest bytes, as Java's `BigInteger.toByteArray()`. */
export function toTwosComplement(value: bigint): Buffer {
  let bytes = 1;
  while (value < -(1n << BigInt(8 * bytes - 1)) || value >= 1n << BigInt(8 * bytes - 1)) bytes++;
  const unsigned = value < 0n ? (1n << BigInt(8 * bytes)) + value : value;
  return Buffer.from(unsigned.toString(16).padStart(2 * bytes, '0'), 'hex');
}

/** Reads big-endian two's complement bytes (Java's `new BigInteger(bytes)`); empty bytes are zero. */
export function fromTwosComplement(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  return (bytes[0] ?? 0) & 0x80 ? unsigned - (1n << BigInt(8 * bytes.length)) : unsigned;
}
