import { describe, expect, it } from 'vitest';
import { pingRedis, startRedis } from '../src/redis-server.js';

describe('startRedis', () => {
  it('starts a real server on a free port, survives kill and restart, and stops', async () => {
    const redis = await startRedis();
    expect(await pingRedis(redis.port)).toBe(true);
    await redis.kill();
    expect(await pingRedis(redis.port)).toBe(false);
    await redis.restart();
    expect(await pingRedis(redis.port)).toBe(true);
    await redis.stop();
    expect(await pingRedis(redis.port)).toBe(false);
  });
});
