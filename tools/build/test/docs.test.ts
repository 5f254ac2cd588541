// The Markdown is part of the product: every relative link and #anchor must resolve, every npm
// script and nx target quoted in code must exist, and each file keeps to its line budget.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@string-hashr/testing';

/** Written by a program, not by hand: no line budget (tools/bench rewrites it on every run). */
const GENERATED = new Set(['docs/benchmarks.md']);

/** npm's own commands that run a package.json script of the same name. */
const SCRIPT_COMMANDS = new Set(['start', 'test', 'stop', 'restart']);

/** The lines budget of a Markdown file, by its path from the repository root. */
function lineBudget(file: string): number | null {
  if (GENERATED.has(file)) return null;
  if (file === 'README.md') return 150;
  if (/^(apps|libs)\/[^/]+\/README\.md$/.test(file)) return 150;
  return 400;
}

interface Parsed {
  /** The text outside code: where links count. */
  prose: string;
  /** Fenced and indented blocks and inline code spans: where commands are quoted. */
  code: string[];
  /** Heading texts outside code, in order. */
  headings: string[];
  /** Explicit anchors: `<a id="...">` or `<a name="...">`. */
  anchors: string[];
}

function parseMarkdown(text: string): Parsed {
  const prose: string[] = [];
  const code: string[] = [];
  const headings: string[] = [];
  let fence: string | null = null;
  let block: string[] = [];
  let previousBlank = true;
  for (const line of text.split('\n')) {
    if (fence !== null) {
      if (line.trimStart().startsWith(fence)) {
        code.push(block.join('\n'));
        fence = null;
        block = [];
      } else block.push(line);
      continue;
    }
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (opening?.[1]) {
      fence = opening[1];
      continue;
    }
    if (previousBlank && /^( {4}|\t)\S/.test(line)) {
      code.push(line);
      continue;
    }
    previousBlank = line.trim() === '';
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined) headings.push(heading[1]);
    const spans = [...line.matchAll(/(`+)(.+?)\1/g)];
    code.push(...spans.map((m) => m[2] ?? ''));
    prose.push(line.replace(/(`+)(.+?)\1/g, ''));
  }
  const joined = prose.join('\n');
  const anchors = [...joined.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)].map((m) => m[1] ?? '');
  return { prose: joined, code, headings, anchors };
}

/** GitHub's heading anchor: the rendered text, lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a file offers: heading slugs (a repeat gets -1, -2, ...) and explicit anchors. */
function anchorsOf(parsed: Parsed): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set(parsed.anchors);
  for (const heading of parsed.headings) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Link targets in prose: inline links and images, reference definitions, HTML src/href. */
function linkTargets(prose: string): string[] {
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const references = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1] ?? '');
  const html = [...prose.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
  return [...inline, ...references, ...html];
}

/** package.json scripts a piece of code runs: `npm run x`, `npm start`, `npm test`. */
function npmScripts(code: string): string[] {
  return [...code.matchAll(/\bnpm\s+(run(?:-script)?\s+)?([A-Za-z][\w:.-]*)/g)]
    .filter((m) => m[1] !== undefined || SCRIPT_COMMANDS.has(m[2] ?? ''))
    .map((m) => m[2] ?? '');
}

/** Nx targets a piece of code runs: `nx <target> <project>` and `nx run <project>:<target>`. */
function nxTargets(code: string, targetNames: Set<string>): Array<{ project: string; target: string }> {
  const byWords = [...code.matchAll(/\bnx\s+([a-z][\w-]*)\s+([a-z][\w-]*)/g)]
    .filter((m) => targetNames.has(m[1] ?? ''))
    .map((m) => ({ target: m[1] ?? '', project: m[2] ?? '' }));
  const byRun = [...code.matchAll(/\bnx\s+run\s+([a-z][\w-]*):([a-z][\w-]*)/g)].map((m) => ({
    project: m[1] ?? '',
    target: m[2] ?? '',
  }));
  return [...byWords, ...byRun];
}

describe('the checks themselves', () => {
  it.each([
    ['What is guaranteed, and what is not', 'what-is-guaranteed-and-what-is-not'],
    ['`GET /status`', 'get-status'],
    ['Develop one app with `nx serve`', 'develop-one-app-with-nx-serve'],
    ['Deploying again, and GitOps', 'deploying-again-and-gitops'],
    ['weights 100/0 -> 0/100', 'weights-1000---0100'],
    ['`WATCHER_ROUTE_KIND`', 'watcher_route_kind'],
    ['A [link](x.md) and **bold**', 'a-link-and-bold'],
  ])('slug(%j) is %j', (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  it('numbers a repeated heading', () => {
    expect([...anchorsOf(parseMarkdown('# Run\n\n## Run\n'))]).toEqual(['run', 'run-1']);
  });

  it('finds links in prose and commands in code, never links in code', () => {
    const parsed = parseMarkdown(
      [
        'See [the guide](docs/a.md#b), ![shot](docs/s.png) and <img src="docs/p.png">.',
        '`[not a link](nowhere.md)` and `npm run bench`, `npm ci`, `npm test`',
        '',
        '```sh',
        'npm start && npm run simulate -- --json',
        '[also not](x.md)',
        '```',
        '',
        '    npx nx serve worker',
        '[ref]: ./CONTRIBUTING.md',
      ].join('\n'),
    );
    expect(linkTargets(parsed.prose)).toEqual(['docs/a.md#b', 'docs/s.png', './CONTRIBUTING.md', 'docs/p.png']);
    expect(parsed.code.flatMap(npmScripts).sort()).toEqual(['bench', 'simulate', 'start', 'test']);
    expect(parsed.code.flatMap((c) => nxTargets(c, new Set(['serve'])))).toEqual([
      { target: 'serve', project: 'worker' },
    ]);
  });

  it('gives README 150 lines, app and lib READMEs 150, the rest 400, generated files none', () => {
    expect(
      ['README.md', 'apps/worker/README.md', 'libs/policy/README.md', 'docs/deploy.md', 'docs/benchmarks.md'].map(
        lineBudget,
      ),
    ).toEqual([150, 150, 150, 400, null]);
  });
});

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.md'], {
  cwd: repoRoot,
  encoding: 'utf8',
})
  .split('\0')
  .filter((file) => file !== '' && existsSync(path.join(repoRoot, file)));

const parsedFiles = new Map(
  files.map((file) => [file, parseMarkdown(readFileSync(path.join(repoRoot, file), 'utf8'))]),
);

function anchorsOfFile(file: string): Set<string> {
  const parsed = parsedFiles.get(file) ?? parseMarkdown(readFileSync(path.join(repoRoot, file), 'utf8'));
  return anchorsOf(parsed);
}

const { scripts } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

const projects = new Map(
  ['apps', 'libs', 'tools'].flatMap((group) =>
    readdirSync(path.join(repoRoot, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(repoRoot, group, entry.name, 'project.json')))
      .map((entry) => {
        const project = JSON.parse(readFileSync(path.join(repoRoot, group, entry.name, 'project.json'), 'utf8')) as {
          name: string;
          targets?: Record<string, unknown>;
        };
        return [project.name, new Set(Object.keys(project.targets ?? {}))] as const;
      }),
  ),
);
const targetNames = new Set([...projects.values()].flatMap((targets) => [...targets]));

describe('the Markdown files', () => {
  it('are found', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/getting-started.md');
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = [];
    for (const target of linkTargets(parsedFiles.get(file)?.prose ?? '')) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [rawPath = '', anchor] = target.split('#', 2);
      const decoded = decodeURIComponent(rawPath);
      const resolved =
        decoded === ''
          ? file
          : path.relative(
              repoRoot,
              decoded.startsWith('/') ? path.join(repoRoot, decoded) : path.join(repoRoot, path.dirname(file), decoded),
            );
      if (resolved.startsWith('..') || !existsSync(path.join(repoRoot, resolved))) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (anchor === undefined || !resolved.endsWith('.md') || statSync(path.join(repoRoot, resolved)).isDirectory()) {
        continue;
      }
      if (!anchorsOfFile(resolved).has(decodeURIComponent(anchor))) broken.push(`${target}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it.each(files)('%s: every npm script and nx target it quotes exists', (file) => {
    const code = parsedFiles.get(file)?.code ?? [];
    const missingScripts = code.flatMap(npmScripts).filter((name) => !(name in scripts));
    const missingTargets = code
      .flatMap((c) => nxTargets(c, targetNames))
      .filter(({ project, target }) => !projects.get(project)?.has(target))
      .map(({ project, target }) => `nx ${target} ${project}`);
    expect([...missingScripts.map((name) => `npm run ${name}`), ...missingTargets]).toEqual([]);
  });

  it.each(files)('%s: keeps to its line budget', (file) => {
    const budget = lineBudget(file);
    const lines = readFileSync(path.join(repoRoot, file), 'utf8').replace(/\n$/, '').split('\n').length;
    if (budget !== null) expect(lines, `${file} has ${lines} lines`).toBeLessThanOrEqual(budget);
  });
});
