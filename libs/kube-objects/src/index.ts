export * from './virtual-service.js';
export * from './virtual-service-yaml.js';
export * from './rbac.js';
export * from './route-state.js';
export * from './route-weights.js';
