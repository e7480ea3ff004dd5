import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBpftraceStacks } from './parse-bpftrace.js';
import { parseFolded } from './parse-folded.js';
import { parsePerfScript } from './parse-perf-script.js';
import { bareName, measureStacks } from './stacks.js';

const PERF = `python3 28571/28571 
\t          12f2eb _PyEval_EvalFrameDefault (/usr/bin/python3.11)
\t          247d96 [unknown] (/usr/bin/python3.11)
\t           27304 __libc_start_main@@GLIBC_2.34 (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t          227bd0 _start (/usr/bin/python3.11)

nginx 100/100 
\tffffffff81000010 do_syscall_64+0x10 ([kernel.kallsyms])
\t            1234 ngx_epoll_process_events (/usr/sbin/nginx)

python3 28571/28571 
\t          12f2eb _PyEval_EvalFrameDefault (/usr/bin/python3.11)
\t          247d96 [unknown] (/usr/bin/python3.11)
\t           27304 __libc_start_main@@GLIBC_2.34 (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t          227bd0 _start (/usr/bin/python3.11)
`;

test('perf script: samples counted per distinct stack, root first, kernel frames told apart', () => {
  const stacks = parsePerfScript(PERF);
  assert.equal(stacks.length, 2);
  const py = stacks.find((s) => s.count === 2);
  assert.deepEqual(
    py?.frames.map((f) => f.name),
    ['_start', '__libc_start_main@@GLIBC_2.34', '/usr/bin/python3.11+0x247d96', '_PyEval_EvalFrameDefault'],
  );
  const m = measureStacks(stacks);
  assert.equal(m.samples, 3);
  assert.equal(m.complete, 2);
  assert.equal(m.meanDepth, (4 * 2 + 1) / 3);
  assert.equal(stacks[1]?.frames[1]?.kind, 'kernel');
});

const BPFTRACE = `Attaching 1 probe...


@[
    PyObject_Free+61
    0x958cc0
]: 1
@[
    0x5a8560
]: 4
@[]: 2
@[
    _PyEval_EvalFrameDefault+30852
    main+12
    __libc_start_main+128
]: 3
`;

test('bpftrace: map entries of ustack keys, leaf first in the text, root first out', () => {
  const stacks = parseBpftraceStacks(BPFTRACE);
  assert.deepEqual(
    stacks.map((s) => s.count),
    [1, 4, 2, 3],
  );
  assert.deepEqual(
    stacks[3]?.frames.map((f) => f.name),
    ['__libc_start_main+128', 'main+12', '_PyEval_EvalFrameDefault+30852'],
  );
  const m = measureStacks(stacks);
  assert.equal(m.samples, 10);
  assert.equal(m.complete, 3);
});

test('folded: fluoro annotations become kinds; Lua VM samples and Lua-frame samples counted', () => {
  const text = [
    '_start;main;ngx_http_lua_content_handler;lua_pcall;content.lua:3_[lua];work_[lua];lj_str_new 5',
    '_start;main;ngx_http_lua_content_handler;lj_BC_FUNCC 2',
    'ngx_epoll_process_events;entry_SYSCALL_64_[k];do_syscall_64_[k] 3',
    '',
  ].join('\n');
  const stacks = parseFolded(text);
  assert.equal(stacks[0]?.frames[4]?.kind, 'lua');
  assert.equal(stacks[2]?.frames[1]?.kind, 'kernel');
  const m = measureStacks(stacks);
  assert.equal(m.samples, 10);
  assert.equal(m.complete, 7);
  assert.equal(m.luaVmSamples, 7);
  assert.equal(m.luaFrameSamples, 5);
  assert.equal(m.meanDepth, (7 * 5 + 4 * 2 + 1 * 3) / 10);
});

test('folded: libbpf-tools profile output with the command first and "-" before kernel frames', () => {
  const stacks = parseFolded('nginx;__libc_start_main;main;ngx_process_events;-;do_syscall_64;ksys_read 4\n', {
    commFirst: true,
  });
  assert.deepEqual(
    stacks[0]?.frames.map((f) => f.kind),
    ['user', 'user', 'user', 'kernel', 'kernel'],
  );
  assert.equal(measureStacks(stacks).complete, 4);
});

test('bare names drop offsets and symbol versions', () => {
  assert.equal(bareName('__libc_start_main@@GLIBC_2.34'), '__libc_start_main');
  assert.equal(bareName('main+0x1f'), 'main');
  assert.equal(bareName('start_thread+55'), 'start_thread');
});
