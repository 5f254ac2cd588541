import { redactUrl } from './redact.js';

/** A bad setting: main() prints the message (which names the variable) and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function envString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envOptional(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function envNumber(
  env: Env,
  name: string,
  fallback: number,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  const kind = range.integer ? 'an integer' : 'a number';
  const bounds = `${range.min !== undefined ? ` >= ${range.min}` : ''}${range.max !== undefined ? ` <= ${range.max}` : ''}`;
  if (!Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    throw new ConfigError(`${name}="${text}" is not valid: expected ${kind}${bounds}`);
  }
  if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
    throw new ConfigError(`${name}=${text} is out of range: expected ${kind}${bounds}`);
  }
  return value;
}

export function envPort(env: Env, name: string, fallback: number): number {
  return envNumber(env, name, fallback, { min: 0, max: 65535, integer: true });
}

export function envBoolean(env: Env, name: string, fallback: boolean): boolean {
  const text = raw(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${name}="${env[name]}" is not valid: expected true or false`);
}

export function envChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new ConfigError(`${name}="${text}" is not valid: expected one of ${choices.join(', ')}`);
  }
  return text as T;
}

export function envUrl(env: Env, name: string, fallback: string | undefined, protocols = ['http:', 'https:']): string {
  const text = raw(env, name) ?? fallback;
  if (text === undefined) throw new ConfigError(`${name} is not set: expected a URL such as http://host:port`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${name}="${redactUrl(text)}" is not valid: expected a URL such as http://host:port`);
  }
  if (!protocols.includes(url.protocol))
    throw new ConfigError(`${name}="${redactUrl(text)}" is not valid: expected ${protocols.join(' or ')} URL`);
  return text;
}
