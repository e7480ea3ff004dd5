// libbpf's own messages, routed to one place. Debug lines are silent unless FLUORO_DEBUG=1;
// the recent tail is kept so that a failed load can say what the verifier said.
import koffi from 'koffi';

import { native } from './native.js';

const LEVEL_NAMES = ['warn', 'info', 'debug'] as const;
const TAIL_LINES = 400;
const FIRST_TRY_BYTES = 8192;
const MAX_MESSAGE_BYTES = 16 << 20;
const VA_LIST_BYTES = 24; // x86-64 va_list: gp_offset, fp_offset, overflow_arg_area, reg_save_area

const tail: string[] = [];
let total = 0; // lines ever remembered; marks count in these so trimming the tail cannot shift them
let installed = false;

function debugEnabled(): boolean {
  return process.env.FLUORO_DEBUG === '1';
}

function remember(text: string): void {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    tail.push(line);
    total++;
  }
  if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
}

// vsnprintf consumes the va_list it is given; copying the 24-byte x86-64 va_list first (what
// va_copy does there) lets us format again with a larger buffer when the first one was short.
function format(fmt: string, args: bigint): string {
  const original = Buffer.from(new Uint8Array(koffi.view(args, VA_LIST_BYTES)));
  let size = FIRST_TRY_BYTES;
  for (;;) {
    const buf = Buffer.alloc(size);
    const n = native().libc.vsnprintf(buf, size, fmt, Buffer.from(original)) as number;
    if (n < 0) return fmt;
    if (n < size || size >= MAX_MESSAGE_BYTES) return buf.toString('utf8', 0, Math.min(n, size - 1));
    size = Math.min(n + 1, MAX_MESSAGE_BYTES);
  }
}

function onPrint(level: number, fmt: string, args: bigint): number {
  try {
    const text = format(fmt, args);
    remember(text);
    const name = LEVEL_NAMES[level] ?? 'debug';
    // Warnings too stay quiet: a failure that matters reaches the user in the thrown error.
    if (debugEnabled()) {
      process.stderr.write(`libbpf ${name}: ${text.endsWith('\n') ? text : text + '\n'}`);
    }
  } catch {
    // A logger must never take the process down.
  }
  return 0;
}

/** Installs the libbpf print callback once per process. */
export function installLibbpfLogger(): void {
  if (installed) return;
  const n = native();
  const fn = koffi.register(onPrint, koffi.pointer(n.PrintFn));
  n.libbpf.set_print(fn);
  installed = true;
}

/** A marker into the log; logSince(mark) returns what libbpf said after it. */
export function logMark(): number {
  return total;
}

/** The last `lines` lines libbpf printed after `mark` (verifier output among them). */
export function logSince(mark: number, lines = 30): string {
  const count = Math.min(Math.max(0, total - mark), lines, tail.length);
  return count === 0 ? '' : tail.slice(tail.length - count).join('\n');
}

/** A line for people chasing a problem, shown with FLUORO_DEBUG=1. */
export function debug(message: string): void {
  if (debugEnabled()) process.stderr.write(`fluoro debug: ${message}\n`);
}
