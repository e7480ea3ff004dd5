// `fluoro demo`: the gateway incident, start to finish, on this machine. Starts the demo gateway
// on a loopback port, sends it traffic, pushes the configuration change that makes its worker
// spin, analyses the spinning worker and prints the report. Stops everything it started.

import type { Command } from 'commander';
import { injectBadWeight, startGateway, Traffic, type Gateway } from '../demo/gateway.js';
import { requireBpf } from '../proc/privileges.js';
import { runAnalyze } from './analyze.js';
import { parseDuration } from './options.js';

interface Flags {
  duration: string;
  output: string;
  json?: boolean;
}

const say = (s: string) => process.stderr.write(`demo: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the gateway incident: an OpenResty-style gateway spins at 100% CPU; find why')
    .option('-d, --duration <time>', 'how long to sample the spinning worker', '3s')
    .option('-o, --output <dir>', 'where to write the flame graphs', 'fluoro-demo')
    .option('--json', 'write the report as JSON')
    .action(async (flags: Flags) => {
      const durationMs = parseDuration(flags.duration);
      requireBpf();
      let gateway: Gateway | undefined;
      let traffic: Traffic | undefined;
      const cleanup = async () => {
        await traffic?.stop();
        await gateway?.stop();
      };
      const onSignal = () => {
        void cleanup().finally(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        gateway = await startGateway();
        say(`gateway up at ${gateway.url} (nginx worker ${gateway.workerPid}); sending traffic`);
        traffic = new Traffic(gateway.url);
        await sleep(1500);
        say(`healthy: ${traffic.answered} requests answered in 1.5 s`);
        say(`pushing an upstream update whose last weight arrives as the string "0": ${await injectBadWeight(gateway.url)}`);
        const before = traffic.answered;
        await sleep(1000);
        say(`after the update: ${traffic.answered - before} requests answered in 1 s, ${traffic.failed} timed out; the worker spins`);
        say(`attaching to worker ${gateway.workerPid}: no restart, nothing injected`);
        const started = Date.now();
        const run = await runAnalyze(gateway.workerPid, { durationMs, hz: 199, snapshots: 10, outputDir: flags.output, progress: !flags.json });
        const seconds = (Date.now() - started) / 1000;
        if (flags.json) {
          process.stdout.write(JSON.stringify({ pid: run.pid, secondsToReport: seconds, ...run.report, files: run.files }, null, 2) + '\n');
        } else {
          process.stdout.write(run.text);
          process.stdout.write(`report ready ${seconds.toFixed(1)} s after attaching\n`);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await cleanup();
      }
    });
}
