export * from './profile.js';
export * from './builder.js';
export * from './frames.js';
export * from './transform.js';
export * from './summary.js';
export * from './serialize.js';
export * from './lua-backtrace.js';
