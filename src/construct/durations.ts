import { Duration, Token } from 'aws-cdk-lib';

/** A duration prop checked against its range; a token is checked where it resolves (the engine refuses it). */
export function validateDuration(prop: string, value: Duration, min: Duration, max: Duration | undefined): void {
  if (Token.isUnresolved(value.toSeconds())) return;
  const seconds = value.toSeconds();
  if (seconds < min.toSeconds() || (max && seconds > max.toSeconds())) {
    const range = max ? `between ${min.toHumanString()} and ${max.toHumanString()}` : `at least ${min.toHumanString()}`;
    throw new Error(`${prop} is ${value.toHumanString()}; it must be ${range}`);
  }
}
