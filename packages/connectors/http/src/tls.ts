import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createSecureContext, type ConnectionOptions, type SecureVersion } from 'node:tls';
import type * as Forge from 'node-forge';

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

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

/**
 * Node TLS options from the stores: the key store gives the client certificate and key (mutual TLS), the trust
 * store the CA certificates the server's certificate must chain to (instead of Node's bundled CAs, as a Java
 * trust store replaces the JVM's). Stores are PKCS12 or PEM; a trust store may also be one DER certificate.
 * PKCS12 trust stores (keytool's or openssl's) are read with node-forge, since Node reads PKCS12 only as a key
 * store. JKS and JCEKS are refused with the keytool command that converts them. Throws a {@link StoreError}.
 */
export function tlsOptions(settings: TlsSettings): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (settings.protocol !== 'TLS') {
    options.minVersion = 'TLSv1.2';
    options.maxVersion = settings.protocol as SecureVersion;
  }
  if (settings.keystore !== null) Object.assign(options, keyStoreOptions(settings, settings.keystore));
  if (settings.truststore !== null) options.ca = trustedCertificates(settings, settings.truststore);
  return options;
}

function keyStoreOptions(settings: TlsSettings, value: string): ConnectionOptions {
  const store = readStore(KEYSTORE_CONFIG, value, 'key store');
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

function trustedCertificates(settings: TlsSettings, value: string): string[] {
  const store = readStore(TRUSTSTORE_CONFIG, value, 'trust store');
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

/** A store's bytes from a `data:` URL, inline PEM or a file, with its type. */
function readStore(key: string, value: string, what: string): Store {
  const bytes = storeBytes(key, value);
  const text = bytes.toString('utf8');
  if (/^\s*-----BEGIN /.test(text) || text.includes('\n-----BEGIN ')) return { type: 'PEM', bytes, text };
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
  return { type: 'PKCS12', bytes, text };
}

function storeBytes(key: string, value: string): Buffer {
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
    return readFileSync(trimmed);
  } catch (error) {
    throw new StoreError(key, `${key}: cannot read ${trimmed}: ${(error as Error).message}`);
  }
}
