export * from './virtual-service.js';
export * from './rbac.js';
export * from './policy.js';
