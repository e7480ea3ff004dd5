import assert from 'node:assert/strict';
import test from 'node:test';
import { splice } from './splice.js';

// Native frames are plain names; VM frames start with "lj_vm" or are "[jit]".
const inVm = (n: string) => n.startsWith('lj_vm') || n === '[jit]';
const show = (frames: { native?: string; lua?: string }[]) => frames.map((f) => f.native ?? `lua:${f.lua}`).join(' < ');

test('one VM entry: the interpreter frames give way to the Lua frames', () => {
  const out = splice({
    native: ['lj_vm_a', 'lj_vm_b', 'lua_resume', 'ngx_http_lua_run_thread', 'main'],
    luaGroups: [['gcd', 'pick', 'handler']],
    inVm,
  });
  assert.equal(show(out), 'lua:gcd < lua:pick < lua:handler < lua_resume < ngx_http_lua_run_thread < main');
});

test('a C function called from Lua that calls back into Lua: two entries, no duplicate C frame', () => {
  const out = splice({
    native: ['lj_vm_x', 'lua_call', 'cfunc', 'lj_vm_y', 'lua_pcall', 'main'],
    luaGroups: [['callback'], ['C:cfunc', 'outer', 'chunk']],
    inVm,
    sameFunction: (l, n) => l === `C:${n}`,
  });
  assert.equal(show(out), 'lua:callback < lua_call < cfunc < lua:outer < lua:chunk < lua_pcall < main');
});

test('native unwinding that stops in JIT code keeps every Lua frame', () => {
  const out = splice({ native: ['[jit]'], luaGroups: [['inner'], ['outer']], inVm });
  assert.equal(show(out), 'lua:inner < lua:outer');
  const none = splice({ native: ['memcpy'], luaGroups: [['f']], inVm });
  assert.equal(show(none), 'memcpy < lua:f');
});

test('without Lua frames the native stack is unchanged', () => {
  const native = ['lj_vm_a', 'lua_pcall', 'main'];
  assert.equal(show(splice({ native, luaGroups: [], inVm })), native.join(' < '));
});
