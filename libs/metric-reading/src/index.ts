export * from './metric-reading.js';
