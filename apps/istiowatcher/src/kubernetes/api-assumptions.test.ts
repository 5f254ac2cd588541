// The in-memory fakes held to the table the real API server is held to (test/kubernetes-suite.ts).
import { describe, expect, it } from 'vitest';
import { memoryRouter } from '../routers/memory.js';
import { API_ASSUMPTIONS, type ApiSubject, type SubjectStart } from './api-assumptions.js';
import { memoryLease } from './memory-lease.js';

function memorySubject(start: SubjectStart = {}): ApiSubject {
  const route = memoryRouter({ annotations: { note: 'kept as is', ...start.annotations } });
  return {
    router: route.router,
    edit: async (change) => route.edit(change),
    stored: async () => ({ weights: route.weights(), annotations: route.annotations(), version: route.version() }),
    events: async () => [...route.events],
    lease: memoryLease('istiowatcher-leader').api,
  };
}

describe('the API assumptions, against the in-memory fakes', () => {
  it.each(API_ASSUMPTIONS.map((c) => [c.name, c] as const))('%s', async (_name, assumption) => {
    expect(await assumption.act(memorySubject(assumption.start))).toEqual(assumption.expected);
  });
});
