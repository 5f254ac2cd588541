import { describe, expect, it } from 'vitest';
import { parseSimulateArgs } from './cli.js';

describe('parseSimulateArgs', () => {
  it('defaults: every scenario, seed 1, one day, the shipped deployment, a table', () => {
    expect(parseSimulateArgs([])).toMatchObject({
      scenarios: [],
      traces: [],
      seeds: [1],
      summary: false,
      days: 1,
      deployment: 'gke',
      json: false,
      chartPolicy: 'ours',
      model: [],
    });
  });

  it('reads every option, both --flag value and --flag=value', () => {
    expect(
      parseSimulateArgs([
        '--scenario',
        'daily',
        '--days=30',
        '--seed',
        '7,8',
        '--summary',
        '--pod-start-seconds',
        '20',
        '--deployment=local',
        '--vary',
        'WATCHER_SAMPLES=1, 2',
      ]),
    ).toMatchObject({
      scenarios: ['daily'],
      days: 30,
      seeds: [7, 8],
      summary: true,
      deployment: 'local',
      model: [['--pod-start-seconds', '20']],
      vary: [['WATCHER_SAMPLES', ['1', '2']]],
    });
  });

  it.each<[string[], RegExp]>([
    [['--scenario', 'tuesday'], /--scenario tuesday is not a built-in scenario: expected one of daily, /],
    [['--seed', '-1'], /--seed is not valid: expected integers >= 0 separated by commas, got "-1"/],
    [['--seed', '1,x'], /--seed is not valid: expected integers >= 0 separated by commas, got "x"/],
    [['--json', '--scenario', 'daily', '--seed', '1,2'], /describe one run/],
    [['--days', '0'], /--days is not valid/],
    [['--days'], /--days needs a value/],
    [['--frobnicate', '1'], /unknown option --frobnicate/],
    [['--vary', 'WATCHER_SAMPLES'], /--vary is not valid: expected NAME=value,value,..., got "WATCHER_SAMPLES"/],
    [['daily'], /unexpected argument "daily"/],
    [['--json'], /--json, --chart, --png and --write-trace describe one run: give one --scenario or one --trace/],
    [['--chart', 'x.svg', '--scenario', 'daily', '--scenario', 'steps'], /describe one run/],
  ])('%j is refused with a clear message', (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(message);
  });
});
