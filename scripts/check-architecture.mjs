#!/usr/bin/env node
// The layout rules of src/ (docs/architecture.md), checked statically from the import statements:
//   1. no import cycle between files;
//   2. no cycle between folders: src/X imports src/Y and Y imports X, directly or through others
//      (a file directly in src/ is a node of its own);
//   3. no module over MAX_LINES lines, and no line over MAX_LINE_LENGTH characters;
//   4. only src/store/ names a state table (pf_…) or issues a dialect statement (pragma,
//      begin immediate, for update): every other module goes through the store's modules.
// Type-only imports count: a cycle of types still ties two modules' meanings together.
//
// Usage: node scripts/check-architecture.mjs [ROOT] [--json] [--runtime-only] [--max-lines N]
// Prints every violation and exits 1 when there is one; ROOT (default: the current directory)
// is the directory holding src/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_LINES = 400;
/** No line of a module longer than this: the formatter wraps code, but not the text of a string. */
export const MAX_LINE_LENGTH = 160;

/** A state table's name, or a statement only one dialect knows. */
const STATE_TABLE = /\bpf_[a-z_]+/g;
const DIALECT_STATEMENT = /\bpragma\b|\bbegin\s+immediate\b|\bfor\s+update\b|\.forUpdate\(/gi;

/**
 * Where rule 4 holds: everywhere under src/ but the store. The console's read model and
 * requests.ts still hold their SQL while it moves into a store module of their own; remove them
 * from this list once it has.
 */
const STATE_SQL_ALLOWED = ['src/store/'];

// `import x from './a.js'`, `import type { X } from './a.js'`, `export * from './a.js'`,
// `import './a.js'`: the clause before `from` holds only names, braces, commas and `*`, so the
// match cannot run on into code.
const STATIC_IMPORT = /^[ \t]*(import|export)\s+(type\s+)?([\w$\s{},*]*?\s*from\s*)?['"]([^'"\n]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Every .ts file under dir, as paths relative to root with forward slashes, sorted. */
function typescriptFiles(root, dir) {
  const found = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...typescriptFiles(root, relative));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(relative);
  }
  return found.sort();
}

/** Whether every name an import clause brings in is marked `type`. */
function isTypeOnly(typeKeyword, clause) {
  if (typeKeyword) return true;
  const braces = /^\s*\{([^}]*)\}\s*from\s*$/.exec(clause ?? '');
  if (!braces) return false;
  const names = braces[1]
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

/** The relative specifiers a module imports, each with whether only types come through it. */
export function importsOf(source) {
  const imports = [];
  for (const match of source.matchAll(STATIC_IMPORT)) {
    imports.push({ specifier: match[4], typeOnly: isTypeOnly(match[2], match[3]) });
  }
  for (const match of source.matchAll(DYNAMIC_IMPORT)) imports.push({ specifier: match[1], typeOnly: false });
  return imports.filter((entry) => entry.specifier.startsWith('.'));
}

/** The file a relative specifier names, or undefined when it is not a .ts module of the tree. */
function resolveSpecifier(from, specifier, known) {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [target.replace(/\.(m|c)?js$/, '.ts'), `${target}.ts`, `${target}/index.ts`];
  return candidates.find((candidate) => known.has(candidate));
}

/** The folder graph's node of a file: its top folder under src/, or the file itself. */
export function folderOf(file) {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** Strongly connected components with more than one node or a self-edge (Tarjan). */
function cyclicComponents(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let counter = 0;
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? new Set()).has(node)) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The shortest cycle through start, inside one component: [start, …, start]. */
function shortestCycle(graph, start, members) {
  const inside = new Set(members);
  const previous = new Map();
  const queue = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head];
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!inside.has(next)) continue;
      if (next === start) {
        const cycle = [start];
        for (let step = node; step !== start; step = previous.get(step)) cycle.unshift(step);
        cycle.unshift(start);
        return cycle;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** Every state table name and dialect statement in a module's source, each with its line. */
export function stateSqlIn(source) {
  const found = [];
  for (const pattern of [STATE_TABLE, DIALECT_STATEMENT]) {
    for (const match of source.matchAll(pattern)) {
      const line = source.slice(0, match.index).split('\n').length;
      found.push({ line, text: match[0] });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Reads ROOT/src and returns every violation of the four rules. */
export function checkArchitecture(root, { runtimeOnly = false, maxLines = MAX_LINES } = {}) {
  if (!existsSync(path.join(root, 'src')) || !statSync(path.join(root, 'src')).isDirectory()) {
    throw new Error(`${path.join(root, 'src')} is not a directory`);
  }
  const files = typescriptFiles(root, 'src');
  const known = new Set(files);
  const fileGraph = new Map(files.map((file) => [file, new Set()]));
  const folderGraph = new Map();
  const folderEdgeWitness = new Map();
  const longFiles = [];
  const stateSql = [];
  const longLines = [];

  for (const file of files) {
    const source = readFileSync(path.join(root, file), 'utf8');
    const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
    if (lines > maxLines) longFiles.push({ file, lines });
    source.split('\n').forEach((text, i) => {
      if (text.length > MAX_LINE_LENGTH) longLines.push({ file, line: i + 1, length: text.length });
    });
    if (!STATE_SQL_ALLOWED.some((allowed) => file.startsWith(allowed)))
      for (const { line, text } of stateSqlIn(source)) stateSql.push({ file, line, text });
    for (const { specifier, typeOnly } of importsOf(source)) {
      if (runtimeOnly && typeOnly) continue;
      const target = resolveSpecifier(file, specifier, known);
      if (target === undefined) continue;
      fileGraph.get(file).add(target);
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      if (!folderGraph.has(from)) folderGraph.set(from, new Set());
      folderGraph.get(from).add(to);
      const witness = `${from} -> ${to}`;
      if (!folderEdgeWitness.has(witness)) folderEdgeWitness.set(witness, `${file} imports ${target}`);
    }
  }

  const fileCycles = cyclicComponents(fileGraph).map((members) => ({
    members,
    example: shortestCycle(fileGraph, members[0], members),
  }));
  const folderCycles = cyclicComponents(folderGraph).map((members) => {
    const example = shortestCycle(folderGraph, members[0], members);
    const because = example.slice(1).map((to, i) => folderEdgeWitness.get(`${example[i]} -> ${to}`));
    const inside = new Set(members);
    const edges = members.flatMap((from) =>
      [...folderGraph.get(from)]
        .filter((to) => inside.has(to))
        .sort()
        .map((to) => folderEdgeWitness.get(`${from} -> ${to}`)),
    );
    return { members, example, because, edges };
  });
  return {
    files: files.length,
    maxLines,
    runtimeOnly,
    fileCycles,
    folderCycles,
    longFiles: longFiles.sort((a, b) => b.lines - a.lines),
    stateSql,
    longLines,
  };
}

export function violations(report) {
  return (
    report.fileCycles.length +
    report.folderCycles.length +
    report.longFiles.length +
    report.stateSql.length +
    (report.longLines?.length ?? 0)
  );
}

function formatReport(report) {
  const out = [];
  for (const cycle of report.fileCycles) {
    out.push(`file cycle (${cycle.members.length} files): ${cycle.example.join(' -> ')}`);
    if (cycle.members.length > cycle.example.length - 1)
      out.push(`  all files of this cycle: ${cycle.members.join(', ')}`);
  }
  for (const cycle of report.folderCycles) {
    out.push(`folder cycle: ${cycle.example.join(' -> ')}`);
    for (const reason of cycle.because) out.push(`  ${reason}`);
    if (cycle.members.length > cycle.example.length - 1) {
      out.push(`  all folders of this cycle: ${cycle.members.join(', ')}; every import between them:`);
      for (const edge of cycle.edges) out.push(`    ${edge}`);
    }
  }
  for (const { file, lines } of report.longFiles)
    out.push(`too long: ${file} has ${lines} lines (at most ${report.maxLines})`);
  for (const { file, line, length } of report.longLines ?? [])
    out.push(`line too long: ${file}:${line} has ${length} characters (at most ${MAX_LINE_LENGTH})`);
  for (const { file, line, text } of report.stateSql)
    out.push(`state SQL outside src/store/: ${file}:${line} has ${JSON.stringify(text)}`);
  const count = violations(report);
  out.push(
    count === 0
      ? `architecture: ${report.files} modules, no cycles, none over ${report.maxLines} lines`
      : `architecture: ${count} violation${count === 1 ? '' : 's'} in ${report.files} modules ` +
          `(${report.fileCycles.length} file cycles, ${report.folderCycles.length} folder cycles, ${report.longFiles.length} long files, ` +
          `${report.stateSql.length} state SQL outside src/store/, ${report.longLines?.length ?? 0} long lines)`,
  );
  return out.join('\n');
}

function main(argv) {
  const args = argv.slice(2);
  let root = '.';
  const options = {};
  let json = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (arg === '--runtime-only') options.runtimeOnly = true;
    else if (arg === '--max-lines') {
      options.maxLines = Number(args[(i += 1)]);
      if (!Number.isInteger(options.maxLines) || options.maxLines < 1)
        return usage(`--max-lines takes a positive whole number`);
    } else if (arg.startsWith('-')) return usage(`unknown option ${arg}`);
    else root = arg;
  }
  let report;
  try {
    report = checkArchitecture(path.resolve(root), options);
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  process.stdout.write(`${json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  return violations(report) === 0 ? 0 : 1;
}

function usage(message) {
  process.stderr.write(
    `check-architecture: ${message}\nusage: node scripts/check-architecture.mjs [ROOT] [--json] [--runtime-only] [--max-lines N]\n`,
  );
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv);
}
