import { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { createSecureContext, type ConnectionOptions, type SecureVersion } from 'node:tls';
import type * as Forge from 'node-forge';
import { FileReadError, readRegularFile } from '@sluice/config-providers';

// node-forge is CommonJS and adds its parts to one object at load time, which ESM cannot see as named exports.
const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;

/** The TLS keys of the config, resolved (passwords as plain strings, null when unset). */
export interface TlsSettings {
  /** `https.ssl.keystorefile`: a file path, a `data:…;base64,…` value or inline PEM. */
  readonly keystore: string | null;
  readonly keystorePassword: string | null;
  readonly keyPassword: string | null;
  /** `https.ssl.truststorefile`, as the key store. */
  readonly truststore: string | null;
  readonly truststorePassword: string | null;
  /** `https.ssl.protocol`: `TLSv1.2`, `TLSv1.3` or `TLS`. */
  readonly protocol: string;
}

export const KEYSTORE_CONFIG = 'https.ssl.keystorefile';
export const KEYSTORE_PASSWORD_CONFIG = 'https.ssl.keystore.password';
export const KEY_PASSWORD_CONFIG = 'https.ssl.key.password';
export const TRUSTSTORE_CONFIG = 'https.ssl.truststorefile';
export const TRUSTSTORE_PASSWORD_CONFIG = 'https.ssl.truststore.password';
export const PROTOCOL_CONFIG = 'https.ssl.protocol';

/** The `https.ssl.protocol` values: a version caps the handshake at it (as a Java SSLContext of that name). */
export const TLS_PROTOCOLS = Object.freeze(['TLSv1.3', 'TLSv1.2', 'TLS']);

/** A store that cannot be used, with the config key to report it on. */
export class StoreError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** The largest store file read: 1 MiB (the Mozilla CA bundle is about 220 KB as PEM). */
export const MAX_STORE_BYTES = 1024 * 1024;

/**
 * The most key derivation iterations a store may ask for, in all (PKCS12 MAC, PBE and PBKDF2 parameters,
 * scrypt's cost, summed over the store). Deriving keys runs on the thread that reads the store, the REST
 * API's for `validate`, so a store asking for billions would freeze it; node-forge, which reads PKCS12 trust
 * stores, takes about 1.3 s for this many. keytool's stores ask for 20,000 (a trust store) or 30,000 (a key
 * store), openssl's for about 6,000.
 */
export const MAX_KEY_DERIVATION_ITERATIONS = 50_000;

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

/**
 * Node TLS options from the stores: the key store gives the client certificate and key (mutual TLS), the trust
 * store the CA certificates the server's certificate must chain to (instead of Node's bundled CAs, as a Java
 * trust store replaces the JVM's). Stores are PKCS12 or PEM; a trust store may also be one DER certificate.
 * PKCS12 trust stores (keytool's or openssl's) are read with node-forge, since Node reads PKCS12 only as a key
 * store. JKS and JCEKS are refused with the keytool command that converts them. A store file is read
 * asynchronously, only when it is a regular file of at most {@link MAX_STORE_BYTES}, and a store asking for
 * more than {@link MAX_KEY_DERIVATION_ITERATIONS} key derivation iterations in all is refused before any runs.
 * Rejects with a {@link StoreError}.
 */
export async function tlsOptions(settings: TlsSettings): Promise<ConnectionOptions> {
  const options: ConnectionOptions = {};
  if (settings.protocol !== 'TLS') {
    options.minVersion = 'TLSv1.2';
    options.maxVersion = settings.protocol as SecureVersion;
  }
  const keystore =
    settings.keystore === null ? null : await readStore(KEYSTORE_CONFIG, settings.keystore, 'key store');
  const truststore =
    settings.truststore === null
      ? null
      : await readStore(TRUSTSTORE_CONFIG, settings.truststore, 'trust store');
  if (keystore !== null) Object.assign(options, keyStoreOptions(settings, keystore));
  if (truststore !== null) options.ca = trustedCertificates(settings, truststore);
  return options;
}

function keyStoreOptions(settings: TlsSettings, store: Store): ConnectionOptions {
  let options: ConnectionOptions;
  if (store.type === 'PEM') {
    if (
      !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(store.text) ||
      !store.text.includes('-----BEGIN CERTIFICATE-----')
    ) {
      throw new StoreError(
        KEYSTORE_CONFIG,
        `${KEYSTORE_CONFIG}: a PEM key store needs a private key and a certificate`,
      );
    }
    const passphrase = settings.keyPassword ?? settings.keystorePassword ?? undefined;
    options = { key: store.text, cert: store.text, ...(passphrase === undefined ? {} : { passphrase }) };
  } else {
    const passphrase = settings.keystorePassword ?? settings.keyPassword;
    if (passphrase === null) {
      throw new StoreError(
        KEYSTORE_PASSWORD_CONFIG,
        `${KEYSTORE_PASSWORD_CONFIG} is required to read the PKCS12 key store in ${KEYSTORE_CONFIG}`,
      );
    }
    options = { pfx: store.bytes, passphrase };
  }
  try {
    // Reading the key now reports a wrong password or a broken store at validation, not at the first request.
    createSecureContext(options);
  } catch (error) {
    const reason = (error as Error).message;
    const hint = /mac verify|bad decrypt|passphrase|decrypt/i.test(reason)
      ? ` (wrong ${store.type === 'PEM' ? KEY_PASSWORD_CONFIG : KEYSTORE_PASSWORD_CONFIG}?)`
      : '';
    throw new StoreError(
      KEYSTORE_CONFIG,
      `${KEYSTORE_CONFIG}: cannot read the ${store.type} key store${hint}: ${reason}`,
    );
  }
  return options;
}

function trustedCertificates(settings: TlsSettings, store: Store): string[] {
  let certificates: string[];
  if (store.type === 'PEM') {
    certificates = [
      ...store.text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g),
    ].map((m) => m[0]);
  } else {
    const der = derCertificate(store.bytes);
    certificates = der === null ? pkcs12Certificates(settings.truststorePassword, store.bytes) : [der];
  }
  if (certificates.length === 0) {
    throw new StoreError(TRUSTSTORE_CONFIG, `${TRUSTSTORE_CONFIG}: the trust store holds no certificate`);
  }
  for (const pem of certificates) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new StoreError(
        TRUSTSTORE_CONFIG,
        `${TRUSTSTORE_CONFIG}: a certificate cannot be read: ${(error as Error).message}`,
      );
    }
  }
  return certificates;
}

/** The PEM of a store that is one DER certificate, or null when it is something else (PKCS12). */
function derCertificate(bytes: Buffer): string | null {
  try {
    return new X509Certificate(bytes).toString();
  } catch {
    return null;
  }
}

function pkcs12Certificates(password: string | null, bytes: Buffer): string[] {
  if (password === null) {
    throw new StoreError(
      TRUSTSTORE_PASSWORD_CONFIG,
      `${TRUSTSTORE_PASSWORD_CONFIG} is required to read the PKCS12 trust store in ${TRUSTSTORE_CONFIG}`,
    );
  }
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(bytes.toString('binary')), false, password);
  } catch (error) {
    const reason = (error as Error).message;
    const hint = /MAC|password/i.test(reason) ? ` (wrong ${TRUSTSTORE_PASSWORD_CONFIG}?)` : '';
    throw new StoreError(
      TRUSTSTORE_CONFIG,
      `${TRUSTSTORE_CONFIG}: cannot read the PKCS12 trust store${hint}: ${reason}`,
    );
  }
  const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag ?? ''] ?? [];
  return bags.flatMap((bag) => {
    // forge decodes RSA certificates only; others keep their ASN.1, which Node reads.
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    if (asn1 === undefined) return [];
    return [new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')).toString()];
  });
}

interface Store {
  readonly type: 'PEM' | 'PKCS12';
  readonly bytes: Buffer;
  readonly text: string;
}

/** How many levels of DER inside OCTET STRINGs the key derivation check reads. */
const MAX_NESTED_DER = 4;

/** A store's bytes from a `data:` URL, inline PEM or a file, with its type. */
async function readStore(key: string, value: string, what: string): Promise<Store> {
  const bytes = await storeBytes(key, value);
  const text = bytes.toString('utf8');
  if (/^\s*-----BEGIN /.test(text) || text.includes('\n-----BEGIN ')) {
    let iterations = 0;
    for (const block of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
      iterations += keyDerivationIterations(Buffer.from(block[2]!.replace(/^[\w-]+:.*$/gm, ''), 'base64'));
    }
    checkKeyDerivation(key, what, iterations);
    return { type: 'PEM', bytes, text };
  }
  const magic = bytes.length >= 4 ? bytes.readUInt32BE(0) : 0;
  if (magic === JKS_MAGIC || magic === JCEKS_MAGIC) {
    const kind = magic === JKS_MAGIC ? 'JKS' : 'JCEKS';
    throw new StoreError(
      key,
      `${key}: the ${what} is a ${kind} store, which Sluice cannot read; convert it to PKCS12 with ` +
        `keytool -importkeystore -srckeystore store.jks -srcstoretype ${kind} -destkeystore store.p12 -deststoretype PKCS12` +
        ' and give the PKCS12 file (or its data:…;base64, value)',
    );
  }
  // DER (a PKCS12 file or a certificate) starts with an ASN.1 SEQUENCE.
  if (bytes[0] !== 0x30) {
    throw new StoreError(key, `${key}: the ${what} is neither PKCS12 nor PEM (nor JKS)`);
  }
  checkKeyDerivation(key, what, keyDerivationIterations(bytes));
  return { type: 'PKCS12', bytes, text };
}

async function storeBytes(key: string, value: string): Promise<Buffer> {
  const trimmed = value.trim();
  if (/^data:/i.test(trimmed)) {
    const comma = trimmed.indexOf(',');
    // The reference writes the prefix both as `data:text/plain;base64,` and `data:text/plain:base64,`.
    const header = comma < 0 ? '' : trimmed.slice(5, comma);
    if (comma < 0) throw new StoreError(key, `${key}: a data: value needs a ',' before the content`);
    const content = trimmed.slice(comma + 1);
    if (/[;:]base64$/i.test(header)) {
      const compact = content.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.length === 0) {
        throw new StoreError(key, `${key}: the data: value is not valid base64`);
      }
      return Buffer.from(compact, 'base64');
    }
    try {
      return Buffer.from(decodeURIComponent(content), 'utf8');
    } catch {
      throw new StoreError(key, `${key}: the data: value is not valid percent-encoded text`);
    }
  }
  if (trimmed.startsWith('-----BEGIN ')) return Buffer.from(trimmed, 'utf8');
  try {
    return await readRegularFile(trimmed, { maxBytes: MAX_STORE_BYTES });
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    // The value is a PASSWORD and may be anything, so it is not shown; and the message is the same for a
    // missing, unreadable or non-regular file, so that it does not tell which paths exist on the worker.
    const reason =
      error.failure === 'too-large' || error.failure === 'timeout'
        ? `the file is ${error.message}`
        : 'the value is not a readable regular file, PEM text or a data: URL';
    throw new StoreError(key, `${key}: ${reason}`);
  }
}

function checkKeyDerivation(key: string, what: string, iterations: number): void {
  if (iterations <= MAX_KEY_DERIVATION_ITERATIONS) return;
  const shown = iterations > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : String(iterations);
  throw new StoreError(
    key,
    `${key}: the ${what} asks for ${shown} key derivation iterations in all; Sluice reads stores that ask for at most ${MAX_KEY_DERIVATION_ITERATIONS} (keytool's ask for 20000 to 30000, openssl's about 6000)`,
  );
}

/**
 * The key derivation iterations a DER structure asks for, summed, found before OpenSSL or node-forge runs
 * any. Every such parameter (PKCS12 MacData and PBE params, PBKDF2 params, scrypt params) is a salt OCTET
 * STRING directly followed by the count INTEGER, so the pair is looked for anywhere in the DER, inside OCTET
 * STRINGs that hold DER too (PKCS12 nests its contents so). Bytes that are not DER count 0: the store's
 * reader reports them.
 */
function keyDerivationIterations(der: Buffer): number {
  let root: Forge.asn1.Asn1;
  try {
    root = forge.asn1.fromDer(der.toString('binary'));
  } catch {
    return 0;
  }
  let total = 0;
  // PKCS12 nests DER in OCTET STRINGs three levels deep (authSafe, SafeContents, bag values); going no deeper
  // keeps the work linear in the store's size whatever its nesting.
  const pending: [Forge.asn1.Asn1, number][] = [[root, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (!Array.isArray(node.value)) {
      if (depth < MAX_NESTED_DER && isUniversal(node, forge.asn1.Type.OCTETSTRING)) {
        try {
          pending.push([forge.asn1.fromDer(node.value), depth + 1]);
        } catch {
          // Not DER inside: an encrypted blob or a plain value.
        }
      }
      continue;
    }
    const children = node.value;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      pending.push([child, depth]);
      const previous = children[i - 1];
      if (
        previous !== undefined &&
        isUniversal(previous, forge.asn1.Type.OCTETSTRING) &&
        isUniversal(child, forge.asn1.Type.INTEGER) &&
        typeof child.value === 'string'
      ) {
        total += unsignedValue(child.value);
      }
    }
  }
  return total;
}

function isUniversal(node: Forge.asn1.Asn1, type: Forge.asn1.Type): boolean {
  return node.tagClass === forge.asn1.Class.UNIVERSAL && node.type === type && !node.constructed;
}

/** An INTEGER's content bytes as a number (huge ones as Infinity). */
function unsignedValue(bytes: string): number {
  let value = 0;
  for (let i = 0; i < bytes.length; i++) value = value * 256 + bytes.charCodeAt(i);
  return value;
}
