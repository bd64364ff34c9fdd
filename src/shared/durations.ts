/** Durations as the command line writes them (`1h30m`) and as the docs and messages say them (`48 hours`). */

/** `30m`, `1h`, `900s`, `1h30m`, or a bare number of seconds -> seconds; undefined when it is none of those. */
export function durationSyntax(raw: string): number | undefined {
  const match = raw.trim().match(/^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$|^(\d{1,7})$/);
  if (!match || raw.trim() === '') return undefined;
  const [, h, m, s, bare] = match;
  return bare !== undefined ? Number(bare) : Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** `30m`, `1h`, `900s`, `1h30m`, or a bare number of seconds -> seconds (at least 1 s, at most 7 days). */
export function parseDuration(raw: string): number {
  const value = durationSyntax(raw);
  if (value === undefined || value < 1 || value > 7 * 86_400) {
    throw new Error('allowed: a duration such as 900s, 30m, 1h or 1h30m (a bare number is seconds), from 1s to 7 days');
  }
  return value;
}

/** 5400 -> `1h30m`, 900 -> `15m`, 45 -> `45s`: as the command line takes it. */
export function compactDuration(value: number): string {
  if (value === 0) return '0';
  const h = Math.floor(value / 3600);
  const m = Math.floor((value % 3600) / 60);
  const s = value % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** 60 -> `1 minute`, 172800 -> `48 hours`, 604800 -> `7 days`: for the docs and messages. */
export function humanDuration(value: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (value === 0) return '0';
  if (value % 86_400 === 0 && value > 172_800) return unit(value / 86_400, 'day');
  if (value % 3600 === 0) return unit(value / 3600, 'hour');
  if (value % 60 === 0) return unit(value / 60, 'minute');
  return unit(value, 'second');
}

export function humanRange(min: number, max: number): string {
  return `${humanDuration(min)} to ${humanDuration(max)}`;
}
