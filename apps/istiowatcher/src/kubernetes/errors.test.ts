import { describe, expect, it } from 'vitest';
import { DeadlineError, apiFailure, describeApiError, isFailedTest } from './errors.js';
import { RouterError } from '../routers/router.js';

/** An error as client-node throws it: the HTTP code and the Status body as text. */
const apiError = (code: number, message: string, causes: string[] = [], reason = 'Invalid') => ({
  code,
  body: JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    reason,
    code,
    ...(causes.length
      ? { details: { causes: causes.map((m) => ({ reason: 'UnexpectedServerResponse', message: m })) } }
      : {}),
  }),
});

const REJECTED = 'the server rejected our request due to an error in our request';
const call = {
  verb: 'patch',
  resource: 'virtualservices',
  group: 'networking.istio.io',
  namespace: 'default',
  name: 'vs',
};

describe('describeApiError', () => {
  it.each([
    [
      '403',
      apiError(403, 'forbidden', [], 'Forbidden'),
      'forbidden',
      /needs RBAC verb "patch" on virtualservices.networking.istio.io "vs"/,
    ],
    ['404', apiError(404, 'not found', [], 'NotFound'), 'not-found', /does not exist/],
    ['409', apiError(409, 'the object has been modified', [], 'Conflict'), 'conflict', /changed since it was read/],
    [
      "422 from a patch that does not apply (kube-apiserver's form: this message, no causes)",
      apiError(422, REJECTED),
      'conflict',
      /conflict .*changed since it was read/,
    ],
    [
      '422 from a failed test op, the detail in a cause',
      apiError(422, REJECTED, ['testing value /metadata/resourceVersion failed: test failed']),
      'conflict',
      /conflict .*testing value \/metadata\/resourceVersion failed/,
    ],
    [
      '422 from a test of a member that is gone',
      apiError(422, REJECTED, [
        'test operation does not apply: is missing path: /metadata/annotations/burst.string-hashr.dev~1owner: missing value',
      ]),
      'conflict',
      /is missing path/,
    ],
    [
      '422 with the detail in the message',
      apiError(422, `${REJECTED}: testing value /x failed: test failed`),
      'conflict',
      /conflict/,
    ],
    [
      '422 from schema validation is an error, not a conflict',
      apiError(
        422,
        'VirtualService.networking.istio.io "vs" is invalid: spec.http[0].route[0].weight: Invalid value: 300',
      ),
      'invalid',
      /refused as invalid \(HTTP 422\): .*Invalid value: 300/,
    ],
    [
      '422 from an op that does not apply (not a test)',
      apiError(422, REJECTED, ['replace operation does not apply: doc is missing key: /spec/http/3: missing value']),
      'invalid',
      /replace operation does not apply/,
    ],
    ['500', apiError(500, 'etcd timeout', [], 'InternalError'), 'api', /failed \(HTTP 500\): etcd timeout/],
    ['a deadline', new DeadlineError('no answer within 10 ms'), 'timeout', /no answer within 10 ms/],
    ['a network error', new Error('connect ECONNREFUSED 127.0.0.1:1'), 'api', /ECONNREFUSED/],
  ])('%s', (_name, err, kind, message) => {
    const problem = describeApiError(err, call);
    expect(problem).toBeInstanceOf(RouterError);
    expect(problem.kind).toBe(kind);
    expect(problem.message).toMatch(message);
  });

  it('passes a RouterError through', () => {
    const err = new RouterError('invalid', 'x');
    expect(describeApiError(err, call)).toBe(err);
  });
});

describe('apiFailure / isFailedTest', () => {
  it.each([
    [{ code: 422, body: 'not json' }, { code: 422, message: 'not json', causes: [] }, false],
    [apiError(422, REJECTED, ['testing value /a failed: test failed']), { code: 422, message: REJECTED }, true],
    [apiError(409, 'x'), { code: 409 }, false],
    [{ message: 'boom' }, { code: undefined, message: 'boom', causes: [] }, false],
  ])('%#', (err, failure, failedTest) => {
    expect(apiFailure(err)).toMatchObject(failure);
    expect(isFailedTest(apiFailure(err))).toBe(failedTest);
  });
});
