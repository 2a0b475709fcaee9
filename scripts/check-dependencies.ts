/**
 * The dependency rules of ARCHITECTURE §1, checked on every `npm test`:
 * - product code never imports from `test/`, `emulator/`, `bench/` or `scripts/`;
 * - modules (`idp/`, `provisioning/`, `agent/`, `csp/`, …) never import from `server/`, which only assembles;
 * - `core/` (with the database layer, core/db/) imports no module;
 * - no cycle between top-level folders.
 * Reads the `import … from '…'` specifiers of every .ts file (type-only imports count: they couple
 * the folders the same way). Exits 1 with every broken rule listed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const notProduct = new Set(['test', 'emulator', 'bench', 'scripts', 'node_modules', 'dist', 'data', 'docs']);
const foundations = new Set(['core']);
const assembly = 'server';

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'node_modules' || name === 'dist') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (name.endsWith('.ts')) yield full;
  }
}

const folderOf = (file: string) => path.relative(root, file).split(path.sep)[0]!;
const importPattern = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const problems: string[] = [];
const edges = new Map<string, Set<string>>();
for (const file of sourceFiles(root)) {
  const from = folderOf(file);
  if (notProduct.has(from) || !file.slice(root.length + 1).includes(path.sep)) continue;
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2]!;
    if (!specifier.startsWith('.')) continue;
    const to = folderOf(path.resolve(path.dirname(file), specifier));
    if (to === from) continue;
    const where = `${path.relative(root, file)} imports ${specifier}`;
    if (notProduct.has(to)) problems.push(`product code depends on ${to}/: ${where}`);
    else if (to === assembly) problems.push(`a module depends on ${assembly}/ (which only assembles): ${where}`);
    else if (foundations.has(from) && !foundations.has(to)) problems.push(`${from}/ depends on the module ${to}/: ${where}`);
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
}

// Cycles between folders: a depth-first walk reporting each back edge's cycle once.
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
const seen = new Set<string>();
function visit(folder: string): void {
  state.set(folder, 'open');
  stack.push(folder);
  for (const next of edges.get(folder) ?? []) {
    if (state.get(next) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(next)), next].join(' → ');
      if (!seen.has(cycle)) problems.push(`import cycle between folders: ${cycle}`);
      seen.add(cycle);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(folder, 'done');
}
for (const folder of edges.keys()) if (!state.has(folder)) visit(folder);

if (problems.length > 0) {
  process.stderr.write(`dependency rules broken (${problems.length}):\n${problems.map((problem) => `  ${problem}`).join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('dependency rules: ok\n');
}
