/** The command line of the generator (src/main.ts runs it). */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, overrideArgs, parseArgs } from './config.js';
import { generate, KUSTOMIZATION_FILE, OUTPUT_DIRS, type GeneratedFile } from './layout.js';

export function generateFromArgs(argv: string[]): { files: GeneratedFile[]; out: string; check: boolean } {
  const options = parseArgs(argv);
  const config = loadConfig(options.config, options.overrides);
  const command = [
    'npm run manifests',
    ...(overrideArgs(options.overrides).length ? ['--', ...overrideArgs(options.overrides)] : []),
  ].join(' ');
  return { files: generate(config, command), out: options.out, check: options.check };
}

const isGenerated = (name: string) => /\.(yaml|json)$/.test(name) || name === KUSTOMIZATION_FILE;

/** Generated files in the output folders that this generation would not write. */
function staleFiles(out: string, files: GeneratedFile[]): string[] {
  const wanted = new Set(files.map((f) => f.path));
  return OUTPUT_DIRS.flatMap((dir) => {
    const abs = path.join(out, dir);
    if (!existsSync(abs)) return [];
    return readdirSync(abs, { withFileTypes: true })
      .filter((e) => e.isFile() && isGenerated(e.name) && !wanted.has(`${dir}/${e.name}`))
      .map((e) => `${dir}/${e.name}`);
  });
}

/** Generates, then writes (removing stale generated files) or, with --check, compares. Returns the exit code. */
export function run(argv: string[]): number {
  const { files, out, check } = generateFromArgs(argv);
  const stale = staleFiles(out, files);
  if (check) {
    const differ = files
      .filter((f) => !existsSync(path.join(out, f.path)) || readFileSync(path.join(out, f.path), 'utf8') !== f.content)
      .map((f) => f.path);
    for (const p of [...differ, ...stale]) console.error(`out of date: ${p}`);
    if (differ.length || stale.length) {
      console.error('The manifests differ from a fresh generation: run `npm run manifests` and commit the result.');
      return 1;
    }
    console.log(`${files.length} generated files are up to date`);
    return 0;
  }
  for (const p of stale) rmSync(path.join(out, p));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(out, f.path)), { recursive: true });
    writeFileSync(path.join(out, f.path), f.content);
  }
  console.log(`wrote ${files.length} files under ${out}${stale.length ? ` (removed ${stale.join(', ')})` : ''}`);
  return 0;
}
