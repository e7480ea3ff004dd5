export { BpfObject, BpfProgram, type OpenOptions } from './object.js';
export { BpfMap, BPF_ANY, BPF_EXIST, BPF_NOEXIST, u32Key, type MapEntry } from './map.js';
export { BpfLink } from './link.js';
export { RingBuffer, type RecordHandler } from './ring-buffer.js';
export {
  AttrFlag,
  PERF_COUNT_SW_CPU_CLOCK,
  PERF_TYPE_SOFTWARE,
  closeFds,
  encodePerfEventAttr,
  openCpuClockEvents,
  perfEventOpen,
  type PerfEventAttr,
} from './perf-event.js';
export { onlineCpus, parseCpuList, possibleCpus } from './cpus.js';
export { bpfObjectPath, bpfSourceDir } from './paths.js';
export { debug } from './log.js';
export {
  BPF_FEATURES, bpfFeatureSentence, bpfFeatureSince, hasBpfFeature, missingBpfFeature, requireBpfFeatures, type BpfFeature,
} from './features.js';
