// `npm start` keeps its terminal readable: after the status block, a burst and a return print a
// line per event and none per tick (the page URL stays on the last screen), and each weight change
// the watcher makes is there as exactly one line with its reason. Then Ctrl-C stops it cleanly.
import { WATCHER_STATUS_PATH, parseWatcherStatus } from '@string-hashr/contract';
import { explainFailure, http, portOpen, startStack, waitFor, type Stack } from '@string-hashr/testing';
import { type Socket, io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** Hang guard of each wait: the story asserts what is printed, not how fast it comes. */
const HANG_MS = 120_000;
/** Lines of no known event a burst and its return may print (a reconnect, a warning): a count per story. */
const OTHER_LINES = 10;

describe('npm start: the terminal under a burst and its return', () => {
  let stack: Stack;
  let page: Socket;

  beforeAll(async () => {
    stack = await startStack({ viaNpm: true, env: { LOCAL_PROMETHEUS: 'on' } });
    page = io(stack.pageUrl, { transports: ['websocket'] });
    await waitFor('the page connected', () => page.connected, 10_000);
  });

  afterEach(explainFailure(() => stack));

  afterAll(async () => {
    page?.close();
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  const status = async () => {
    const read = parseWatcherStatus(
      JSON.parse((await http(`http://127.0.0.1:${stack.ports.WATCHER_PORT}${WATCHER_STATUS_PATH}`)).body),
    );
    if (!read.ok) throw new Error(read.problem);
    return read.status;
  };
  const setRate = (freq: number) => page.timeout(5000).emitWithAck('frequency', { freq });

  it('a burst at 30 req/s and a return at 3: a line per event, none per tick, and each weight change as one line with its reason', async () => {
    const output = stack.output();
    const blockEnd = output.lastIndexOf('='.repeat(20));
    expect(blockEnd, 'the status block').toBeGreaterThan(0);
    const after = () => stack.output().slice(stack.output().indexOf('\n', blockEnd) + 1);

    expect(await setRate(30)).toEqual({ ok: true, freq: 30 });
    await waitFor('the burst', async () => (await status()).phase === 'burst', HANG_MS, 250);
    // Hold the load past a summary of the watcher (every 30 s): half a minute of a steady burst.
    const summaries = () => after().match(/istiowatcher +\| \S+ info istiowatcher: summary ticks=/g)?.length ?? 0;
    await waitFor('a summary of the watcher during the burst', () => summaries() >= 1, HANG_MS, 500);
    expect(await setRate(3)).toEqual({ ok: true, freq: 3 });
    await waitFor('the return', async () => (await status()).phase === 'natural', HANG_MS, 250);
    const changes = (await status()).changes;
    // The stack polls the status: its line for the last change comes after the change.
    const lastLine = `weights ${changes[0]?.from?.primary}/${changes[0]?.from?.burst} -> 100/0: `;
    await waitFor('the line of the return', () => after().includes(lastLine), HANG_MS, 250);

    const lines = after().split('\n').filter(Boolean);
    const changeLines = lines.filter((l) => /^\d\d:\d\d:\d\d {2}weights \d+\/\d+ -> \d+\/\d+: /.test(l));
    const rateLines = lines.filter((l) => / info frontend: rate changed /.test(l));
    const watcherChangeLines = lines.filter((l) => / info istiowatcher: weights changed /.test(l));
    const summaryLines = lines.filter((l) => / info istiowatcher: summary ticks=/.test(l));
    const known = new Set([...changeLines, ...rateLines, ...watcherChangeLines, ...summaryLines]);
    const other = lines.filter((l) => !known.has(l));
    console.log(`${lines.length} lines after the status block:\n${lines.join('\n')}`);
    // A line per event: each rate the page set, each change (the watcher's own line and the stack's);
    // the watcher's periodic summary; a few others at most.
    expect(rateLines).toHaveLength(2);
    expect(watcherChangeLines).toHaveLength(changes.length);
    expect(other.length, other.join('\n')).toBeLessThanOrEqual(OTHER_LINES);
    // Every change the watcher made, once, with its reason; no other change line.
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(changeLines).toHaveLength(changes.length);
    for (const change of changes) {
      const text = `weights ${change.from?.primary}/${change.from?.burst} -> ${change.to.primary}/${change.to.burst}: ${change.reason}`;
      expect(
        changeLines.filter((l) => l.endsWith(`  ${text}`)),
        text,
      ).toHaveLength(1);
    }
    expect(changeLines.some((l) => / -> 0\/100: \d+\.\d+ req\/s above high threshold 15$/.test(l))).toBe(true);
    expect(
      changeLines.some((l) => / -> 100\/0: \d+\.\d+ req\/s below low threshold 10( \(no new data\))?$/.test(l)),
    ).toBe(true);
    // The watcher writes no line per tick.
    expect(lines.filter((l) => / info istiowatcher: tick /.test(l))).toEqual([]);
  }, 240_000);

  it('Ctrl-C stops every process it started and frees every port', async () => {
    page.close();
    expect(stack.processes().length).toBeGreaterThanOrEqual(6);
    expect(await stack.ctrlC()).toBe(0);
    expect(stack.processes()).toEqual([]);
    for (const [name, port] of Object.entries(stack.ports)) expect(await portOpen(port), name).toBe(false);
    expect(await portOpen(Number(stack.redisUrl.split(':')[1]))).toBe(false);
    expect(stack.output()).toContain('local-stack: stopped');
  });
});
