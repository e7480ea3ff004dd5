// Kernel symbols for a collector's run, loaded when the first kernel frame is named (after
// sampling, so the table of some 120,000 symbols does not add to the footprint while sampling), or
// not at all when this boot's names were kept by an earlier run. When the kernel hides its symbols,
// one warning says so and kernel frames show addresses.

import { kernelNames } from '../symbolize/kernel.js';
import type { KernelSymbols } from './events/to-profile.js';

export function kernelNamesOrWarn(warnings: string[]): KernelSymbols {
  return kernelNames((err) => warnings.push(`${err.message}; kernel frames show addresses`));
}
