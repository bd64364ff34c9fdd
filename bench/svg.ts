/** A hand-written SVG of instances on the old and the new image over virtual time, one pair of lines per policy. */
import type { TimelinePoint } from './measure';

export interface Series {
  readonly label: string;
  readonly points: readonly TimelinePoint[];
  readonly dashed?: boolean;
}

const W = 760;
const H = 360;
const M = { left: 56, right: 16, top: 40, bottom: 64 };

export function timelineSvg(title: string, series: readonly Series[]): string {
  const maxS = Math.max(60, ...series.flatMap((s) => s.points.map((p) => p.s)));
  const maxN = Math.max(1, ...series.flatMap((s) => s.points.map((p) => Math.max(p.old, p.new))));
  const hours = maxS > 3 * 3600;
  const unit = hours ? 3600 : 60;
  const x = (s: number) => M.left + (s / maxS) * (W - M.left - M.right);
  const y = (n: number) => H - M.bottom - (n / maxN) * (H - M.top - M.bottom);
  const line = (points: readonly TimelinePoint[], key: 'old' | 'new') => points.map((p) => `${x(p.s).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  const xTicks = niceTicks(maxS / unit);
  for (const t of xTicks) {
    out.push(`<line x1="${x(t * unit)}" y1="${y(0)}" x2="${x(t * unit)}" y2="${M.top}" stroke="#eee"/>`);
    out.push(`<text x="${x(t * unit)}" y="${y(0) + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(maxN)) {
    out.push(`<line x1="${M.left}" y1="${y(t)}" x2="${W - M.right}" y2="${y(t)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  out.push(`<line x1="${M.left}" y1="${y(0)}" x2="${W - M.right}" y2="${y(0)}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" y1="${y(0)}" x2="${M.left}" y2="${M.top}" stroke="#333"/>`);
  out.push(`<text x="${W / 2}" y="${y(0) + 34}" text-anchor="middle">virtual time (${hours ? 'hours' : 'minutes'})</text>`);
  out.push(`<text transform="translate(16 ${(M.top + y(0)) / 2}) rotate(-90)" text-anchor="middle">instances</text>`);
  let legendX = M.left;
  for (const s of series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="#c0392b" stroke-width="2"${dash} points="${line(s.points, 'old')}"/>`);
    out.push(`<polyline fill="none" stroke="#27ae60" stroke-width="2"${dash} points="${line(s.points, 'new')}"/>`);
    const ly = H - 10;
    out.push(`<line x1="${legendX}" y1="${ly - 4}" x2="${legendX + 24}" y2="${ly - 4}" stroke="#555" stroke-width="2"${dash}/>`);
    out.push(`<text x="${legendX + 30}" y="${ly}">${escape(s.label)}</text>`);
    legendX += 40 + s.label.length * 6.5;
  }
  out.push(`<text x="${W - M.right}" y="${H - 10}" text-anchor="end"><tspan fill="#c0392b">old image</tspan> / <tspan fill="#27ae60">new image, ACTIVE</tspan></text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceTicks(max: number): number[] {
  const raw = max / 6;
  const mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(Math.round(t * 100) / 100);
  return ticks;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
