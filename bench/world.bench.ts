// How long the local world takes to start and stop: what every integration test file and `npm start`
// pay before they do anything.
import { performance } from 'node:perf_hooks';
import { startWorld } from '../local/world.ts';
import { percentile, printFigure } from './figure.ts';

const starts: number[] = [];
const stops: number[] = [];
for (let run = 0; run < 5; run += 1) {
  const t0 = performance.now();
  const world = await startWorld();
  const t1 = performance.now();
  await world.stop();
  starts.push(t1 - t0);
  stops.push(performance.now() - t1);
}
printFigure('world start p50', percentile(starts, 50), 'ms');
printFigure('world stop p50', percentile(stops, 50), 'ms');
