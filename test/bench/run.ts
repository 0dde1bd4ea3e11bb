// `npm run bench`: runs every benchmark and prints one table, each figure beside the one to beat.
import { benchAllocator } from './allocator.js';
import { benchChronos } from './chronos.js';
import { benchContainers } from './containers.js';
import { benchLaunch } from './launch.js';
import { benchLauncher } from './launcher.js';
import { benchMarathon } from './marathon.js';
import type { BenchRow } from './types.js';
import { benchUp } from './up.js';

const benches: Array<[string, () => Promise<BenchRow[]>]> = [
  ['allocator', benchAllocator],
  ['launcher', benchLauncher],
  ['launch', benchLaunch],
  ['up', benchUp],
  ['marathon', benchMarathon],
  ['chronos', benchChronos],
  ['containers', benchContainers],
];

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, run] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`running ${name} benchmark...\n`);
  rows.push(...(await run()));
}

const fmt = (r: BenchRow): string[] => [
  r.name,
  `${r.value < 10 ? r.value.toFixed(2) : r.value.toFixed(1)} ${r.unit}`,
  r.target ?? '',
];
const table = [['benchmark', 'measured', 'figure to beat'], ...rows.map(fmt)];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
for (const [i, row] of table.entries()) {
  console.log(
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
