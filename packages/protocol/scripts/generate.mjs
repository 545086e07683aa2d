#!/usr/bin/env node
// Generates one TypeScript module per .proto file: proto/<name>.proto -> src/generated/<name>.ts.
// Each module holds the file's JSON descriptor, a TypeScript interface per message, a const object per
// enum, and a codec per message built with protobufjs reflection at load time (no eval'd static code).
//
//   node scripts/generate.mjs          write src/generated/
//   node scripts/generate.mjs --check  exit 1 if src/generated/ differs from what the .proto files produce
//
// Supported: proto3 messages and enums at package level; scalar, enum, message, repeated and map fields.
// Anything else (imports, nested types, oneofs, `optional`) fails loudly rather than generating wrong code.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import protobuf from 'protobufjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const protoDir = join(packageDir, 'proto');
export const generatedDir = join(packageDir, 'src', 'generated');

const NUMBER_TYPES = new Set([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  // 64-bit integers are decoded as numbers: exact up to Number.MAX_SAFE_INTEGER, which offsets never reach.
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);

class GenerateError extends Error {}

/** Every .proto file under `dir`, as paths relative to it with `/` separators, sorted. */
function protoFiles(dir) {
  const found = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.proto')) found.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

function jsDoc(comment, indent) {
  if (!comment) return '';
  const lines = comment.split('\n').map((line) => line.replace(/\*\//g, '*\\/'));
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

/** `ASSIGNMENT_ERROR_CONFIG_MISMATCH` in enum `AssignmentError` -> `CONFIG_MISMATCH`. */
function enumKey(enumName, valueName) {
  const prefix = `${enumName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_`;
  return valueName.startsWith(prefix) ? valueName.slice(prefix.length) : valueName;
}

function tsType(field, where, localTypes) {
  const resolved = field.resolvedType;
  let type;
  if (resolved instanceof protobuf.Enum) type = 'number';
  else if (resolved instanceof protobuf.Type) {
    if (!localTypes.has(resolved))
      throw new GenerateError(`${where}: type ${resolved.fullName} is not declared in this file`);
    type = resolved.name;
  } else if (NUMBER_TYPES.has(field.type)) type = 'number';
  else if (field.type === 'bool') type = 'boolean';
  else if (field.type === 'string') type = 'string';
  else if (field.type === 'bytes') type = 'Uint8Array';
  else throw new GenerateError(`${where}: unsupported field type ${field.type}`);

  if (field.map) {
    if (field.keyType !== 'string') throw new GenerateError(`${where}: only map<string, …> is supported`);
    return `{ [key: string]: ${type} }`;
  }
  if (field.repeated) return `${type}[]`;
  // proto3 message fields have presence; protobufjs decodes an absent one as null.
  if (resolved instanceof protobuf.Type) return `${type} | null`;
  return type;
}

function fieldDoc(field) {
  const notes = [];
  if (field.comment) notes.push(field.comment);
  if (field.resolvedType instanceof protobuf.Enum) notes.push(`A {@link ${field.resolvedType.name}} value.`);
  return notes.join('\n');
}

/** Generates the TypeScript module for one .proto file. */
function generateFile(relativePath, source) {
  const where = `proto/${relativePath}`;
  const root = new protobuf.Root();
  let parsed;
  try {
    parsed = protobuf.parse(source, root, { keepCase: false, alternateCommentMode: true });
    root.resolveAll();
  } catch (error) {
    throw new GenerateError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // protobufjs does not report the syntax of a parsed file, so check the declaration itself.
  if (!/^\s*syntax\s*=\s*"proto3"\s*;/m.test(source))
    throw new GenerateError(`${where}: only proto3 is supported`);
  if ((parsed.imports ?? []).length > 0 || (parsed.weakImports ?? []).length > 0) {
    throw new GenerateError(`${where}: imports are not supported`);
  }
  if (!parsed.package) throw new GenerateError(`${where}: a package declaration is required`);

  const namespace = root.lookup(parsed.package);
  const declared = namespace.nestedArray;
  const localTypes = new Set(declared.filter((item) => item instanceof protobuf.Type));

  let body = '';
  for (const item of declared) {
    const name = `${parsed.package}.${item.name}`;
    if (item instanceof protobuf.Enum) {
      body += jsDoc(item.comment, '');
      body += `export const ${item.name} = {\n`;
      for (const [valueName, value] of Object.entries(item.values)) {
        body += jsDoc(item.comments[valueName], '  ');
        body += `  ${enumKey(item.name, valueName)}: ${value},\n`;
      }
      body += `} as const;\n`;
      body += `export type ${item.name} = (typeof ${item.name})[keyof typeof ${item.name}];\n\n`;
    } else if (item instanceof protobuf.Type) {
      if (item.nestedArray.length > 0)
        throw new GenerateError(`${where}: ${name}: nested declarations are not supported`);
      if (item.oneofsArray.length > 0)
        throw new GenerateError(`${where}: ${name}: oneof and optional are not supported`);
      body += jsDoc(item.comment, '');
      body += `export interface ${item.name} {\n`;
      for (const field of item.fieldsArray) {
        body += jsDoc(fieldDoc(field), '  ');
        body += `  ${field.name}: ${tsType(field, `${where}: ${name}.${field.name}`, localTypes)};\n`;
      }
      body += `}\n`;
      body += `/** Protobuf codec for \`${name}\`. */\n`;
      body += `export const ${item.name}: Codec<${item.name}> = createCodec<${item.name}>(root, '${name}');\n\n`;
    } else {
      throw new GenerateError(`${where}: ${name}: only messages and enums are supported`);
    }
  }

  const descriptor = JSON.stringify(root.toJSON({ keepComments: false }), null, 2);
  return (
    `// Code generated by packages/protocol/scripts/generate.mjs from packages/protocol/proto/${relativePath}. DO NOT EDIT.\n` +
    `// Change the .proto file, then run \`pnpm --filter @sluice/protocol generate\`.\n` +
    `import { createCodec, loadDescriptor } from '../codec.js';\n` +
    `import type { Codec } from '../codec.js';\n\n` +
    `const root = loadDescriptor(${descriptor});\n\n` +
    body.trimEnd() +
    '\n'
  );
}

/**
 * The generated modules for every .proto file in `dir`: a map from the path relative to src/generated/
 * (for example `group.ts`, plus `index.ts`) to the file's content.
 */
export function generate(dir = protoDir) {
  const outputs = new Map();
  const modules = [];
  for (const file of protoFiles(dir)) {
    const output = file.replace(/\.proto$/, '.ts');
    outputs.set(output, generateFile(file, readFileSync(join(dir, file), 'utf8')));
    modules.push(output.replace(/\.ts$/, '.js'));
  }
  outputs.set(
    'index.ts',
    '// Code generated by packages/protocol/scripts/generate.mjs. DO NOT EDIT.\n' +
      modules.map((module) => `export * from './${module}';\n`).join(''),
  );
  return outputs;
}

/** Generated .ts files currently on disk, relative to `dir`. */
export function readGenerated(dir = generatedDir) {
  const files = new Map();
  if (!existsSync(dir)) return files;
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        files.set(relative(dir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** Names of generated files that are missing, changed or no longer produced. */
export function staleFiles(expected = generate(), actual = readGenerated()) {
  const names = new Set([...expected.keys(), ...actual.keys()]);
  return [...names].filter((name) => expected.get(name) !== actual.get(name)).sort();
}

function main(args) {
  try {
    const expected = generate();
    if (args.includes('--check')) {
      const stale = staleFiles(expected);
      if (stale.length > 0) {
        process.stderr.write(
          `generate: stale generated files: ${stale.join(', ')}; run \`pnpm --filter @sluice/protocol generate\`\n`,
        );
        process.exit(1);
      }
      return;
    }
    for (const name of readGenerated().keys()) {
      if (!expected.has(name)) rmSync(join(generatedDir, name));
    }
    for (const [name, content] of expected) {
      mkdirSync(dirname(join(generatedDir, name)), { recursive: true });
      writeFileSync(join(generatedDir, name), content);
    }
  } catch (error) {
    if (!(error instanceof GenerateError)) throw error;
    process.stderr.write(`generate: ${error.message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  main(process.argv.slice(2));
