import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { StartError, closeServer, listen, listenFailure } from './lifecycle.js';
import { createLogger, throttledLog } from './log.js';

describe('listenFailure', () => {
  it.each([
    ['EADDRINUSE', 'PORT', 8081, undefined, 'PORT=8081 is already in use'],
    ['EADDRINUSE', 'MESH_PORT', 15001, '127.0.0.1', 'MESH_PORT=15001 is already in use on 127.0.0.1'],
    ['EACCES', 'PORT', 80, undefined, 'PORT=80 is not allowed for this user (ports below 1024 need privileges)'],
    ['EMFILE', 'PORT', 8080, undefined, undefined],
  ])('%s on %s=%d', (code, variable, port, host, expected) => {
    expect(listenFailure(code, variable, port, host)).toBe(expected);
  });
});

describe('listen', () => {
  it('names the variable when the port is taken', async () => {
    const first = createServer();
    const port = await listen(first, 0, '127.0.0.1');
    try {
      const second = listen(createServer(), port, '127.0.0.1', 'WORKER_PORT');
      await expect(second).rejects.toBeInstanceOf(StartError);
      await expect(second).rejects.toThrow(`WORKER_PORT=${port} is already in use on 127.0.0.1`);
    } finally {
      await closeServer(first, 100);
    }
  });
});

describe('createLogger', () => {
  it('masks the password of any URL in a line', () => {
    const lines: string[] = [];
    const log = createLogger('test', (line) => lines.push(line));
    log.error('cannot reach redis://:s3cr3t@cache:6379', { url: 'https://u:t0k3n@h/' });
    expect(lines[0]).toMatch(/error test: cannot reach redis:\/\/:\*\*\*@cache:6379 url=https:\/\/u:\*\*\*@h\/$/);
    expect(lines.join('')).not.toMatch(/s3cr3t|t0k3n/);
  });
});

describe('throttledLog', () => {
  it('logs one line per kind per interval, then says how many it held back', () => {
    const lines: string[] = [];
    let now = 0;
    const log = throttledLog(
      createLogger('t', (line) => lines.push(line.replace(/^\S+ /, ''))),
      1000,
      () => now,
    );
    for (let i = 0; i < 500; i++) log.warn('origin', 'socket refused', { reason: 'evil' });
    log.warn('flood', 'too many rate changes');
    now = 999;
    log.warn('origin', 'socket refused', { reason: 'evil' });
    now = 1000;
    log.warn('origin', 'socket refused', { reason: 'evil' });
    expect(lines).toEqual([
      'warn t: socket refused reason=evil',
      'warn t: too many rate changes',
      'warn t: socket refused reason=evil suppressed=500',
    ]);
  });
});
