// Every analysis kind the agent can run, in the order the console's form lists them.
import type { AnalysisKind } from './analysis.js';
import { analyzeAnalysis } from './kinds/analyze.js';
import { cpuAnalysis } from './kinds/cpu.js';
import { luaBtAnalysis } from './kinds/lua-bt.js';

export const analysisKinds: readonly AnalysisKind[] = [cpuAnalysis, luaBtAnalysis, analyzeAnalysis];
