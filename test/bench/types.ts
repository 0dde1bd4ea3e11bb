// Every benchmark returns rows like these; test/bench/run.ts prints them as one table.
export interface BenchRow {
  /** Which benchmark and case, e.g. 'allocator 10k agents x 1k frameworks'. */
  name: string;
  value: number;
  unit: string;
  /** The figure to beat, as text (e.g. 'Mesos 1.7.1: 1450 ms; aim 145 ms'). */
  target?: string;
}
