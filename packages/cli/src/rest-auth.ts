import { readFileSync, statSync } from 'node:fs';
import { parseProperties } from '@sluice/config-providers';
import { ConfigError } from '@sluice/errors';
import type { LoginFlag, UsersModule } from '@sluice/rest';

/** Connect's basic-auth REST extension, the one `rest.extension.classes` may name. */
export const BASIC_AUTH_EXTENSION =
  'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
/** The login module the extension ships, the one Sluice runs. */
export const PROPERTY_FILE_LOGIN_MODULE =
  'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
/** The JAAS entry Connect's extension logs in with. */
export const JAAS_ENTRY = 'KafkaConnect';
/** The JVM option naming the JAAS file, as found in `KAFKA_OPTS`. */
const LOGIN_CONFIG_OPTION = '-Djava.security.auth.login.config=';
/** Users files larger than this are refused: one holds a few lines. */
const MAX_USERS_FILE_BYTES = 1024 * 1024;

/** Where the JAAS file is named: Sluice's worker setting first, then the JVM option in `KAFKA_OPTS`. */
export function jaasConfigPath(
  setting: string | undefined,
  kafkaOpts: string | undefined,
): { path: string; from: string } | undefined {
  if (setting !== undefined && setting !== '') return { path: setting, from: 'rest.basic.auth.jaas.config' };
  for (const option of (kafkaOpts ?? '').split(/\s+/)) {
    if (!option.startsWith(LOGIN_CONFIG_OPTION)) continue;
    // `==` (the file replaces the JVM's own) names a file all the same; shell quotes may have stayed.
    const path = option
      .slice(LOGIN_CONFIG_OPTION.length)
      .replace(/^=/, '')
      .replace(/^(["'])(.*)\1$/, '$2');
    if (path !== '') return { path, from: `KAFKA_OPTS (${LOGIN_CONFIG_OPTION}…)` };
  }
  return undefined;
}

/** One login module of a JAAS entry. */
export interface JaasModule {
  className: string;
  flag: LoginFlag;
  options: Map<string, string>;
}

const FLAGS = new Set<string>(['required', 'requisite', 'sufficient', 'optional']);

/**
 * Parses a JAAS login configuration file (Java's `ConfigFile` syntax): entries `Name { Module flag
 * key="value" …; … };`, with `//` and `/* *\/` comments and quoted or bare option values.
 */
export function parseJaasConfig(text: string, where: string): Map<string, JaasModule[]> {
  const tokens = tokenize(text, where);
  let at = 0;
  const fail = (message: string): never => {
    throw new ConfigError('rest.basic.auth.jaas.config', `${where}: ${message}`);
  };
  const next = (): { kind: 'word' | 'string' | 'punct'; text: string } =>
    tokens[at++] ?? fail('the file ends in the middle of an entry');
  const expect = (punct: string) => {
    const token = next();
    if (token.kind !== 'punct' || token.text !== punct) fail(`expected '${punct}', found '${token.text}'`);
  };
  const entries = new Map<string, JaasModule[]>();
  while (at < tokens.length) {
    const name = next();
    if (name.kind !== 'word') fail(`expected an entry name, found '${name.text}'`);
    expect('{');
    const modules: JaasModule[] = [];
    for (;;) {
      const token = next();
      if (token.kind === 'punct' && token.text === '}') break;
      if (token.kind !== 'word') fail(`expected a login module class, found '${token.text}'`);
      const flag = next();
      if (flag.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase())) {
        fail(`login module ${token.text} must be followed by required, requisite, sufficient or optional`);
      }
      const options = new Map<string, string>();
      for (;;) {
        const key = next();
        if (key.kind === 'punct' && key.text === ';') break;
        if (key.kind !== 'word') fail(`expected an option name or ';', found '${key.text}'`);
        expect('=');
        const value = next();
        if (value.kind === 'punct') fail(`option ${key.text} has no value`);
        options.set(key.text, value.text);
      }
      modules.push({ className: token.text, flag: flag.text.toLowerCase() as LoginFlag, options });
    }
    expect(';');
    entries.set(name.text, [...(entries.get(name.text) ?? []), ...modules]);
  }
  return entries;
}

function tokenize(text: string, where: string): Array<{ kind: 'word' | 'string' | 'punct'; text: string }> {
  const tokens: Array<{ kind: 'word' | 'string' | 'punct'; text: string }> = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) at++;
    else if (text.startsWith('//', at))
      at = text.indexOf('\n', at) === -1 ? text.length : text.indexOf('\n', at);
    else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2);
      if (end === -1)
        throw new ConfigError('rest.basic.auth.jaas.config', `${where}: a comment is not closed`);
      at = end + 2;
    } else if ('{};='.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      at++;
    } else if (char === '"' || char === "'") {
      let value = '';
      let i = at + 1;
      for (; i < text.length && text[i] !== char; i++)
        value += text[i] === '\\' ? (text[++i] ?? '') : text[i];
      if (i >= text.length)
        throw new ConfigError('rest.basic.auth.jaas.config', `${where}: a quoted value is not closed`);
      tokens.push({ kind: 'string', text: value });
      at = i + 1;
    } else {
      const match = /^[^\s{};="']+/.exec(text.slice(at))!;
      tokens.push({ kind: 'word', text: match[0] });
      at += match[0].length;
    }
  }
  return tokens;
}

/**
 * The users tables of the `KafkaConnect` entry of a JAAS file, for `basicAuth`. Everything Connect would only
 * find wrong when a request arrives (every request then 401) fails the start here, naming the file: no such
 * entry, a login module other than `PropertyFileLoginModule`, no `file` option, a users file that cannot be
 * read. A users file without users is refused too: Connect then lets every request through.
 */
export function loadJaasUsers(jaasPath: string, from: string): UsersModule[] {
  const where = `${jaasPath} (named by ${from})`;
  const entries = parseJaasConfig(readSmallFile(jaasPath, where), where);
  const modules = entries.get(JAAS_ENTRY);
  if (modules === undefined || modules.length === 0) {
    throw new ConfigError('rest.basic.auth.jaas.config', `${where} has no ${JAAS_ENTRY} entry`);
  }
  return modules.map((module) => {
    if (module.className !== PROPERTY_FILE_LOGIN_MODULE) {
      throw new ConfigError(
        'rest.basic.auth.jaas.config',
        `${where}: login module ${module.className} cannot run in Sluice; use ${PROPERTY_FILE_LOGIN_MODULE}`,
      );
    }
    const file = module.options.get('file')?.trim();
    if (file === undefined || file === '') {
      throw new ConfigError(
        'rest.basic.auth.jaas.config',
        `${where}: ${PROPERTY_FILE_LOGIN_MODULE} needs file="<users file>"`,
      );
    }
    const users = parseProperties(readSmallFile(file, `users file ${file} (from ${where})`));
    if (users.size === 0) {
      throw new ConfigError(
        'rest.basic.auth.jaas.config',
        `users file ${file} (from ${where}) has no users; Kafka Connect then lets every request through, Sluice refuses to start`,
      );
    }
    return { flag: module.flag, users };
  });
}

function readSmallFile(path: string, where: string): string {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new Error('not a regular file');
    if (stats.size > MAX_USERS_FILE_BYTES) throw new Error(`larger than ${MAX_USERS_FILE_BYTES} bytes`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('rest.basic.auth.jaas.config', `cannot read ${where}: ${(error as Error).message}`);
  }
}
