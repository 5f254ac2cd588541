// `npm start` stops cleanly: Ctrl-C ends every process it started and frees every port (its own
// stack, so the other stack tests never depend on running before it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOpen, startStack, type Stack } from '@string-hashr/testing';

describe('npm start: Ctrl-C', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ viaNpm: true, env: { LOCAL_PROMETHEUS: 'on' } });
  });

  afterAll(async () => {
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it('stops every process and frees every port', async () => {
    expect(stack.processes().length).toBeGreaterThanOrEqual(6);
    expect(await stack.ctrlC()).toBe(0);
    expect(stack.processes()).toEqual([]);
    for (const [name, port] of Object.entries(stack.ports)) expect(await portOpen(port), name).toBe(false);
    expect(await portOpen(Number(stack.redisUrl.split(':')[1]))).toBe(false);
    expect(stack.output()).toContain('local-stack: stopped');
  });
});
