import { describe, expect, it } from 'vitest';
import { LOCAL_WATCHER_DEFAULTS, localRouteKind, readStackConfig } from './config.js';

describe('readStackConfig', () => {
  it('has the documented defaults', () => {
    const config = readStackConfig({});
    expect(config.redisUrl).toBe('127.0.0.1:6379');
    expect(config.ports).toEqual({
      frontend: 8080,
      worker: 8081,
      burstWorker: 8082,
      mesh: 15001,
      watcher: 9102,
      prometheus: 9090,
    });
    expect(config.prometheus).toBe('auto');
    expect(config.build).toBe(true);
    expect(config.watcherEnv).toEqual(LOCAL_WATCHER_DEFAULTS);
  });

  it('takes ports and watcher settings from the environment, but not the wiring it owns', () => {
    const config = readStackConfig({
      FRONTEND_PORT: '3000',
      WATCHER_MODE: 'spill',
      PRIMARY_CAPACITY_RPS: '15',
      WATCHER_SAMPLES: '5',
      WATCHER_ROUTER: 'kubernetes',
      WATCHER_VS_FILE: '/etc/x',
      WATCHER_ROUTE_FILE: '/etc/y',
      PATH: '/bin',
    });
    expect(config.ports.frontend).toBe(3000);
    expect(config.watcherEnv).toMatchObject({
      WATCHER_MODE: 'spill',
      PRIMARY_CAPACITY_RPS: '15',
      WATCHER_SAMPLES: '5',
    });
    expect(config.watcherEnv).not.toHaveProperty('WATCHER_ROUTER');
    expect(config.watcherEnv).not.toHaveProperty('WATCHER_VS_FILE');
    expect(config.watcherEnv).not.toHaveProperty('WATCHER_ROUTE_FILE');
    expect(config.watcherEnv).not.toHaveProperty('PATH');
  });

  it.each([
    [{}, 'VirtualService'],
    [{ WATCHER_ROUTE_KIND: 'VirtualService' }, 'VirtualService'],
    [{ WATCHER_ROUTE_KIND: 'HTTPRoute' }, 'HTTPRoute'],
  ] as const)('%j runs the stack on a %s', (env, kind) => {
    expect(readStackConfig(env).routeKind).toBe(kind);
  });

  it.each([
    [
      { WATCHER_ROUTE_KIND: 'Ingress' },
      /WATCHER_ROUTE_KIND="Ingress" is not valid: expected one of VirtualService, HTTPRoute/,
    ],
    [{ FRONTEND_PORT: 'abc' }, /FRONTEND_PORT="abc" is not valid/],
    [{ WORKER_PORT: '8080' }, /WORKER_PORT=8080 is also FRONTEND_PORT/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL "http:\/\/x" has scheme http/],
    [{ LOCAL_PROMETHEUS: 'maybe' }, /LOCAL_PROMETHEUS="maybe" is not valid: expected one of auto, on, off/],
    [{ LOCAL_STACK_BUILD: 'x' }, /LOCAL_STACK_BUILD="x"/],
    [{ BURST_HIGH_RPS: 'abc' }, /BURST_HIGH_RPS="abc" is not valid/],
    [{ BURST_HIGH_RPS: '8' }, /BURST_LOW_RPS is not valid: must be below BURST_HIGH_RPS \(8\)/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => readStackConfig(env)).toThrow(message);
  });
});

describe('LOCAL_ROUTER and the route kind', () => {
  it.each([
    [{}, 'file', 'VirtualService'],
    [{ LOCAL_ROUTER: 'kubernetes' }, 'kubernetes', 'VirtualService'],
    [{ LOCAL_ROUTER: 'kubernetes', WATCHER_ROUTE_KIND: 'HTTPRoute' }, 'kubernetes', 'HTTPRoute'],
  ])('%j: router %s, route %s', (env, router, kind) => {
    const config = readStackConfig(env);
    expect(config.router).toBe(router);
    expect(config.routeKind).toBe(kind);
    expect(localRouteKind(env)).toBe(kind);
  });

  it.each([
    [{ LOCAL_ROUTER: 'cluster' }, /LOCAL_ROUTER/],
    [{ WATCHER_ROUTE_KIND: 'Ingress' }, /WATCHER_ROUTE_KIND/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => readStackConfig(env)).toThrow(message);
  });
});
