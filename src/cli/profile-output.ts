// Where a command writes the profile it made: -o FILE (the extension picks the format) and -f, with
// a default name that says what was looked at and when (fluoro-cpu-4242-20261202-204900.html).

import type { Command } from 'commander';
import type { Target } from '../collectors/collector.js';
import { FORMATS, formatByName, formatForPath, type Format } from '../formats/index.js';

export interface ProfileOutput {
  output: string;
  format: Format;
}

export function addProfileOutputOptions(cmd: Command): Command {
  return cmd
    .option('-o, --output <file>', 'where to write; the extension picks the format')
    .option('-f, --format <name>', `output format: ${FORMATS.map((f) => f.name).join(', ')}`);
}

function defaultOutput(kind: string, target: Target): string {
  const t = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const what = target.all ? 'all' : target.pids.join(',');
  return `fluoro-${kind}-${what}-${t.getFullYear()}${p(t.getMonth() + 1)}${p(t.getDate())}-${p(t.getHours())}${p(t.getMinutes())}${p(t.getSeconds())}.html`;
}

/** The file and format the flags ask for; -f wins over the extension, HTML when neither says. */
export function profileOutput(flags: Record<string, unknown>, kind: string, target: Target): ProfileOutput {
  const output = (flags.output as string | undefined) ?? defaultOutput(kind, target);
  const format = flags.format ? formatByName(String(flags.format)) : (formatForPath(output) ?? formatByName('html'));
  return { output, format };
}
