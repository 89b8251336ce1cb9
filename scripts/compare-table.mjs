// Markdown table from `dppo finetune --json` summary lines: mean ± std over seeds of the final success rate
// (last training iteration), the deterministic eval success after training, and the pre-trained success.
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2] ?? 'docs/results/avoid-compare.jsonl', 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.final);
const algos = ['dppo', 'gaussian', 'gmm'];
const names = { dppo: 'DPPO (diffusion)', gaussian: 'Gaussian-PPO', gmm: 'GMM-PPO' };
const tasks = ['avoid-m1', 'avoid-m2', 'avoid-m3'];
const stat = (xs) => {
  if (!xs.length) return '—';
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${m.toFixed(2)} ± ${s.toFixed(2)} (n=${xs.length})`;
};
console.log(`| algorithm | metric | ${tasks.join(' | ')} |`);
console.log(`|---|---|${tasks.map(() => '---').join('|')}|`);
for (const a of algos) {
  for (const [metric, key] of [['pre-trained success', 'pretrained_success_rate'], ['final success (last itr)', 'success_rate'], ['eval success (deterministic)', 'eval_success_rate']]) {
    const cells = tasks.map((t) => stat(rows.filter((r) => r.algo === a && r.task === t && typeof r[key] === 'number').map((r) => r[key])));
    console.log(`| ${names[a]} | ${metric} | ${cells.join(' | ')} |`);
  }
}
const wall = rows.map((r) => r.wall_s).filter((x) => typeof x === 'number');
console.log(`\n${rows.length} runs; wall-clock per run ${Math.min(...wall).toFixed(0)}–${Math.max(...wall).toFixed(0)} s.`);
