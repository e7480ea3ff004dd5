// Every collector, in the order `fluoro --help` and the console's form list them. Adding a
// collector is its file and a line here: the command line, the agent, the console and the HTTP API
// take their flags, forms and schemas from its parameter list.

import { analyzeCollector } from './analyze-collector.js';
import type { Collector } from './collector.js';
import { cpuCollector } from './cpu/collector.js';
import { luaBtCollector } from './lua-bt-collector.js';
import { offcpuCollector } from './offcpu/collector.js';

export const collectors: readonly Collector[] = [cpuCollector, offcpuCollector, luaBtCollector, analyzeCollector];
