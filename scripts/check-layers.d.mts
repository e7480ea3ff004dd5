// Types of check-layers.mjs, for the test that runs it.

export type Layer = string;

export interface Violation {
  /** The importing file, e.g. "src/analysis/high-cpu.ts". */
  from: string;
  /** The imported file, e.g. "src/collectors/lua-bt.ts". */
  to: string;
  fromLayer: Layer;
  toLayer: Layer;
}

export const ALLOWED: Readonly<Record<Layer, readonly Layer[] | '*'>>;
export function importSpecifiers(source: string): string[];
export function layerOf(pathInSrc: string): Layer;
export function mayImport(from: Layer, to: Layer): boolean;
export function checkLayers(root: string): Violation[];
export function describeViolation(v: Violation): string;
