// Golden files: one small profile written in every format and compared byte for byte with the
// files under testdata/. After an intended change to an output, rewrite them with
//   UPDATE_GOLDEN=1 node --test dist/src/formats/golden.test.js
// and review the diff like any other change.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import test from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readFolded, writeFolded } from './folded.js';
import { FORMATS } from './index.js';

const testdata = new URL('../../../src/formats/testdata/', import.meta.url);
const update = process.env.UPDATE_GOLDEN === '1';
const fixture = readFolded(readFileSync(new URL('fixture.folded', testdata), 'utf8'));
const TITLE = 'CPU flame graph: nginx worker';

/** gzip bytes can differ between zlib builds; what must not change is the protobuf inside. */
const comparable = (name: string, buf: Buffer): Buffer => (name === 'pprof' ? gunzipSync(buf) : buf);

for (const f of FORMATS) {
  const file = `golden${f.extensions[0]}`;
  test(`golden ${f.name}: ${file}`, async () => {
    const out = await f.write(fixture, { title: TITLE });
    const buf = typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
    const again = await f.write(fixture, { title: TITLE });
    assert.deepEqual(comparable(f.name, typeof again === 'string' ? Buffer.from(again) : again), comparable(f.name, buf), 'deterministic');
    const path = new URL(file, testdata);
    if (update) writeFileSync(path, buf);
    const golden = readFileSync(path);
    if (f.name === 'pprof' || f.name === 'folded' || f.name === 'speedscope') {
      assert.equal(writeFolded(f.read!(golden)), writeFolded(fixture), 'the golden file reads back as the fixture');
    }
    assert.ok(
      comparable(f.name, buf).equals(comparable(f.name, golden)),
      `${file} differs from the golden file; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff`,
    );
  });
}
