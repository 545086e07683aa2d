import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/** JAAS control flags, with JAAS's meaning (javax.security.auth.login.Configuration). */
export type LoginFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

/** One login module of a JAAS entry: a users table (`user: password` lines) and its flag. */
export interface UsersModule {
  flag: LoginFlag;
  /** Password by user name. */
  users: ReadonlyMap<string, string>;
}

export interface BasicAuthOptions {
  /** The modules of the JAAS entry, in order. At least one; each with at least one user. */
  modules: readonly UsersModule[];
  /** `WWW-Authenticate: Basic realm="…"`. @default 'KafkaConnect' (the JAAS entry Connect reads) */
  realm?: string;
  /** Requests that pass without credentials (Connect's internal endpoints, signed instead). */
  exempt?: (method: string, path: string) => boolean;
}

/** Connect's `JaasBasicAuthFilter` answer to a request it does not authenticate. */
export const UNAUTHORIZED_MESSAGE = 'User cannot access the resource.';

/** A user name and password from an `Authorization: Basic …` header, read as Connect's filter reads it. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space <= 0 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const encoded = header.slice(space + 1);
  // Java's strict Base64 decoder; Connect answers 500 for one it cannot decode, here it is no credentials.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A password checked in constant time: digests of equal length compared with `timingSafeEqual`. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A module's check, taking as long for an unknown user as for a wrong password. */
function moduleAccepts(users: ReadonlyMap<string, Buffer>, user: string, password: string): boolean {
  const expected = users.get(user);
  const same = timingSafeEqual(expected ?? UNKNOWN_USER, digest(password));
  return expected !== undefined && same;
}
const UNKNOWN_USER = digest('\u0000 no such user \u0000');

/**
 * Whether a login succeeds, by JAAS's rules for the modules' flags: every `required` and `requisite`
 * module must accept (a failed `requisite` ends the login); a `sufficient` one that accepts ends it
 * successfully unless a required one failed before; with no required or requisite module, at least one
 * must accept.
 */
export function jaasLogin(results: ReadonlyArray<{ flag: LoginFlag; accepted: () => boolean }>): boolean {
  let requiredFailed = false;
  let anyAccepted = false;
  let anyRequired = false;
  for (const { flag, accepted } of results) {
    const ok = accepted();
    anyAccepted ||= ok;
    if (flag === 'required' || flag === 'requisite') {
      anyRequired = true;
      if (!ok) {
        if (flag === 'requisite') return false;
        requiredFailed = true;
      }
    } else if (flag === 'sufficient' && ok && !requiredFailed) {
      return true;
    }
  }
  return anyRequired ? !requiredFailed : anyAccepted;
}

/**
 * HTTP Basic authentication against users tables, as Kafka Connect's `BasicAuthSecurityRestExtension` with
 * its `PropertyFileLoginModule`: without credentials that a login accepts, 401 with Connect's message and a
 * `WWW-Authenticate` challenge, before anything else of the request is looked at. Requests `exempt` allows
 * pass unauthenticated (Connect's internal endpoints, which are signed). Passwords are compared in constant
 * time.
 */
export function basicAuth(options: BasicAuthOptions): MiddlewareHandler {
  const modules = options.modules.map((module) => ({
    flag: module.flag,
    users: new Map([...module.users].map(([user, password]) => [user, digest(password)])),
  }));
  const challenge = `Basic realm="${(options.realm ?? 'KafkaConnect').replace(/["\\]/g, '')}", charset="UTF-8"`;
  return async (c, next) => {
    if (options.exempt?.(c.req.method, c.req.path) === true) return next();
    const credentials = basicCredentials(c.req.header('authorization'));
    const accepted =
      credentials !== undefined &&
      jaasLogin(
        modules.map((module) => ({
          flag: module.flag,
          accepted: () => moduleAccepts(module.users, credentials.user, credentials.password),
        })),
      );
    if (!accepted) {
      c.header('WWW-Authenticate', challenge);
      throw new HttpError(401, UNAUTHORIZED_MESSAGE);
    }
    return next();
  };
}
