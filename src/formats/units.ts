// Values as people read them: "1,234 samples", "12.5 ms", "3.2 MiB". Self-contained on purpose:
// the HTML viewer embeds this function's source, so the page and the static outputs agree.

import type { Profile } from '../model/profile.js';

export function formatValue(v: number, unit: string): string {
  const fixed = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (unit === 'nanoseconds') {
    if (v >= 1e9) return fixed(v / 1e9) + ' s';
    if (v >= 1e6) return fixed(v / 1e6) + ' ms';
    if (v >= 1e3) return fixed(v / 1e3) + ' µs';
    return Math.round(v) + ' ns';
  }
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (i === 0 ? String(Math.round(v)) : fixed(v)) + ' ' + units[i];
  }
  const n = Math.round(v)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n + (unit === 'count' || unit === '' ? (Math.round(v) === 1 ? ' sample' : ' samples') : ' ' + unit);
}

/** Share of a total as a percentage with two decimals, "0.00%" for an empty total. */
export function formatShare(part: number, whole: number): string {
  return (whole > 0 ? (100 * part) / whole : 0).toFixed(2) + '%';
}

/** "1,245 samples · over 5.00 s · started 2026-11-26 23:10:00 UTC": the line under a title. */
export function profileSubtitle(p: Profile, valueIndex = p.defaultSampleType): string {
  const st = p.sampleTypes[valueIndex] ?? { type: 'samples', unit: 'count' };
  let whole = 0;
  for (const s of p.samples) {
    const v = s.values[valueIndex] ?? 0;
    if (v > 0 && Number.isFinite(v)) whole += v;
  }
  const counted = st.unit === 'count' || st.unit === '';
  const parts = [counted && (st.type === 'samples' || st.type === '') ? formatValue(whole, st.unit) : `${st.type}: ${formatValue(whole, st.unit)}`];
  if (p.durationNanos > 0n) parts.push(`over ${formatValue(Number(p.durationNanos), 'nanoseconds')}`);
  if (p.timeNanos > 0n) {
    const d = new Date(Number(p.timeNanos / 1_000_000n));
    if (!Number.isNaN(d.getTime())) parts.push(`started ${d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`);
  }
  return parts.join(' · ');
}
