import { describe, expect, it } from 'vitest';
import { ConfigError, envBoolean, envChoice, envNumber, envPort, envString, envUrl } from './env.js';

describe('environment parsing', () => {
  it.each([
    [() => envString({}, 'A', 'dflt'), 'dflt'],
    [() => envString({ A: '  x ' }, 'A', 'dflt'), 'x'],
    [() => envString({ A: '' }, 'A', 'dflt'), 'dflt'],
    [() => envNumber({ N: '2.5' }, 'N', 1), 2.5],
    [() => envNumber({}, 'N', 1), 1],
    [() => envPort({ PORT: '0' }, 'PORT', 8080), 0],
    [() => envPort({}, 'PORT', 8080), 8080],
    [() => envBoolean({ B: 'TRUE' }, 'B', false), true],
    [() => envBoolean({ B: 'no' }, 'B', true), false],
    [() => envChoice({ M: 'spill' }, 'M', ['switch', 'spill'], 'switch'), 'spill'],
    [() => envUrl({ U: 'http://worker:8081' }, 'U', undefined), 'http://worker:8081'],
  ])('%#: reads a valid value or the default', (read, expected) => {
    expect(read()).toBe(expected);
  });

  it.each([
    [() => envNumber({ N: 'abc' }, 'N', 1), /^N="abc" is not valid: expected a number$/],
    [() => envNumber({ N: '-1' }, 'N', 1, { min: 0 }), /^N=-1 is out of range: expected a number >= 0$/],
    [() => envNumber({ N: '1.5' }, 'N', 1, { integer: true }), /N="1.5" is not valid: expected an integer/],
    [() => envPort({ PORT: '99999' }, 'PORT', 1), /PORT=99999 is out of range/],
    [() => envBoolean({ B: 'maybe' }, 'B', true), /B="maybe" is not valid: expected true or false/],
    [
      () => envChoice({ M: 'all' }, 'M', ['switch', 'spill'], 'switch'),
      /M="all" is not valid: expected one of switch, spill/,
    ],
    [() => envUrl({ U: 'worker' }, 'U', undefined), /U="worker" is not valid: expected a URL/],
    [() => envUrl({ U: 'ftp://x' }, 'U', undefined), /expected http: or https: URL/],
    [() => envUrl({}, 'U', undefined), /U is not set/],
  ])('%#: rejects a bad value with a ConfigError naming the variable', (read, message) => {
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });
});

describe('a URL with a password in a bad setting', () => {
  it('is quoted with the password masked', () => {
    expect(() => envUrl({ U: 'ftp://user:s3cr3t@host' }, 'U', undefined)).toThrow('U="ftp://user:***@host"');
    expect(() => envUrl({ U: 'ftp://user:s3cr3t@host' }, 'U', undefined)).not.toThrow(/s3cr3t/);
  });
});
