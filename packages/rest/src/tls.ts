import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { SecureVersion } from 'node:tls';
import { ConfigError } from '@sluice/errors';

const PREFIX = 'listeners.https.';
/** The first bytes of a Java KeyStore file. */
const JKS_MAGIC = 0xfeedfeed;

/**
 * TLS options of the HTTPS listeners from Kafka Connect's settings. As in Connect, when any
 * `listeners.https.`-prefixed setting exists only prefixed settings count; otherwise the `ssl.*` ones do.
 * Key stores: PKCS12 files, PEM files (key and certificate chain in one file) or inline PEM
 * (`ssl.keystore.key` + `ssl.keystore.certificate.chain`). JKS cannot be read here: the error says how
 * to convert it.
 */
export function resolveHttpsOptions(originals: ReadonlyMap<string, string>): ServerOptions {
  const prefixed = [...originals.keys()].some((key) => key.startsWith(PREFIX));
  const name = (key: string) => (prefixed ? PREFIX : '') + key;
  const get = (key: string) => originals.get(name(key))?.trim() || undefined;

  const options: ServerOptions = {};
  const keyPassword = get('ssl.key.password');
  const inlineKey = originals.get(name('ssl.keystore.key'));
  if (inlineKey !== undefined) {
    const chain = originals.get(name('ssl.keystore.certificate.chain'));
    if (chain === undefined) {
      throw new ConfigError(
        name('ssl.keystore.certificate.chain'),
        `${name('ssl.keystore.certificate.chain')} is required with ${name('ssl.keystore.key')}`,
      );
    }
    Object.assign(options, { key: inlineKey, cert: chain, passphrase: keyPassword });
  } else {
    const location = get('ssl.keystore.location');
    if (location === undefined) {
      throw new ConfigError(
        name('ssl.keystore.location'),
        `${name('ssl.keystore.location')} is required for an https listener`,
      );
    }
    const store = readStore(name('ssl.keystore.location'), location, get('ssl.keystore.type'));
    if (store.type === 'PEM') {
      Object.assign(options, {
        key: store.text,
        cert: store.text,
        passphrase: keyPassword ?? get('ssl.keystore.password'),
      });
    } else {
      Object.assign(options, { pfx: store.bytes, passphrase: get('ssl.keystore.password') });
    }
  }

  const clientAuth = (get('ssl.client.auth') ?? 'none').toLowerCase();
  if (!['none', 'requested', 'required'].includes(clientAuth)) {
    throw new ConfigError(
      name('ssl.client.auth'),
      `${name('ssl.client.auth')} must be one of none, requested, required, got '${get('ssl.client.auth')}'`,
    );
  }
  if (clientAuth !== 'none') {
    options.requestCert = true;
    options.rejectUnauthorized = clientAuth === 'required';
    const trust = trustedCertificates(name, get);
    if (trust !== undefined) options.ca = trust;
  }

  const protocols = get('ssl.enabled.protocols');
  if (protocols !== undefined) {
    const versions = protocols
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const known = ['TLSv1.2', 'TLSv1.3'];
    const unknown = versions.find((v) => !known.includes(v));
    if (unknown !== undefined || versions.length === 0) {
      throw new ConfigError(
        name('ssl.enabled.protocols'),
        `${name('ssl.enabled.protocols')} must list TLSv1.2 and/or TLSv1.3, got '${protocols}'`,
      );
    }
    options.minVersion = versions.sort()[0] as SecureVersion;
    options.maxVersion = versions[versions.length - 1] as SecureVersion;
  }
  return options;
}

function trustedCertificates(
  name: (key: string) => string,
  get: (key: string) => string | undefined,
): Array<string | Buffer> | undefined {
  const inline = get('ssl.truststore.certificates');
  if (inline !== undefined) return [inline];
  const location = get('ssl.truststore.location');
  if (location === undefined) return undefined;
  const store = readStore(name('ssl.truststore.location'), location, get('ssl.truststore.type'));
  if (store.type === 'PEM') return [store.text];
  throw new ConfigError(
    name('ssl.truststore.type'),
    `${name('ssl.truststore.location')}: only PEM trust stores are supported for client authentication; export the CA certificates as PEM (openssl pkcs12 -in ${location} -nokeys -out ca.pem)`,
  );
}

function readStore(
  key: string,
  location: string,
  declaredType: string | undefined,
): { type: 'PEM' | 'PKCS12'; bytes: Buffer; text: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(location);
  } catch (error) {
    throw new ConfigError(key, `${key}: cannot read ${location}: ${(error as Error).message}`);
  }
  const isJks = bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC;
  const type = (
    declaredType ?? (bytes.toString('latin1', 0, 11) === '-----BEGIN ' ? 'PEM' : isJks ? 'JKS' : 'PKCS12')
  ).toUpperCase();
  if (type === 'JKS' || isJks) {
    throw new ConfigError(
      key,
      `${key}: ${location} is a JKS key store, which Sluice cannot read; convert it with ` +
        `keytool -importkeystore -srckeystore ${location} -destkeystore store.p12 -deststoretype PKCS12`,
    );
  }
  if (type !== 'PEM' && type !== 'PKCS12') {
    throw new ConfigError(key, `${key}: key store type ${type} is not supported (use PKCS12 or PEM)`);
  }
  return { type, bytes, text: bytes.toString('utf8') };
}
