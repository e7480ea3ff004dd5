// The Lua workload of the Lua CPU tests (nginx, the luajit command, the console): three functions that burn CPU in a known proportion, each
// defined on its own line so a line names its function, and LuaJIT's own profiler (jit.profile)
// running inside the worker as a second opinion.
//
// The three loops run the same bytecode (or the same trace) per iteration, differing only in a
// constant, so their iteration counts are their true shares of the time: 60/30/10. That is the
// truth a profile is held to. jit.profile is the independent witness, but a coarse one: its timer
// is the process's CPU-time itimer, which the kernel checks at the scheduler tick, so it takes
// fewer samples than asked for and, on a loaded machine, bunches them (seen: 58–64% for the
// 60% function over five runs beside a busy core, while fluoro stayed within 0.7 points).

import type { Profile } from '../../src/model/profile.js';
import { stackFrames } from '../../src/model/frames.js';

/** Lines of burn.lua where each function is defined (and where all its work happens). */
export const FUNCTION_LINES: Record<string, number> = { heavy: 2, medium: 3, light: 4 };

/** Loop iterations per request of each function. */
export const ITERATIONS: Record<string, number> = { heavy: 36000, medium: 18000, light: 6000 };

/**
 * How far a profile's share may sit from the truth, in points. Sampling error alone is under one
 * point at 5,000 samples, but the workload itself varies from run to run (JIT traces, the other
 * core's load): fluoro's share of the 66.7% function ranged 63.2–67.3% over runs, jit.profile's
 * 64.6–68.5%, with the current code and with older code alike. A profiler that gave one
 * function's samples to another would miss by far more.
 */
export const TRUTH_POINTS = 5;

/** The true shares (0–100) of the three functions: their shares of the iterations. */
export const TRUE_SHARES: Record<string, number> = normalize(ITERATIONS);

export const BURN_LUA = `local _M = {}
local function heavy(n) local s = 0 for i = 1, n do s = s + (i % 7) * (i % 3) end return s end
local function medium(n) local s = 0 for i = 1, n do s = s + (i % 5) * (i % 3) end return s end
local function light(n) local s = 0 for i = 1, n do s = s + (i % 11) * (i % 3) end return s end
function _M.handle()
  local r = heavy(${ITERATIONS.heavy}) + medium(${ITERATIONS.medium}) + light(${ITERATIONS.light})
  ngx.say(r)
end
return _M
`;

/** Starts jit.profile in each worker, counting samples by the line of the innermost Lua frame. */
export const PROFILER_INIT = `
init_worker_by_lua_block {
  local profile = require("jit.profile")
  __fluoro_ref = {}
  profile.start("li1", function(thread, samples)
    local top = profile.dumpstack(thread, "l", 1)
    __fluoro_ref[top] = (__fluoro_ref[top] or 0) + samples
  end)
}`;

export const PROFILER_LOCATIONS = `
location = /__ref { content_by_lua_block { for k, v in pairs(__fluoro_ref) do ngx.say(k, " ", v) end } }
location = /__ref_reset { content_by_lua_block { __fluoro_ref = {} ngx.say("ok") } }
location / { content_by_lua_block { require("burn").handle() } }`;

export interface Shares {
  /** Share (0–100) of each function among the three. */
  shares: Record<string, number>;
  /** Samples the shares were computed from. */
  samples: number;
}

/** Shares of the three functions among themselves, from jit.profile's "file:line n" lines. */
export function referenceShares(text: string): Shares {
  const counts: Record<string, number> = { heavy: 0, medium: 0, light: 0 };
  for (const line of text.split('\n')) {
    const m = /^burn\.lua:(\d+) (\d+)$/.exec(line.trim());
    if (!m) continue;
    for (const [fn, l] of Object.entries(FUNCTION_LINES)) if (Number(m[1]) === l) counts[fn]! += Number(m[2]);
  }
  return { shares: normalize(counts), samples: sum(counts) };
}

/**
 * How far apart two sampled shares of the same true share p (0–100) may fairly be: four standard
 * errors of their difference, and never less than `floor` points.
 */
export function shareTolerance(p: number, samplesA: number, samplesB: number, floor: number): number {
  const q = p / 100;
  const variance = q * (1 - q) * (1 / Math.max(samplesA, 1) + 1 / Math.max(samplesB, 1));
  return Math.max(floor, 4 * 100 * Math.sqrt(variance));
}

/** The same shares from a fluoro profile: by the innermost Lua frame of each sample. */
export function fluoroShares(p: Profile): Shares {
  const counts: Record<string, number> = { heavy: 0, medium: 0, light: 0 };
  for (const s of p.samples) {
    const lua = s.stack.find((l) => l.kind === 'lua');
    const line = lua ? lua.lines[0] : undefined;
    if (!line || !line.func.file.endsWith('/burn.lua')) continue;
    for (const [fn, l] of Object.entries(FUNCTION_LINES)) if (line.line === l) counts[fn]! += s.values[0] ?? 0;
  }
  return { shares: normalize(counts), samples: sum(counts) };
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function normalize(counts: Record<string, number>): Record<string, number> {
  const total = sum(counts);
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, total ? (100 * v) / total : 0]));
}

/**
 * Of the samples taken while the VM ran Lua code, the share that carries a Lua frame with a real
 * chunk and line. ngx_lua enters the VM for each request from ngx_http_lua_run_thread (through
 * lua_resume, which tail-calls the VM): a sample ran in the VM when what the run_thread frame
 * called is not more nginx code (such as sending the output after the coroutine returned).
 */
export function luaCoverage(p: Profile): { vmSamples: number; withLua: number } {
  let vmSamples = 0;
  let withLua = 0;
  for (const s of p.samples) {
    const frames = stackFrames(s);
    const entry = frames.findIndex((f) => f.name === 'ngx_http_lua_run_thread');
    const callee = entry >= 0 ? frames[entry + 1] : undefined;
    if (!callee || /^(ngx_|nginx\+)/.test(callee.name)) continue;
    const n = s.values[0] ?? 0;
    vmSamples += n;
    if (s.stack.some((l) => l.kind === 'lua' && l.lines[0]!.func.file !== '' && l.lines[0]!.line > 0)) withLua += n;
  }
  return { vmSamples, withLua };
}
