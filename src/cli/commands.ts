// The registry of commands, in the order `fluoro --help` lists them.
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerConsole } from './console.js';
import { registerCpu } from './cpu.js';
import { registerDemo } from './demo.js';
import { registerLuaBt } from './lua-bt.js';
import { registerPs } from './ps.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [registerPs, registerCpu, registerLuaBt, registerAnalyze, registerConsole, registerDemo];
