import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { containerInfo, containerLabel, parseCgroup, parseNsPid } from './container.js';
import { startTarget } from './testing.js';

const ID = '3f2a1b9c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';

test('parseCgroup recognises each engine by its cgroup naming', () => {
  const cases: [string, string | undefined][] = [
    [`0::/system.slice/docker-${ID}.scope`, 'docker:3f2a1b9c0d4e'],
    [`12:memory:/docker/${ID}\n11:cpu:/docker/${ID}`, 'docker:3f2a1b9c0d4e'],
    [`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice/cri-containerd-${ID}.scope`, 'containerd:3f2a1b9c0d4e'],
    [`0::/kubepods.slice/kubepods-pod1.slice/crio-${ID}.scope`, 'cri-o:3f2a1b9c0d4e'],
    [`0::/machine.slice/libpod-${ID}.scope/container`, 'podman:3f2a1b9c0d4e'],
    [`4:pids:/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-000000000000/${ID}`, 'kubernetes:3f2a1b9c0d4e'],
    [`0::/machine.slice/machine-my\\x2dbox.scope/payload`, 'systemd-nspawn:my-box'],
    ['0::/lxc.payload.web1/init.scope', 'lxc:web1'],
    ['5:cpuset:/lxc/db2', 'lxc:db2'],
    ['0::/user.slice/user-1000.slice/session-2.scope', undefined],
    ['0::/', undefined],
    ['', undefined],
    [`0::/system.slice/docker-${ID.slice(0, 60)}.scope`, undefined],
  ];
  for (const [text, want] of cases) {
    const m = parseCgroup(text);
    assert.equal(m ? `${m.runtime}:${m.id}` : undefined, want, text);
  }
});

test('parseNsPid takes the innermost PID', () => {
  assert.equal(parseNsPid('Name:\tx\nNSpid:\t4242\t17\t1\nUid:\t0', 4242), 1);
  assert.equal(parseNsPid('NSpid:\t88\n', 88), 88);
  assert.equal(parseNsPid('Name:\tx\n', 5), 5, 'old kernels without NSpid');
});

test('we are not in a container relative to ourselves', () => {
  const c = containerInfo(process.pid);
  assert.equal(c.ownMountNs, false);
  assert.equal(c.ownPidNs, false);
  assert.equal(c.nsPid, process.pid);
  assert.ok(c.mntNs > 0 && c.pidNs > 0);
  assert.equal(c.inContainer, parseCgroup(readFileSync('/proc/self/cgroup', 'utf8')) !== undefined);
});

test('a process in its own PID and mount namespaces is seen as contained, with PID 1 inside', async (t) => {
  // unshare forks; the shell is the child inside the new namespaces and reports its PID there.
  const target = await startTarget(t, 'unshare', ['--pid', '--mount', '--fork', 'sh', '-c', 'echo $$; exec sleep 60']);
  assert.equal(target.ready, '1');
  const children = readFileSync(`/proc/${target.pid}/task/${target.pid}/children`, 'utf8').trim().split(/\s+/);
  const inner = Number(children[0]);
  const c = containerInfo(inner);
  assert.equal(c.ownPidNs, true);
  assert.equal(c.ownMountNs, true);
  assert.equal(c.inContainer, true);
  assert.equal(c.nsPid, 1);
  assert.equal(containerLabel(c), c.runtime ? `${c.runtime}:${c.id}` : 'pidns');
  const outer = containerInfo(target.pid);
  assert.equal(outer.ownPidNs, false, 'unshare itself stays in our PID namespace');
});
