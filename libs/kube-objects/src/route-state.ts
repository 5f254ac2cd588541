/**
 * The worker route (a VirtualService or an HTTPRoute: route-flavour.ts) as the watcher's state and
 * the operator's orders: the weights, the `burst.string-hashr.dev/*` annotations, and the JSON
 * Patch that writes them together. Pure functions over plain objects; the routers do the I/O.
 */
import {
  BURST_ANNOTATIONS,
  PHASE_VALUES,
  PIN_VALUES,
  REASON_MAX_LENGTH,
  type PhaseValue,
  type PinValue,
} from '@string-hashr/contract';
import { checkWeights, type Weights } from '@string-hashr/policy';
import { flavourOf, type RouteObject, type RouteShape } from './route-flavour.js';
import type { JsonPatchOp } from './virtual-service.js';

/** What the watcher wrote with its last weight change. */
export interface ChangeRecord {
  phase: PhaseValue;
  /** ms since the epoch. */
  changedAt: number;
  reason: string;
}

/** The operator's orders. An annotation with a value the watcher does not understand suspends it (and says why). */
export interface OperatorControl {
  suspend: boolean;
  pin?: PinValue;
}

/** Everything the watcher reads from the object. */
export interface RouteState {
  weights: Weights;
  /** The watcher's record, each field only when present and well formed. */
  record: Partial<ChangeRecord>;
  /** The fencing token of the leader that wrote last, when any did. */
  owner?: string;
  control: OperatorControl;
  /** Annotations present but not understood, one sentence each (for the log). */
  problems: string[];
  /** resourceVersion (or, for a file, a digest of its text): what a write expects to find. */
  version?: string;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/** `changed-at` as written: RFC 3339 in UTC, to the millisecond. */
export function formatChangedAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** `changed-at` as read: ms since the epoch, or undefined when it is not an RFC 3339 time. */
export function parseChangedAt(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  // Date.parse rolls 30 February over into March; a day the month does not have is not a time.
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** At most REASON_MAX_LENGTH characters (code points, so no surrogate pair is cut), `...` where cut. */
export function annotationReason(reason: string): string {
  const chars = Array.from(reason);
  if (chars.length <= REASON_MAX_LENGTH) return reason;
  return chars.slice(0, REASON_MAX_LENGTH - 3).join('') + '...';
}

/** A JSON Pointer (RFC 6901) token: `~` as `~0`, `/` as `~1`, so `burst.string-hashr.dev/owner` is one token. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A path (a JSON Pointer's tokens, as route-flavour.ts locates the weights) as a JSON Pointer. */
export function pointerOf(path: ReadonlyArray<string | number>): string {
  return path.map((token) => `/${pointerToken(String(token))}`).join('');
}

const annotationPath = (key: string) => pointerOf(['metadata', 'annotations', key]);

function annotationsOf(vs: RouteObject): Record<string, unknown> | undefined {
  const annotations = vs.metadata?.annotations;
  return annotations && typeof annotations === 'object' && !Array.isArray(annotations)
    ? (annotations as Record<string, unknown>)
    : undefined;
}

/**
 * Reads the weights, the record, the owner and the orders; throws only when the weights cannot be
 * read. `shape`: the route's flavour, or a VirtualService's subsets (the default).
 */
export function readRouteState(vs: RouteObject, shape?: RouteShape): RouteState {
  const weights = flavourOf(shape).read(vs);
  const annotations = annotationsOf(vs) ?? {};
  const text = (key: string) => {
    const value = annotations[key];
    return typeof value === 'string' ? value : undefined;
  };
  const problems: string[] = [];
  const record: Partial<ChangeRecord> = {};

  const phase = text(BURST_ANNOTATIONS.phase);
  if (phase !== undefined) {
    if ((PHASE_VALUES as readonly string[]).includes(phase)) record.phase = phase as PhaseValue;
    else problems.push(`${BURST_ANNOTATIONS.phase}="${phase}" is not one of ${PHASE_VALUES.join(', ')}: ignored`);
  }
  const changedAt = text(BURST_ANNOTATIONS.changedAt);
  if (changedAt !== undefined) {
    const ms = parseChangedAt(changedAt);
    if (ms !== undefined) record.changedAt = ms;
    else problems.push(`${BURST_ANNOTATIONS.changedAt}="${changedAt}" is not an RFC 3339 time: ignored`);
  }
  const reason = text(BURST_ANNOTATIONS.reason);
  if (reason !== undefined) record.reason = reason;

  const control: OperatorControl = { suspend: false };
  const suspend = text(BURST_ANNOTATIONS.suspend);
  if (suspend !== undefined && suspend !== 'false') {
    control.suspend = true;
    if (suspend !== 'true')
      problems.push(
        `${BURST_ANNOTATIONS.suspend}="${suspend}" is not "true" or "false": taken as "true" (no change is made)`,
      );
  }
  const pin = text(BURST_ANNOTATIONS.pin);
  if (pin !== undefined) {
    if ((PIN_VALUES as readonly string[]).includes(pin)) control.pin = pin as PinValue;
    else {
      // The operator asked for something; guessing what would be worse than holding still.
      control.suspend = true;
      problems.push(
        `${BURST_ANNOTATIONS.pin}="${pin}" is not one of ${PIN_VALUES.join(', ')}: no change is made until it is fixed or removed`,
      );
    }
  }

  const owner = text(BURST_ANNOTATIONS.owner);
  return {
    weights,
    record,
    ...(owner !== undefined ? { owner } : {}),
    control,
    problems,
    ...(vs.metadata?.resourceVersion ? { version: vs.metadata.resourceVersion } : {}),
  };
}

/** One write of the watcher: its token, and optionally new weights with the record that goes with them. */
export interface StateWrite {
  /** The fencing token written as the owner annotation. */
  owner: string;
  /** New weights; they always come with their record. Absent: only the owner is written (a claim). */
  change?: { weights: Weights; record: ChangeRecord };
  /** What the object must still say, or the API server refuses the whole patch (a failed `test`, 422). */
  expect: { version?: string; owner?: string };
}

/** The annotations a write sets, as strings. */
export function writtenAnnotations(write: StateWrite): Record<string, string> {
  const out: Record<string, string> = {};
  if (write.change) {
    const { record } = write.change;
    out[BURST_ANNOTATIONS.phase] = record.phase;
    out[BURST_ANNOTATIONS.changedAt] = formatChangedAt(record.changedAt);
    out[BURST_ANNOTATIONS.reason] = annotationReason(record.reason);
  }
  out[BURST_ANNOTATIONS.owner] = write.owner;
  return out;
}

/**
 * One JSON Patch (RFC 6902) for one write: first the `test`s (the resourceVersion as read, the
 * owner the writer expects: a deposed leader's token no longer matches), then the annotations that
 * change, then the two weights (each `test`ed as read, then replaced). All of it applies, or none.
 * An annotation already at its value is not written again: a write that changes nothing leaves the
 * object's metadata alone (Istio 1.30.0-1.30.2 pushed config to every proxy on any metadata change).
 */
export function statePatch(vs: RouteObject, write: StateWrite, shape?: RouteShape): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  if (write.expect.version !== undefined)
    ops.push({ op: 'test', path: '/metadata/resourceVersion', value: write.expect.version });
  if (write.expect.owner !== undefined)
    ops.push({ op: 'test', path: annotationPath(BURST_ANNOTATIONS.owner), value: write.expect.owner });

  const annotations = writtenAnnotations(write);
  const present = annotationsOf(vs);
  if (!present) {
    if (!vs.metadata) ops.push({ op: 'add', path: '/metadata', value: {} });
    ops.push({ op: 'add', path: '/metadata/annotations', value: annotations });
  } else {
    // `add` on an existing member replaces it (RFC 6902 4.1), so one op serves both cases.
    for (const [key, value] of Object.entries(annotations))
      if (present[key] !== value) ops.push({ op: 'add', path: annotationPath(key), value });
  }

  if (write.change) {
    const { weights } = write.change;
    checkWeights(weights);
    const at = flavourOf(shape).locate(vs);
    for (const [slot, weight] of [
      [at.primary, weights.primary],
      [at.burst, weights.burst],
    ] as const) {
      const path = pointerOf(slot.path);
      if (slot.weight === undefined) ops.push({ op: 'add', path, value: weight });
      else ops.push({ op: 'test', path, value: slot.weight }, { op: 'replace', path, value: weight });
    }
  }
  return ops;
}
