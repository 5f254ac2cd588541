export * from './weights.js';
export * from './policy.js';
