/** How many instances a group may have out of service at once: the setting and the number it gives. */

export interface CanarySetting {
  /** Instances per group replaced first. */
  readonly count: number;
  /** How long their replacements serve before the rest goes on. */
  readonly soakSeconds: number;
}

export interface MaxUnavailableSetting {
  readonly count?: number;
  readonly percent?: number;
}

/** The budget of a group of `desired` instances: a count as given, a percentage rounded down; at least 1. */
export function budgetFor(setting: MaxUnavailableSetting, desired: number): number {
  if (setting.count !== undefined) return Math.max(1, setting.count);
  const percent = setting.percent ?? 10;
  return Math.max(1, Math.floor((desired * percent) / 100));
}
