// The registry of commands, in the order `fluoro --help` lists them.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Register[] = [];
