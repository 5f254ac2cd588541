import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, createLogger } from '@string-hashr/runtime';
import { connectBurstSide } from './connection.js';

const dir = mkdtempSync(path.join(tmpdir(), 'burst-kubeconfig-'));
const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
};
const side = (kubeconfig: string) => ({
  kubeconfig,
  namespace: 'default',
  autoscaler: 'worker-deployment',
  deployment: 'worker-deployment',
});
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: burst, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: istiowatcher, user: { token: t } }]
contexts: [{ name: burst, context: { cluster: burst, user: istiowatcher } }]
current-context: burst
`;

describe('connectBurstSide', () => {
  it('a missing file (the optional Secret not created): no burst side, one warning naming the setting', () => {
    const lines: string[] = [];
    const scaler = connectBurstSide(
      side(path.join(dir, 'absent')),
      'w-0',
      createLogger('t', (l) => lines.push(l)),
    );
    expect(scaler).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/warn t: BURST_KUBECONFIG=.*absent does not exist/);
  });

  it.each([
    ['a folder', () => dir, /is not valid: expected a kubeconfig file/],
    ['not YAML of a kubeconfig', () => file('junk', '{{{'), /is not valid: not a kubeconfig/],
    [
      'no current context',
      () => file('nocontext', KUBECONFIG.replace('current-context: burst', 'current-context: elsewhere')),
      /its current context names no cluster/,
    ],
  ])('%s stops the start, naming BURST_KUBECONFIG', (_name, at, message) => {
    let thrown: unknown;
    try {
      connectBurstSide(
        side(at()),
        'w-0',
        createLogger('t', () => {}),
      );
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(/^BURST_KUBECONFIG=/);
    expect((thrown as Error).message).toMatch(message);
  });

  it('a kubeconfig: the scaler on its cluster', () => {
    const scaler = connectBurstSide(
      side(file('good', KUBECONFIG)),
      'w-0',
      createLogger('t', () => {}),
    );
    expect(scaler?.description).toBe(
      'HorizontalPodAutoscaler default/worker-deployment in the burst cluster, Deployment worker-deployment',
    );
  });
});
