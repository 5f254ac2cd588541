// `npm run replay` refuses a trace the frontend would refuse, naming the line, before it sends
// anything (a stack without Prometheus: nothing here is measured).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@string-hashr/testing';
import { replay } from './support.js';

describe('npm run replay against a running frontend', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it("refuses a trace above the frontend's MAX_RATE naming the line, before sending anything", async () => {
    stack = await startStack({ env: { LOCAL_PROMETHEUS: 'off' } });
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
    const file = path.join(dir, 'too-fast.csv');
    writeFileSync(file, 't,rps\n0,5\n1,12\n# the frontend allows 1000 by default\n2,5000\n3,5\n');
    const run = await replay(file, '--url', stack.pageUrl);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`replay: ${file} line 5: 5000 req/s is above the frontend's MAX_RATE (1000)`);
    expect(run.output).not.toContain('started at');
    expect(stack.output()).not.toMatch(/rate changed/);
  });
});
