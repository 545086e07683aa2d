import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jaasConfigPath, loadJaasUsers, parseJaasConfig } from './rest-auth.js';
import { resolveWorkerConfig } from './worker-config.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-rest-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const MODULE = 'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
const EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';

describe('JAAS configuration files', () => {
  it("parses Java's syntax: entries, flags, quoted and bare options, comments", () => {
    const entries = parseJaasConfig(
      `// the REST users
      KafkaConnect {
        ${MODULE} required
          file="/etc/kafka/users.properties" debug=true; /* more */
        other.Module Sufficient key='single \\' quoted';
      };
      KafkaClient { x.Y optional; };`,
      'jaas.conf',
    );
    expect([...entries.keys()]).toEqual(['KafkaConnect', 'KafkaClient']);
    expect(entries.get('KafkaConnect')).toEqual([
      {
        className: MODULE,
        flag: 'required',
        options: new Map([
          ['file', '/etc/kafka/users.properties'],
          ['debug', 'true'],
        ]),
      },
      { className: 'other.Module', flag: 'sufficient', options: new Map([['key', "single ' quoted"]]) },
    ]);
    expect(() => parseJaasConfig('KafkaConnect { a.B mandatory; };', 'j')).toThrow(
      'j: login module a.B must be followed by required, requisite, sufficient or optional',
    );
    expect(() => parseJaasConfig('KafkaConnect { a.B required file="x" }', 'j')).toThrow(
      /expected an option name or ';'/,
    );
    expect(() => parseJaasConfig('KafkaConnect {', 'j')).toThrow(
      'j: the file ends in the middle of an entry',
    );
  });

  it('loads the users of the KafkaConnect entry, and refuses at start what Connect would only refuse per request', () => {
    const users = file('users.properties', '# users\nalice: s3cret\nbob=hunter2\n');
    const jaas = file('jaas.conf', `KafkaConnect { ${MODULE} required file="${users}"; };`);
    expect(loadJaasUsers(jaas, 'rest.basic.auth.jaas.config')).toEqual([
      {
        flag: 'required',
        users: new Map([
          ['alice', 's3cret'],
          ['bob', 'hunter2'],
        ]),
      },
    ]);
    const refuses = (text: string, message: RegExp | string) =>
      expect(() => loadJaasUsers(file('bad.conf', text), 'KAFKA_OPTS')).toThrow(message);
    refuses(`KafkaClient { ${MODULE} required file="${users}"; };`, /has no KafkaConnect entry/);
    refuses(
      'KafkaConnect { com.example.LdapLoginModule required; };',
      /com\.example\.LdapLoginModule cannot run in Sluice/,
    );
    refuses(`KafkaConnect { ${MODULE} required; };`, /needs file="<users file>"/);
    refuses(
      `KafkaConnect { ${MODULE} required file="${join(dir, 'none')}"; };`,
      /cannot read users file .*none/,
    );
    refuses(
      `KafkaConnect { ${MODULE} required file="${file('empty.properties', '# nobody\n')}"; };`,
      /has no users; Kafka Connect then lets every request through, Sluice refuses to start/,
    );
    expect(() => loadJaasUsers(join(dir, 'missing.conf'), 'rest.basic.auth.jaas.config')).toThrow(
      /cannot read .*missing\.conf \(named by rest\.basic\.auth\.jaas\.config\)/,
    );
  });

  it('finds the file in the worker setting first, then in KAFKA_OPTS', () => {
    expect(jaasConfigPath('/a.conf', '-Djava.security.auth.login.config=/b.conf')).toEqual({
      path: '/a.conf',
      from: 'rest.basic.auth.jaas.config',
    });
    expect(jaasConfigPath(undefined, '-Xmx1g -Djava.security.auth.login.config=/b.conf -Dx=y')?.path).toBe(
      '/b.conf',
    );
    expect(jaasConfigPath(undefined, '-Djava.security.auth.login.config==/c.conf')?.path).toBe('/c.conf');
    expect(jaasConfigPath(undefined, '-Djava.security.auth.login.config="/d.conf"')?.path).toBe('/d.conf');
    expect(jaasConfigPath(undefined, '-Xmx1g')).toBeUndefined();
    expect(jaasConfigPath(undefined, undefined)).toBeUndefined();
  });
});

describe('REST worker settings', () => {
  const resolve = (entries: Record<string, string>, env: Record<string, string> = {}) =>
    resolveWorkerConfig(new Map(Object.entries(entries)), env);

  it("turns basic authentication on as Connect does, or with Sluice's own setting", () => {
    const opts = { KAFKA_OPTS: '-Djava.security.auth.login.config=/etc/jaas.conf' };
    expect(resolve({ 'rest.extension.classes': EXTENSION }, opts).restBasicAuth).toEqual({
      jaasPath: '/etc/jaas.conf',
      from: 'KAFKA_OPTS (-Djava.security.auth.login.config=…)',
    });
    expect(resolve({ 'rest.basic.auth.jaas.config': '/s.conf' }).restBasicAuth).toEqual({
      jaasPath: '/s.conf',
      from: 'rest.basic.auth.jaas.config',
    });
    // A JAAS file for the Kafka clients alone does not protect the REST API, as in Connect.
    expect(resolve({}, opts).restBasicAuth).toBeUndefined();
    expect(() => resolve({ 'rest.extension.classes': EXTENSION })).toThrow(
      `rest.extension.classes names ${EXTENSION}, but no JAAS file is named: set rest.basic.auth.jaas.config, or -Djava.security.auth.login.config=<file> in KAFKA_OPTS`,
    );
    expect(() => resolve({ 'rest.extension.classes': `${EXTENSION},com.example.Cors` })).toThrow(
      `rest.extension.classes: com.example.Cors is a Java REST extension, which Sluice cannot load; it supports ${EXTENSION}`,
    );
  });

  it('reads rest.allowed.hosts as hosts with optional ports', () => {
    expect(resolve({}).restAllowedHosts).toEqual([]);
    expect(
      resolve({ 'rest.allowed.hosts': 'connect.example.com, localhost:8083, [::1]:8083' }).restAllowedHosts,
    ).toEqual(['connect.example.com', 'localhost:8083', '[::1]:8083']);
    expect(() => resolve({ 'rest.allowed.hosts': 'http://x/' })).toThrow(
      "rest.allowed.hosts must be a list of host or host:port, got 'http://x/'",
    );
  });
});
