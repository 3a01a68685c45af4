// Re-renders a report from bench/results/latest.json (e.g. after editing bench/findings.md):
//   node bench/lib/render.mjs [out.md]   (default: BENCHMARKS.md at the repository root after a
//   full run, bench/results/report.md after a quick or partial one)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReport } from './report.mjs';
const bench = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = JSON.parse(readFileSync(path.join(bench, 'results/latest.json'), 'utf8'));
const findings = path.join(bench, 'findings.md');
if (existsSync(findings)) results.findings = readFileSync(findings, 'utf8');
// BENCHMARKS.md comes from full runs only: a quick or --only run (which also writes latest.json)
// renders to bench/results/report.md unless an output file is named.
const partial = Boolean(results.quick || results.only || /--(only|quick)/.test(results.command ?? ''));
const out = process.argv[2] || (partial ? path.join(bench, 'results', 'report.md') : path.join(bench, '..', 'BENCHMARKS.md'));
writeFileSync(out, renderReport(results));
console.log(`wrote ${out}`);
