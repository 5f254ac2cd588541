// The burst alerts in the local stack, as a story: `npm start` with Prometheus, 30 req/s through the
// frontend's socket until the watcher bursts, then the burst worker killed. The health gate rolls
// back, and BurstRolledBack starts firing: in Prometheus's /api/v1/alerts and as a line under the
// status block, after the rollback's own line. The line for an alert that stops firing is the
// follower's (src/alerts.test.ts): waiting out the rule's window here would add minutes.
import { type Socket, io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BURST_ALERTS, WATCHER_METRICS } from '@string-hashr/contract';
import { type Stack, explainFailure, processEnv, stackWatcherMetric, startStack, waitFor } from '@string-hashr/testing';

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
}

const FIRING_LINE = new RegExp(
  `alert ${BURST_ALERTS.rolledBack} firing \\(critical\\): .*runbook docs/operate\\.md#burstrolledback`,
);

describe('burst alerts in the local stack', () => {
  let stack: Stack;
  let socket: Socket | undefined;
  let prometheus: string;

  const watcherGauge = (name: string) => stackWatcherMetric(stack, name);

  async function firing(): Promise<string[]> {
    const body = (await (await fetch(`${prometheus}/api/v1/alerts`)).json()) as { data: { alerts: ApiAlert[] } };
    return body.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname ?? '');
  }

  beforeAll(async () => {
    // A long cool-down: the watcher does not try the dead burst side again during the story.
    stack = await startStack({ env: { LOCAL_PROMETHEUS: 'on', WATCHER_HEALTH_COOLDOWN_SECONDS: '3600' } });
    prometheus = `http://127.0.0.1:${stack.ports.PROMETHEUS_PORT}`;
  });

  afterEach(explainFailure(() => stack));

  afterAll(async () => {
    socket?.close();
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it("Prometheus has the seven alerts' rules", async () => {
    const body = (await (await fetch(`${prometheus}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string }> }> };
    };
    const names = new Set(body.data.groups.flatMap((g) => g.rules.map((r) => r.name)));
    expect(names).toEqual(new Set(Object.values(BURST_ALERTS)));
  });

  it('killing the burst worker during a burst at 30 req/s: the rollback, then BurstRolledBack firing, in Prometheus and under the status block', async () => {
    socket = io(stack.pageUrl, { transports: ['websocket'] });
    await waitFor('the socket to connect', () => socket?.connected, 10_000);
    expect(await socket.timeout(5000).emitWithAck('frequency', { freq: 30 })).toEqual({ ok: true, freq: 30 });
    await waitFor(
      'the watcher to move the weights to burst',
      async () => (await watcherGauge(WATCHER_METRICS.burstWeight)) === 100,
      60_000,
      250,
    );
    expect(await firing()).not.toContain(BURST_ALERTS.rolledBack);

    const burstWorker = stack.processes().find((pid) => processEnv(pid).PREFIX === 'bursty-');
    expect(burstWorker, 'the burst worker process').toBeDefined();
    process.kill(burstWorker ?? 0, 'SIGKILL');

    await waitFor(
      'BurstRolledBack in /api/v1/alerts',
      async () => (await firing()).includes(BURST_ALERTS.rolledBack),
      60_000,
      500,
    );
    await waitFor('the BurstRolledBack line', () => FIRING_LINE.test(stack.output()), 10_000, 200);
    const output = stack.output();
    const burstLine = output.search(/ {2}weights 100\/0 -> 0\/100: /);
    const rollbackLine = output.search(/ {2}weights 0\/100 -> 100\/0: burst side failing/);
    const alertLine = output.search(FIRING_LINE);
    expect(burstLine).toBeGreaterThan(output.indexOf('String Hashr is running'));
    expect(rollbackLine).toBeGreaterThan(burstLine);
    expect(alertLine).toBeGreaterThan(rollbackLine);
    expect(output.match(new RegExp(FIRING_LINE, 'g'))).toHaveLength(1);
  });
});
