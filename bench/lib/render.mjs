// Re-renders a report from bench/results/latest.json (e.g. after editing bench/findings.md):
//   node bench/lib/render.mjs [out.md]   (default: BENCHMARKS.md at the repository root)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReport } from './report.mjs';
const bench = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = JSON.parse(readFileSync(path.join(bench, 'results/latest.json'), 'utf8'));
const findings = path.join(bench, 'findings.md');
if (existsSync(findings)) results.findings = readFileSync(findings, 'utf8');
const out = process.argv[2] || path.join(bench, '..', 'BENCHMARKS.md');
writeFileSync(out, renderReport(results));
console.log(`wrote ${out}`);
