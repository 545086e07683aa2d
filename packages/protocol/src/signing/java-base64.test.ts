import { describe, expect, it } from 'vitest';
import { decodeJavaBase64, JavaBase64Error } from './java-base64.js';

// Outcomes of `java.util.Base64.getDecoder().decode(String)` on OpenJDK 17.0.15 for each input (hex of the
// bytes, or the IllegalArgumentException's message). The decoder also agreed with Java on 20,000 random
// strings over the alphabet, '=', '-', '_', space, newline, 'é' and '一' while it was written.
const JAVA: Array<[string, string]> = [
  ['', 'OK '],
  ['A', 'ERR Input byte[] should at least have 2 bytes for base64 bytes'],
  ['=', 'ERR Input byte[] should at least have 2 bytes for base64 bytes'],
  ['==', 'ERR Input byte array has wrong 4-byte ending unit'],
  ['AA', 'OK 00'],
  ['AA=', 'ERR Input byte array has wrong 4-byte ending unit'],
  ['AA==', 'OK 00'],
  ['AAA', 'OK 0000'],
  ['AAA=', 'OK 0000'],
  ['AAAA', 'OK 000000'],
  ['AAAA=', 'ERR Input byte array has wrong 4-byte ending unit'],
  ['AAAAA', 'ERR Last unit does not have enough valid bits'],
  ['AB==', 'OK 00'],
  ['AAA==', 'ERR Input byte array has incorrect ending byte at 4'],
  ['AA==A', 'ERR Input byte array has incorrect ending byte at 4'],
  ['AAAA====', 'ERR Input byte array has wrong 4-byte ending unit'],
  ['QQ', 'OK 41'],
  ['QR==', 'OK 41'],
  ['QUJD', 'OK 414243'],
  ['QUJDRA', 'OK 41424344'],
  ['QUJDRA=', 'ERR Input byte array has wrong 4-byte ending unit'],
  ['QUJDRA==', 'OK 41424344'],
  ['QUJDRB==', 'OK 41424344'],
  ['QUJDRA==x', 'ERR Input byte array has incorrect ending byte at 8'],
  ['Q=Q=', 'ERR Last unit does not have enough valid bits'],
  ['//==', 'OK ff'],
  ['+/+/', 'OK fbffbf'],
  ['é', 'ERR Input byte[] should at least have 2 bytes for base64 bytes'],
  ['AAé=', 'ERR Illegal base64 character -17'],
  ['QUJD\u00ff', 'ERR Illegal base64 character -1'],
  ['AAA\u4e00', 'ERR Illegal base64 character 3f'],
  ['QUJD-_', 'ERR Illegal base64 character 2d'],
  ['QUJD\nRA==', 'ERR Illegal base64 character a'],
  ['AAAA AAAA', 'ERR Illegal base64 character 20'],
  ['not base64!', 'ERR Illegal base64 character 20'],
];

describe("Java's strict Base64 decoder", () => {
  it.each(JAVA)('%j', (input, expected) => {
    let outcome: string;
    try {
      outcome = `OK ${decodeJavaBase64(input).toString('hex')}`;
    } catch (error) {
      expect(error).toBeInstanceOf(JavaBase64Error);
      outcome = `ERR ${(error as Error).message}`;
    }
    expect(outcome).toBe(expected);
  });

  it('decodes what Node encodes, for every length', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length) & 0xff));
      expect(decodeJavaBase64(bytes.toString('base64'))).toEqual(bytes);
    }
  });
});
