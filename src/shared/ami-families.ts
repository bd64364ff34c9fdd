/**
 * AMI families: how a group's family and architecture are recognised from its current image, which SSM
 * parameter names its newest image, and how that parameter's value is read. Pure; shared by the engine
 * and by the construct (which turns the map into IAM resources).
 */
import { Architecture, ImageInfo } from './image';

/** Architectures a parameter key may name (DescribeImages `Architecture` values for ECS hosts). */
export const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];

/**
 * The default AMI parameter map: `family/architecture` to a public SSM parameter whose value is the newest
 * image id of that family (the plain `.../image_id` sub-parameters; their parents hold JSON, which
 * `parseParameterValue` reads too, so either may be configured). Every path below was checked against the
 * page cited above its group (Amazon ECS Developer Guide, as of November 2026).
 */
export const DEFAULT_AMI_PARAMETERS: Readonly<Record<string, string>> = {
  // "Retrieving Amazon ECS-optimized Linux AMI metadata", section "Systems Manager Parameter Store parameter
  // format": https://docs.aws.amazon.com/AmazonECS/latest/developerguide/retrieve-ecs-optimized_AMI.html
  // Amazon Linux 2023: x86_64, arm64, GPU (NVIDIA; x86_64 only, no arm64 GPU variant is published) and Neuron
  // (Inferentia/Trainium; `neuron/`, as the page and aws-cdk's EcsOptimizedImage name it; an older copy of the
  // page in the China partition still says `inf/`: map it in amiParameters there).
  'amazon-linux-2023/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
  'amazon-linux-2023/arm64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
  'amazon-linux-2023-gpu/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id',
  'amazon-linux-2023-neuron/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/neuron/recommended/image_id',
  // Amazon Linux 2 (same page): `amazon-linux-2/...` without a kernel segment is the kernel 4.14 AMI;
  // kernel 5.10 is its own family. GPU and Inferentia (`inf/`) variants are x86_64 only.
  'amazon-linux-2/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id',
  'amazon-linux-2/arm64': '/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id',
  'amazon-linux-2-gpu/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id',
  'amazon-linux-2-inf/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2/inf/recommended/image_id',
  'amazon-linux-2-kernel-5.10/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2/kernel-5.10/recommended/image_id',
  'amazon-linux-2-kernel-5.10/arm64': '/aws/service/ecs/optimized-ami/amazon-linux-2/kernel-5.10/arm64/recommended/image_id',
  'amazon-linux-2-kernel-5.10-gpu/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2/kernel-5.10/gpu/recommended/image_id',
  'amazon-linux-2-kernel-5.10-inf/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2/kernel-5.10/inf/recommended/image_id',
  // "Retrieving Amazon ECS-optimized Bottlerocket AMI metadata", one section per variant (`aws-ecs-1`,
  // `aws-ecs-1-nvidia`, `aws-ecs-2`, `aws-ecs-2-nvidia`), each for x86_64 and arm64, `latest/image_id`:
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-bottlerocket-retrieve-ami.html
  'bottlerocket-ecs-2/x86_64': '/aws/service/bottlerocket/aws-ecs-2/x86_64/latest/image_id',
  'bottlerocket-ecs-2/arm64': '/aws/service/bottlerocket/aws-ecs-2/arm64/latest/image_id',
  'bottlerocket-ecs-2-nvidia/x86_64': '/aws/service/bottlerocket/aws-ecs-2-nvidia/x86_64/latest/image_id',
  'bottlerocket-ecs-2-nvidia/arm64': '/aws/service/bottlerocket/aws-ecs-2-nvidia/arm64/latest/image_id',
  'bottlerocket-ecs-1/x86_64': '/aws/service/bottlerocket/aws-ecs-1/x86_64/latest/image_id',
  'bottlerocket-ecs-1/arm64': '/aws/service/bottlerocket/aws-ecs-1/arm64/latest/image_id',
  'bottlerocket-ecs-1-nvidia/x86_64': '/aws/service/bottlerocket/aws-ecs-1-nvidia/x86_64/latest/image_id',
  'bottlerocket-ecs-1-nvidia/arm64': '/aws/service/bottlerocket/aws-ecs-1-nvidia/arm64/latest/image_id',
  // "Retrieving Amazon ECS-optimized Windows AMI metadata" (sub-parameters such as `image_id` are appended
  // to the parameter path; x86_64 only): Windows Server 2025, 2022 and 2019, Full and Core, and 2016 Full
  // (no 2016 Core ECS-optimized AMI is published):
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/retrieve-ecs-optimized_windows_AMI.html
  'windows-server-2025-full/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2025-English-Full-ECS_Optimized/image_id',
  'windows-server-2025-core/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2025-English-Core-ECS_Optimized/image_id',
  'windows-server-2022-full/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-ECS_Optimized/image_id',
  'windows-server-2022-core/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-ECS_Optimized/image_id',
  'windows-server-2019-full/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-ECS_Optimized/image_id',
  'windows-server-2019-core/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2019-English-Core-ECS_Optimized/image_id',
  'windows-server-2016-full/x86_64': '/aws/service/ami-windows-latest/Windows_Server-2016-English-Full-ECS_Optimized/image_id',
};

/**
 * Public image names to family, first match wins (more specific patterns first). Names as AWS publishes
 * them, e.g. `al2023-ami-ecs-hvm-2023.0.20241010-kernel-6.1-x86_64`, `amzn2-ami-ecs-kernel-5.10-hvm-...`,
 * `bottlerocket-aws-ecs-2-aarch64-v1.25.0-...`, `Windows_Server-2022-English-Full-ECS_Optimized-2024.10.09`.
 */
const NAME_PATTERNS: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => string]> = [
  [/^al2023-ami-ecs-(gpu|neuron)-hvm-/, (m) => `amazon-linux-2023-${m[1]}`],
  [/^al2023-ami-ecs-hvm-/, () => 'amazon-linux-2023'],
  [/^amzn2-ami-ecs-kernel-5\.10-(gpu|inf)-hvm-/, (m) => `amazon-linux-2-kernel-5.10-${m[1]}`],
  [/^amzn2-ami-ecs-kernel-5\.10-hvm-/, () => 'amazon-linux-2-kernel-5.10'],
  [/^amzn2-ami-ecs-(gpu|inf)-hvm-/, (m) => `amazon-linux-2-${m[1]}`],
  [/^amzn2-ami-ecs-hvm-/, () => 'amazon-linux-2'],
  // The architecture must follow: `...-ecs-2-fips-x86_64-...` (FIPS) is another variant, never `bottlerocket-ecs-2`.
  [/^bottlerocket-aws-ecs-(\d+)(-nvidia)?-(x86_64|aarch64)-/, (m) => `bottlerocket-ecs-${m[1]}${m[2] ?? ''}`],
  [
    /^Windows_Server-(\d{4})-English-(Full|Core)-ECS_Optimized-/,
    (m) => `windows-server-${m[1]}-${m[2].toLowerCase()}`,
  ],
];

/** A family name as used in keys and in the family tag: lower case letters, digits, dots and dashes. */
export const FAMILY_PATTERN = /^[a-z0-9][a-z0-9.-]*$/;

/** `family/architecture`, the key of the AMI parameter map. */
export const PARAMETER_KEY_PATTERN = /^([a-z0-9][a-z0-9.-]*)\/(x86_64|arm64)$/;

/**
 * An SSM parameter name (`/a/b`, `a_b.c`) or ARN, as GetParameters accepts them.
 * See the SSM API reference, PutParameter `Name` and GetParameters `Names`.
 */
export const PARAMETER_NAME_PATTERN = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[a-zA-Z0-9_.\-/]+|\/?[a-zA-Z0-9_.\-/]+)$/;

export const AMI_ID_PATTERN = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;

export function parameterKey(family: string, architecture: string): string {
  return `${family}/${architecture}`;
}

export function familyFromImageName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  for (const [pattern, family] of NAME_PATTERNS) {
    const match = name.match(pattern);
    if (match) return family(match);
  }
  return undefined;
}

/**
 * The image a group's family and architecture are read from: the one it launches now, or — when that one
 * can no longer be described (golden-AMI pipelines deregister old images) — the one most of its instances
 * run. Without it such a group could never be moved off a deregistered image.
 */
export function referenceImage(
  currentImageId: string | undefined,
  memberImageIds: readonly (string | undefined)[],
  images: Readonly<Record<string, ImageInfo>>,
): ImageInfo | undefined {
  if (currentImageId && images[currentImageId]) return images[currentImageId];
  const counts = new Map<string, number>();
  for (const id of memberImageIds) if (id && images[id]) counts.set(id, (counts.get(id) ?? 0) + 1);
  const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return best ? images[best[0]] : undefined;
}

/** Windows AMIs report `PlatformDetails` `Windows...` (EC2 User Guide, "AMI billing information fields"). */
export function isWindows(image: ImageInfo): boolean {
  return (image.platformDetails ?? '').toLowerCase().startsWith('windows');
}

/** What the engine decided a group's family and architecture are, or why it could not. */
export type FamilyDetection =
  | { readonly ok: true; readonly family: string; readonly architecture: Architecture; readonly from: 'tag' | 'image-name' }
  | { readonly ok: false; readonly reason: string };

/**
 * A group's family comes from the family tag when present, else from its current image's name. The
 * architecture always comes from the image: a tag cannot make an arm64 image run x86_64 hosts.
 */
export function detectFamily(image: ImageInfo | undefined, familyTag: string | undefined): FamilyDetection {
  if (!image) {
    return { ok: false, reason: 'the group\'s current image could not be described (it may be deregistered or shared no longer)' };
  }
  const architecture = image.architecture;
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    return { ok: false, reason: `image ${image.imageId} has architecture '${architecture ?? 'unknown'}'; supported: ${ARCHITECTURES.join(', ')}` };
  }
  if (familyTag !== undefined) {
    if (!FAMILY_PATTERN.test(familyTag)) {
      return { ok: false, reason: `the family tag value '${familyTag}' is not a family name (lower case letters, digits, '.', '-')` };
    }
    return { ok: true, family: familyTag, architecture, from: 'tag' };
  }
  const family = familyFromImageName(image.name);
  if (!family) {
    return {
      ok: false,
      reason: `the AMI family of image ${image.imageId} ('${image.name ?? 'no name'}') is not recognised; ` +
        'name its family in groupOverrides or with the ecs-ami-refresher:ami-family tag, or give the group its own parameter',
    };
  }
  return { ok: true, family, architecture, from: 'image-name' };
}

/**
 * What the construct says about one group (`groupOverrides`), read from EnvName.GROUP_OVERRIDES: its family
 * (over the family tag and the image name), its own parameter (a golden AMI, over the family map), its
 * readiness timeout (over the platform's default).
 */
export interface GroupSettings {
  readonly family?: string;
  readonly amiParameter?: string;
  readonly readinessTimeoutSeconds?: number;
}

/** Where a group's target image comes from, or why it cannot be known. */
export type GroupTarget =
  | {
    readonly ok: true;
    /** Undefined only for a group with its own parameter whose family is unknown (it needs none). */
    readonly family?: string;
    readonly architecture: Architecture;
    readonly familyFrom?: 'prop' | 'tag' | 'image-name';
    readonly parameterName: string;
    /** `group`: the group's own parameter; `map`: the family map (`amiParameters`). */
    readonly parameterFrom: 'group' | 'map';
  }
  | {
    readonly ok: false;
    readonly reason: string;
    /** The family could not be told (no prop, no tag, an unrecognised image name): never guessed. */
    readonly unknownFamily: boolean;
    readonly family?: string;
    readonly architecture?: Architecture;
    readonly familyFrom?: 'prop' | 'tag' | 'image-name';
  };

/**
 * A group's family and its target parameter. The family comes from the construct (`groupOverrides`), else the
 * family tag, else the image name; the architecture always from the image. The group's own parameter, when
 * given, replaces the family map's, and then an unknown family is no reason to refuse the group.
 */
export function resolveGroupTarget(
  image: ImageInfo | undefined,
  familyTag: string | undefined,
  override: GroupSettings | undefined,
  amiParameters: Readonly<Record<string, string>>,
): GroupTarget {
  const propFamily = override?.family;
  const detection = detectFamily(image, propFamily ?? familyTag);
  if (!detection.ok) {
    const architecture = image?.architecture === 'x86_64' || image?.architecture === 'arm64' ? image.architecture : undefined;
    // Only an unrecognised name is an unknown family; an undescribable image or a bad tag is bad input.
    const unknownFamily = image !== undefined && architecture !== undefined && propFamily === undefined && familyTag === undefined;
    if (override?.amiParameter && architecture) {
      return { ok: true, architecture, parameterName: override.amiParameter, parameterFrom: 'group' };
    }
    return { ok: false, reason: detection.reason, unknownFamily, architecture };
  }
  const familyFrom = propFamily !== undefined ? 'prop' as const : detection.from;
  const known = { family: detection.family, architecture: detection.architecture, familyFrom };
  if (override?.amiParameter) return { ok: true, ...known, parameterName: override.amiParameter, parameterFrom: 'group' };
  const key = parameterKey(detection.family, detection.architecture);
  const parameterName = amiParameters[key];
  if (!parameterName) {
    return { ok: false, reason: `no AMI parameter is configured for '${key}'; add it to amiParameters, or give the group its own parameter`, unknownFamily: false, ...known };
  }
  return { ok: true, ...known, parameterName, parameterFrom: 'map' };
}

export type ParsedParameter =
  | { readonly ok: true; readonly imageId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * A parameter's value is either an image id (the `.../image_id` parameters) or a JSON document with an
 * `image_id` field (the `.../recommended` parameters). Anything else is refused, never guessed at.
 */
export function parseParameterValue(name: string, value: string | undefined): ParsedParameter {
  if (value === undefined) {
    return { ok: false, reason: `SSM parameter ${name} does not exist in this region or cannot be read` };
  }
  const trimmed = value.trim();
  if (AMI_ID_PATTERN.test(trimmed)) return { ok: true, imageId: trimmed };
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      return { ok: false, reason: `SSM parameter ${name} holds malformed JSON: ${abbreviate(trimmed)}` };
    }
    const imageId = (doc as { image_id?: unknown }).image_id;
    if (typeof imageId === 'string' && AMI_ID_PATTERN.test(imageId)) return { ok: true, imageId };
    return { ok: false, reason: `SSM parameter ${name} holds JSON without a valid image_id: ${abbreviate(trimmed)}` };
  }
  return {
    ok: false,
    reason: `SSM parameter ${name} holds '${abbreviate(trimmed)}', which is neither an AMI id (ami-xxxxxxxx) nor a JSON document with image_id`,
  };
}

/**
 * Why a target image may not replace a group's current image, or undefined when it may. Checked against
 * DescribeImages data, so a parameter pointing at the wrong image stops the group instead of rotating it.
 */
export function targetImageProblem(target: ImageInfo | undefined, targetId: string, current: ImageInfo, parameterName: string): string | undefined {
  if (!target) {
    return `image ${targetId} named by SSM parameter ${parameterName} does not exist or is not visible to this account`;
  }
  if (target.state !== 'available') {
    return `image ${targetId} named by SSM parameter ${parameterName} is '${target.state ?? 'unknown'}', not 'available'`;
  }
  if (target.architecture !== current.architecture) {
    return `image ${targetId} named by SSM parameter ${parameterName} is for ${target.architecture ?? 'an unknown architecture'}, but the group runs ${current.architecture}`;
  }
  if (isWindows(target) !== isWindows(current)) {
    return `image ${targetId} named by SSM parameter ${parameterName} is for platform '${target.platformDetails ?? 'unknown'}', but the group runs '${current.platformDetails ?? 'unknown'}'`;
  }
  return undefined;
}

function abbreviate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
