/**
 * Where the cluster's lease lives: one item in a DynamoDB table whose name is derived from the cluster's
 * name, so the Lambda, a terminal run and a second refresher on the same cluster all find the same item
 * from the cluster name alone (no flag, no lookup, no permission to read the cluster's tags).
 *
 * DynamoDB naming rules (Developer Guide, "Supported data types and naming rules in Amazon DynamoDB"):
 * "Table names and index names must be between 3 and 255 characters long, and can contain only the
 * following characters: a-z, A-Z, 0-9, _ (underscore), - (dash), . (dot)". ECS cluster names ("Up to 255
 * letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed", CreateCluster) use a
 * subset of those characters, so the prefix plus the name is a table name whenever it fits in 255.
 */

/** The table name's prefix; the cluster's name follows it. */
export const LEASE_TABLE_PREFIX = 'ecs-ami-refresher-lease.';

/** DynamoDB's longest table name. */
export const TABLE_NAME_MAX = 255;

/** The longest cluster name a lease table can be named after. */
export const LEASE_CLUSTER_NAME_MAX = TABLE_NAME_MAX - LEASE_TABLE_PREFIX.length;

/** The table's partition key (a string): the cluster's name, so IAM can scope access to the one item. */
export const LEASE_KEY = 'cluster';
/** The holder's name (a string). */
export const LEASE_OWNER = 'owner';
/** Epoch milliseconds after which the lease is free (a number). */
export const LEASE_EXPIRES = 'expiresAt';

/** The lease table of a cluster, by the cluster's name. */
export function leaseTableName(clusterName: string): string {
  return `${LEASE_TABLE_PREFIX}${clusterName}`;
}

/** Why a cluster name cannot name a lease table, or undefined when it can. */
export function leaseTableNameProblem(clusterName: string): string | undefined {
  if (clusterName.length > LEASE_CLUSTER_NAME_MAX) {
    return `cluster name "${clusterName.slice(0, 40)}..." is ${clusterName.length} characters; the lease table ` +
      `"${LEASE_TABLE_PREFIX}<cluster name>" needs it to be at most ${LEASE_CLUSTER_NAME_MAX} (DynamoDB table names are at most ${TABLE_NAME_MAX})`;
  }
  if (!/^[a-zA-Z0-9_.-]+$/.test(clusterName)) {
    return `cluster name "${clusterName}" has characters a DynamoDB table name cannot have (allowed: a-z A-Z 0-9 _ - .)`;
  }
  return undefined;
}
