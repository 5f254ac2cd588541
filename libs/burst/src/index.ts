export * from './virtual-service.js';
export * from './rbac.js';
export * from './policy.js';
export * from './metric-reading.js';
export * from './virtual-service-yaml.js';
