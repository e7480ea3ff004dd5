// Every analysis kind the agent can run, in the order the console's form lists them.
import type { AnalysisKind } from './analysis.js';
import { cpuAnalysis } from './kinds/cpu.js';

export const analysisKinds: readonly AnalysisKind[] = [cpuAnalysis];
