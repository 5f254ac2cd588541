import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it.each([
    ['redis-cache-service:6379', { host: 'redis-cache-service', port: 6379, tls: false, db: 0 }],
    ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000, tls: false, db: 0 }],
    ['[::1]:6380', { host: '::1', port: 6380, tls: false, db: 0 }],
    [' localhost:6379 ', { host: 'localhost', port: 6379, tls: false, db: 0 }],
    ['redis://localhost', { host: 'localhost', port: 6379, tls: false, db: 0 }],
    ['redis://localhost:6390/2', { host: 'localhost', port: 6390, tls: false, db: 2 }],
    [
      'redis://user:p%40ss@cache:6379/0',
      { host: 'cache', port: 6379, tls: false, db: 0, username: 'user', password: 'p@ss' },
    ],
    ['redis://:secret@cache:6379', { host: 'cache', port: 6379, tls: false, db: 0, password: 'secret' }],
    ['rediss://cache.example.com:6380', { host: 'cache.example.com', port: 6380, tls: true, db: 0 }],
    ['redis://[::1]:6379', { host: '::1', port: 6379, tls: false, db: 0 }],
  ])('accepts %j', (input, expected) => {
    expect(parseRedisUrl(input)).toEqual({ username: undefined, password: undefined, ...expected });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['localhost', /not valid; expected host:port/],
    ['localhost:', /not valid/],
    ['localhost:abc', /not valid/],
    ['localhost:0', /port 0; expected 1-65535/],
    ['localhost:70000', /port 70000/],
    ['http://localhost:6379', /scheme http; expected/],
    ['redis://', /not a valid URL|no host/],
    ['redis://localhost:6379/abc', /database "abc"/],
    ['host name:6379', /not valid/],
  ])('rejects %j with a clear message', (input, message) => {
    expect(() => parseRedisUrl(input)).toThrow(message);
  });

  it.each([
    ['redis://:s3cr3t@cache:70000', 'redis://:***@cache:70000'],
    ['redis://user:s3cr3t@cache:6379/abc', 'redis://user:***@cache:6379/abc'],
    ['http://:s3cr3t@cache:6379', 'http://:***@cache:6379'],
    [':s3cr3t@cache:6379', ':***@cache:6379'],
    ['redis://:s3cr3t with spaces@cache:1:2', 'redis://:***@cache:1:2'],
  ])('never repeats the password of %j in its message', (input, shown) => {
    let message = '';
    try {
      parseRedisUrl(input);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`"${shown}"`);
    expect(message).not.toContain('s3cr3t');
  });
});
