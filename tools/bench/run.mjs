#!/usr/bin/env node
// `npm run bench`: every benchmark in turn (the apps are built first by the npm script). Each
// prints its own tables; everything printed is also written to docs/benchmarks.md, the one home
// of the figures (the READMEs link there instead of copying numbers that would drift).
//
//   npm run bench                 # all, and rewrite docs/benchmarks.md
//   npm run bench -- --no-write   # all, print only
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const output = path.resolve(here, '../../docs/benchmarks.md');
const write = !process.argv.includes('--no-write');
const args = process.argv.slice(2).filter((a) => a !== '--no-write');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}`;
console.log(`machine: ${machine}`);

/** Runs one benchmark, echoing its output as it comes and keeping it for the report. */
function runBench(file) {
  return new Promise((resolve) => {
    let text = '';
    const child = spawn(process.execPath, [path.join(here, file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.on('close', (code) => resolve({ code, text }));
  });
}

/**
 * A benchmark's output as it printed it: its Markdown tables (lines starting with `|`) as they
 * are, everything else (progress lines, console.table boxes) fenced as text.
 */
function asMarkdown(text) {
  const blocks = [];
  for (const line of text.trim().split('\n')) {
    const markdown = line.startsWith('|');
    const last = blocks.at(-1);
    if (last && last.markdown === markdown) last.lines.push(line);
    else blocks.push({ markdown, lines: [line] });
  }
  return blocks
    .map(({ markdown, lines }) => {
      const body = lines.join('\n').trim();
      if (!body) return '';
      return markdown ? body : `\`\`\`text\n${body}\n\`\`\``;
    })
    .filter(Boolean)
    .join('\n\n');
}

const sections = [];
let failed = 0;
for (const bench of ['worker.mjs', 'frontend.mjs', 'watcher.mjs', 'simulate.mjs']) {
  console.log(`\n=== ${bench} ===`);
  const { code, text } = await runBench(bench);
  if (code !== 0) failed++;
  sections.push(
    `## ${bench.replace('.mjs', '')}\n\n${code === 0 ? '' : `(failed with exit code ${code})\n\n`}${asMarkdown(text)}\n`,
  );
}
if (write) {
  const header = [
    '# Benchmark figures',
    '',
    `Written by \`npm run bench\` (tools/bench) on ${new Date().toISOString().slice(0, 10)}; do not edit by hand.`,
    `Machine: ${machine}. Compare ratios within one run, not absolute numbers across runs:`,
    'the load generators share the cores with the servers.',
    '',
  ].join('\n');
  writeFileSync(output, `${header}\n${sections.join('\n')}`);
  console.log(`\nwrote ${path.relative(process.cwd(), output)}`);
}
process.exit(failed ? 1 : 0);
