// The generated Redis, run for real: a redis-server with the manifest's own arguments (the password
// as Kubernetes expands it from the Secret) refuses a client without the password (NOAUTH), and the
// apps' REDIS_URL from the same manifests gets in.
import { createConnection } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECRETS } from '@string-hashr/contract';
import { parseRedisUrl, redisOptions } from '@string-hashr/redis';
import { type TestRedis, startRedis } from '@string-hashr/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG_PATH, loadConfig } from './src/config.js';
import { generate } from './src/layout.js';

process.chdir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const files = generate(loadConfig(DEFAULT_CONFIG_PATH), 'test');
const containerOf = (file: string) => {
  const content = files.find((f) => f.path === file)?.content ?? '';
  const deployment = parseAllDocuments(content)
    .map((d) => d.toJS() as Doc)
    .find((d) => d.kind === 'Deployment');
  return deployment?.spec.template.spec.containers[0] as Doc;
};

/** What Kubernetes does with `$(NAME)` in args and values, given the Secret's value. */
const expand = (text: string, secrets: Record<string, string>) =>
  text.replace(/\$\(([A-Z0-9_]+)\)/g, (whole, name: string) => secrets[name] ?? whole);

/** One raw command on a fresh connection, and the first line of the answer. */
function ask(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0] ?? '');
    });
  });
}

describe('Redis with the generated password setting', () => {
  const password = 'generated-by-deploy-sh-0123456789';
  const redisContainer = containerOf('k8s/primary/redis.yaml');
  let redis: TestRedis;

  beforeAll(async () => {
    const secretEnv = (redisContainer.env as Doc[]).find((e) => e.name === 'REDIS_PASSWORD');
    expect(secretEnv?.valueFrom.secretKeyRef).toEqual({
      name: SECRETS.redisPassword.name,
      key: SECRETS.redisPassword.key,
    });
    const args = (redisContainer.args as string[]).map((arg) => expand(arg, { REDIS_PASSWORD: password }));
    expect(args[0]).toBe('redis-server');
    redis = await startRedis(args.slice(1));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('answers NOAUTH to a client without the password, whatever it asks', async () => {
    expect(await ask(redis.port, 'PING')).toMatch(/^-NOAUTH/);
    expect(await ask(redis.port, 'PUBLISH calculation forged')).toMatch(/^-NOAUTH/);
    expect(await ask(redis.port, 'SUBSCRIBE calculation')).toMatch(/^-NOAUTH/);
    expect(await ask(redis.port, 'AUTH wrong-password')).toMatch(/^-(WRONGPASS|ERR invalid password)/);
  });

  it.each(['k8s/primary/worker-primary.yaml', 'k8s/burst/worker-burst.yaml', 'k8s/primary/frontend.yaml'])(
    '%s: its REDIS_URL, as Kubernetes expands it, gets in',
    async (file) => {
      const container = containerOf(file);
      const env = container.env as Doc[];
      const names = env.map((e) => e.name as string);
      // REDIS_PASSWORD before REDIS_URL, or Kubernetes leaves $(REDIS_PASSWORD) as it is.
      expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'));
      const url = expand(env.find((e) => e.name === 'REDIS_URL')?.value as string, { REDIS_PASSWORD: password });
      const target = { ...parseRedisUrl(url), host: '127.0.0.1', port: redis.port };
      expect(target.password).toBe(password);
      const client = new Redis({ ...redisOptions(target), lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        expect(await client.ping()).toBe('PONG');
        expect(await client.publish('calculation', 'A'.repeat(43) + '=')).toBe(0);
      } finally {
        client.disconnect();
      }
    },
  );
});
