// Base64 decoding exactly as `java.util.Base64.getDecoder().decode(String)` (RFC 4648 basic alphabet, no
// line breaks) does it, messages included. Connect decodes both the request signature header and the
// session key record with it, so what it refuses (and with which words) decides whether a request is a
// 400 or a 403. Node's decoder is lenient (skips bad characters, accepts the URL alphabet), hence this one.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 0x3d; // '='
const SIXBITS = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SIXBITS[ALPHABET.charCodeAt(i)] = i;
SIXBITS[PAD] = -2;

/** Text that Java's Base64 decoder refuses; `message` is the one Java's `IllegalArgumentException` carries. */
export class JavaBase64Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JavaBase64Error';
  }
}

/** The bytes `text` decodes to, or a {@link JavaBase64Error} with Java's message. */
export function decodeJavaBase64(text: string): Buffer {
  // Java decodes `text.getBytes(ISO_8859_1)`: characters beyond U+00FF become '?'.
  const src = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    src[i] = code > 0xff ? 0x3f : code;
  }
  const length = src.length;
  if (length === 0) return Buffer.alloc(0);
  if (length < 2) throw new JavaBase64Error('Input byte[] should at least have 2 bytes for base64 bytes');

  const out = Buffer.alloc(Math.ceil(length / 4) * 3);
  let sp = 0;
  let dp = 0;
  let bits = 0;
  let shift = 18;
  while (sp < length) {
    const byte = src[sp++]!;
    const value = SIXBITS[byte]!;
    if (value === -2) {
      // '=' may only end a unit of two or three characters ("xx==", "xxx=").
      if ((shift === 6 && (sp === length || src[sp++] !== PAD)) || shift === 18)
        throw new JavaBase64Error('Input byte array has wrong 4-byte ending unit');
      break;
    }
    if (value < 0) {
      // Java prints the offending byte as a signed Java byte in hexadecimal (0xE9 is "-17").
      const signed = byte > 0x7f ? byte - 0x100 : byte;
      throw new JavaBase64Error(`Illegal base64 character ${signed.toString(16)}`);
    }
    bits |= value << shift;
    shift -= 6;
    if (shift < 0) {
      out[dp++] = (bits >> 16) & 0xff;
      out[dp++] = (bits >> 8) & 0xff;
      out[dp++] = bits & 0xff;
      shift = 18;
      bits = 0;
    }
  }
  if (shift === 6) {
    out[dp++] = (bits >> 16) & 0xff;
  } else if (shift === 0) {
    out[dp++] = (bits >> 16) & 0xff;
    out[dp++] = (bits >> 8) & 0xff;
  } else if (shift === 12) {
    throw new JavaBase64Error('Last unit does not have enough valid bits');
  }
  if (sp < length) throw new JavaBase64Error(`Input byte array has incorrect ending byte at ${sp}`);
  return out.subarray(0, dp);
}
