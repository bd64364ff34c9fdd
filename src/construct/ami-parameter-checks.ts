/**
 * `amiParameters` entries that synthesize and deploy but can never be used as meant, each reported on the
 * refresher at synth: a value that is an AMI id (the map names SSM parameters), and a key whose family no
 * group can have (a typo is simply never looked up).
 */
import { Annotations, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GroupOverride } from './group-override';
import { AMI_ID_PATTERN, DEFAULT_AMI_PARAMETERS, PARAMETER_KEY_PATTERN } from '../shared/ami-families';
import { TagKey } from '../shared/constants';

/** The families of the catalog (shared/ami-families.ts): those of the default map, which image names are read as. */
export const CATALOG_FAMILIES: readonly string[] = [...new Set(Object.keys(DEFAULT_AMI_PARAMETERS).map((key) => key.split('/')[0]))];

export function checkAmiParameters(
  scope: Construct,
  given: { readonly [key: string]: string } | undefined,
  overrides: readonly GroupOverride[],
): void {
  // Families a group can have besides the catalog's: those groupOverrides give (the tag is set outside the app).
  const overrideFamilies = new Set(overrides.map((o) => o.family).filter((f): f is string => f !== undefined && !Token.isUnresolved(f)));
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!Token.isUnresolved(value) && AMI_ID_PATTERN.test(value)) {
      Annotations.of(scope).addError(`amiParameters['${key}'] is '${value}', an AMI id: each value names the SSM parameter whose value is ` +
        `the newest AMI id of that family (e.g. '${DEFAULT_AMI_PARAMETERS['amazon-linux-2023/x86_64']}'). To pin an image, put its id ` +
        'in a parameter of your own and give that parameter\'s name');
    }
    const family = PARAMETER_KEY_PATTERN.exec(key)?.[1];
    if (family === undefined || CATALOG_FAMILIES.includes(family) || overrideFamilies.has(family)) continue;
    const near = nearest(family, [...CATALOG_FAMILIES, ...overrideFamilies]);
    Annotations.of(scope).addWarningV2('ecs-ami-refresher:unknownAmiFamily',
      `amiParameters has key '${key}', whose family '${family}' is no known family and no groupOverrides family: no group is read as ` +
      `'${family}' unless its ${TagKey.AMI_FAMILY} tag says so, so the entry may never be used. ` +
      (near ? `Did you mean '${near}'? ` : '') + `Known families: ${CATALOG_FAMILIES.join(', ')}`);
  }
}

/** The candidate at the smallest edit distance, if it is close (at most a third of the name's length). */
function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(name.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
