export * from './reading.js';
export * from './queries.js';
export * from './answer.js';
export * from './exposition.js';
