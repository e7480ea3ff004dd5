// The registry of commands, in the order `fluoro --help` lists them. Every collector of
// src/collectors/registry.ts is a command, with its flags from its parameters; a collector's
// presenter (how it shows its result) is listed here when it has one of its own.
import type { Command } from 'commander';
import { collectors } from '../collectors/registry.js';
import { analyzePresenter } from './analyze.js';
import { defaultPresenter, registerCollector, type Presenter } from './collector-command.js';
import { registerConsole } from './console.js';
import { cpuPresenter } from './cpu.js';
import { registerDemo } from './demo.js';
import { luaBtPresenter } from './lua-bt.js';
import { offcpuPresenter } from './offcpu.js';
import { registerPs } from './ps.js';

type Register = (program: Command) => void;

// Each presenter is checked against its own prepared state where it is defined.
const presenters: Record<string, Presenter<never>> = {
  cpu: cpuPresenter as Presenter<never>,
  offcpu: offcpuPresenter as Presenter<never>,
  'lua-bt': luaBtPresenter as Presenter<never>,
  analyze: analyzePresenter as Presenter<never>,
};

const collectorCommands: Register[] = collectors.map((c) => (program) => {
  registerCollector(program, c, presenters[c.name] ?? defaultPresenter(c));
});

export const commands: Register[] = [registerPs, ...collectorCommands, registerConsole, registerDemo];
