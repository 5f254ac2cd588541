import { describe, expect, it } from 'vitest';
import { type HandshakeOrigin, checkOrigin, presentsKey } from './access.js';

describe('checkOrigin', () => {
  const allowed = ['https://hashr.example.com'];
  it.each<[string, HandshakeOrigin, boolean]>([
    ['the page itself', { origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' }, true],
    ['the page behind the gateway (TLS ends there)', { origin: 'https://34.1.2.3', host: '34.1.2.3' }, true],
    ['host in another case', { origin: 'http://Hashr.Local:8080', host: 'hashr.local:8080' }, true],
    ['an allowed origin', { origin: 'https://hashr.example.com', host: '10.0.0.7:8080' }, true],
    ['no Origin (curl, a script)', { host: '127.0.0.1:8080' }, true],
    ['no Origin, same-origin fetch', { host: 'h', secFetchSite: 'same-origin' }, true],
    ['another origin', { origin: 'https://evil.example', host: '127.0.0.1:8080' }, false],
    ['same host, another port', { origin: 'http://127.0.0.1:9999', host: '127.0.0.1:8080' }, false],
    ['a look-alike of an allowed origin', { origin: 'https://hashr.example.com.evil.example', host: 'h' }, false],
    ['an allowed host on another scheme', { origin: 'http://hashr.example.com', host: 'h' }, false],
    ['a sandboxed frame (Origin: null)', { origin: 'null', host: '127.0.0.1:8080' }, false],
    ['no Host header', { origin: 'http://127.0.0.1:8080' }, false],
    ['a cross-site request without Origin', { host: 'h', secFetchSite: 'cross-site' }, false],
    ['a same-site request without Origin', { host: 'h', secFetchSite: 'same-site' }, false],
  ])('%s -> %s', (_name, handshake, ok) => {
    expect(checkOrigin(handshake, allowed).ok).toBe(ok);
  });
});

describe('presentsKey', () => {
  const key = 'k3y-0f-at-least-sixteen';
  it.each<[string, unknown, boolean]>([
    ['the key', key, true],
    ['another key', 'k3y-0f-at-least-sixteeN', false],
    ['a prefix of it', key.slice(0, 10), false],
    ['the key and more', key + 'x', false],
    ['nothing', undefined, false],
    ['an empty string', '', false],
    ['a number', 42, false],
    ['an object', { toString: () => key }, false],
    ['an array of it', [key], false],
    ['a megabyte', 'x'.repeat(1024 * 1024), false],
  ])('%s -> %s', (_name, presented, ok) => {
    expect(presentsKey(presented, key)).toBe(ok);
  });
});
