/** What the engine knows of an image: plain data shared by the AMI family catalog and the engine's model. */

export type Architecture = 'x86_64' | 'arm64';

/** What EC2 says of an AMI (DescribeImages). */
export interface ImageInfo {
  readonly imageId: string;
  readonly name?: string;
  readonly architecture?: string;
  /** `Linux/UNIX`, `Windows`, ... (DescribeImages `PlatformDetails`). */
  readonly platformDetails?: string;
  /** `available`, `pending`, `deregistered`, ... */
  readonly state?: string;
  readonly creationDate?: string;
  readonly deprecationTime?: string;
}
