// pprof: gzipped profile.proto, the format of `go tool pprof`, Pyroscope, Parca and Datadog.
// Our model follows its semantics, so this file only translates ids and strings.
//
// Frame kinds: pprof has no per-location kind, and labels belong to samples, not frames. We keep
// the function's `name` clean (it is what every pprof viewer shows) and prefix its `system_name`
// with "[fluoro:<kind>]" for every kind but native, the common case and the default on read.
// pprof tools only consult system_name to demangle when it equals name, so the prefix is inert
// for them. A function used by locations of two kinds becomes two pprof functions. Locations
// without lines (unsymbolized addresses) cannot carry the tag; on read they are kernel when the
// address is in the upper half of the address space, native when mapped, unknown otherwise.

import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import {
  Function as PFunction,
  Label as PLabel,
  Line as PLine,
  Location as PLocation,
  Mapping as PMapping,
  Profile as PProfile,
  Sample as PSample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { FluoroError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import { FRAME_KINDS, type FrameKind, type Func, type Location, type Mapping, type Profile } from '../model/profile.js';

const gzipAsync = promisify(gzip);

/** Decompressed profiles larger than this are refused rather than exhausting memory. */
const MAX_PPROF_BYTES = 512 << 20;

const KIND_TAG = /^\[fluoro:([a-z-]+)\]/;
const KERNEL_SPACE = 0xffff800000000000n;

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

export async function writePprof(p: Profile): Promise<Buffer> {
  const st = new StringTable();
  const s = (x: string): number => st.dedup(x);
  const sampleType = p.sampleTypes.map((t) => new ValueType({ type: s(t.type), unit: s(t.unit) }));

  const mapping = p.mappings.map(
    (m) =>
      new PMapping({
        id: m.id,
        memoryStart: m.start,
        memoryLimit: m.limit,
        fileOffset: m.offset,
        filename: s(m.file),
        buildId: s(m.buildId),
        hasFunctions: true,
      }),
  );

  const functions: PFunction[] = [];
  const fnIds = new Map<string, number>();
  const fnId = (f: Func, kind: FrameKind): number => {
    const key = `${f.id}:${kind}`;
    let id = fnIds.get(key);
    if (id === undefined) {
      id = functions.length + 1;
      const tag = kind === 'native' ? '' : `[fluoro:${kind}]`;
      functions.push(
        new PFunction({ id, name: s(f.name), systemName: s(tag + f.systemName), filename: s(f.file), startLine: f.startLine }),
      );
      fnIds.set(key, id);
    }
    return id;
  };

  const location = p.locations.map(
    (l) =>
      new PLocation({
        id: l.id,
        mappingId: l.mapping?.id ?? 0,
        address: l.address,
        line: l.lines.map((ln) => new PLine({ functionId: fnId(ln.func, l.kind), line: ln.line })),
      }),
  );

  const sample = p.samples.map(
    (smp) =>
      new PSample({
        locationId: smp.stack.map((l) => l.id),
        value: smp.values.map((v) => Math.round(v)),
        label: Object.entries(smp.labels).map(([k, v]) =>
          typeof v === 'number' ? new PLabel({ key: s(k), num: Math.round(v) }) : new PLabel({ key: s(k), str: s(v) }),
        ),
      }),
  );

  const defaultType = p.sampleTypes[p.defaultSampleType]?.type;
  const out = new PProfile({
    sampleType,
    sample,
    mapping,
    location,
    function: functions,
    stringTable: st,
    timeNanos: p.timeNanos,
    durationNanos: p.durationNanos,
    ...(p.periodType ? { periodType: new ValueType({ type: s(p.periodType.type), unit: s(p.periodType.unit) }) } : {}),
    period: Math.round(p.period),
    comment: p.comments.map(s),
    defaultSampleType: p.defaultSampleType > 0 && defaultType !== undefined ? s(defaultType) : 0,
  });
  return gzipAsync(out.encode());
}

/** int64 fields arrive as unsigned varints; negative ones come back as huge bigints. */
function int64(x: number | bigint): number {
  return typeof x === 'bigint' ? Number(BigInt.asIntN(64, x)) : x;
}

function uint64(x: number | bigint): bigint {
  return BigInt.asUintN(64, BigInt(x));
}

/** Reads a pprof profile, gzipped or not. Throws a FluoroError on anything that is not one. */
export function readPprof(buf: Uint8Array): Profile {
  let raw: Uint8Array;
  let decoded: PProfile;
  try {
    raw = isGzip(buf) ? gunzipSync(buf, { maxOutputLength: MAX_PPROF_BYTES }) : buf;
    decoded = PProfile.decode(raw);
  } catch (e) {
    throw new FluoroError(`not a readable pprof profile (${(e as Error).message})`);
  }
  const strings = decoded.stringTable.strings;
  const str = (i: number | bigint): string => strings[Number(i)] ?? '';

  if (decoded.sampleType.length === 0) throw new FluoroError('not a readable pprof profile (it has no sample types)');
  const sampleTypes = decoded.sampleType.map((t) => ({ type: str(t.type), unit: str(t.unit) }));
  const defaultName = decoded.defaultSampleType ? str(decoded.defaultSampleType) : '';
  const defaultIndex = Math.max(0, sampleTypes.findIndex((t) => t.type === defaultName));
  const b = new ProfileBuilder(sampleTypes, {
    timeNanos: BigInt(decoded.timeNanos),
    durationNanos: BigInt(decoded.durationNanos),
    ...(decoded.periodType ? { periodType: { type: str(decoded.periodType.type), unit: str(decoded.periodType.unit) } } : {}),
    period: int64(decoded.period),
    comments: decoded.comment.map(str),
    defaultSampleType: defaultIndex,
  });

  const mappings = new Map<number, Mapping>();
  for (const m of decoded.mapping) {
    mappings.set(
      Number(m.id),
      b.mapping({
        start: uint64(m.memoryStart),
        limit: uint64(m.memoryLimit),
        offset: uint64(m.fileOffset),
        file: str(m.filename),
        buildId: str(m.buildId),
      }),
    );
  }

  const functions = new Map<number, { func: Func; kind: FrameKind }>();
  for (const f of decoded.function) {
    let systemName = str(f.systemName);
    let kind: FrameKind = 'native';
    const tag = KIND_TAG.exec(systemName);
    if (tag && (FRAME_KINDS as readonly string[]).includes(tag[1]!)) {
      kind = tag[1] as FrameKind;
      systemName = systemName.slice(tag[0].length);
    }
    const func = b.func({ name: str(f.name), systemName, file: str(f.filename), startLine: int64(f.startLine) });
    functions.set(Number(f.id), { func, kind });
  }

  const locations = new Map<number, Location>();
  for (const l of decoded.location) {
    const mapping = mappings.get(Number(l.mappingId));
    const address = uint64(l.address);
    const lines = l.line.flatMap((ln) => {
      const f = functions.get(Number(ln.functionId));
      return f ? [{ func: f.func, line: int64(ln.line), kind: f.kind }] : [];
    });
    const kind: FrameKind =
      lines.length > 0 ? lines[lines.length - 1]!.kind : address >= KERNEL_SPACE ? 'kernel' : mapping || address !== 0n ? 'native' : 'unknown';
    locations.set(
      Number(l.id),
      b.location({ kind, address, ...(mapping ? { mapping } : {}), lines: lines.map(({ func, line }) => ({ func, line })) }),
    );
  }

  for (const smp of decoded.sample) {
    const stack: Location[] = [];
    for (const id of smp.locationId) {
      const loc = locations.get(Number(id));
      if (loc) stack.push(loc);
    }
    const values = sampleTypes.map((_, i) => int64(smp.value[i] ?? 0));
    const labels: Record<string, string | number> = {};
    for (const lb of smp.label) {
      const key = str(lb.key);
      if (key === '') continue;
      labels[key] = lb.str ? str(lb.str) : int64(lb.num);
    }
    b.add(stack, values, labels);
  }
  return b.build();
}
