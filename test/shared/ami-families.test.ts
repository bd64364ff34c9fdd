import {
  AMI_ID_PATTERN,
  DEFAULT_AMI_PARAMETERS,
  detectFamily,
  familyFromImageName,
  PARAMETER_KEY_PATTERN,
  PARAMETER_NAME_PATTERN,
  parameterKey,
  parseParameterValue,
} from '../../src/shared/ami-families';
import { al2023Image, amiId } from '../engine/fixtures';

/** Image names as AWS publishes them, with the family and architecture each is for. */
const REAL_NAMES: Array<[string, string, 'x86_64' | 'arm64']> = [
  ['al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64', 'amazon-linux-2023', 'x86_64'],
  ['al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-arm64', 'amazon-linux-2023', 'arm64'],
  ['al2023-ami-ecs-gpu-hvm-2023.0.20250101-kernel-6.1-x86_64', 'amazon-linux-2023-gpu', 'x86_64'],
  ['al2023-ami-ecs-neuron-hvm-2023.0.20251209-kernel-6.1-x86_64', 'amazon-linux-2023-neuron', 'x86_64'],
  ['amzn2-ami-ecs-hvm-2.0.20250101-x86_64-ebs', 'amazon-linux-2', 'x86_64'],
  ['amzn2-ami-ecs-hvm-2.0.20250101-arm64-ebs', 'amazon-linux-2', 'arm64'],
  ['amzn2-ami-ecs-gpu-hvm-2.0.20250101-x86_64-ebs', 'amazon-linux-2-gpu', 'x86_64'],
  ['amzn2-ami-ecs-inf-hvm-2.0.20250101-x86_64-ebs', 'amazon-linux-2-inf', 'x86_64'],
  ['amzn2-ami-ecs-kernel-5.10-hvm-2.0.20240528-x86_64-ebs', 'amazon-linux-2-kernel-5.10', 'x86_64'],
  ['amzn2-ami-ecs-kernel-5.10-hvm-2.0.20240528-arm64-ebs', 'amazon-linux-2-kernel-5.10', 'arm64'],
  ['amzn2-ami-ecs-kernel-5.10-gpu-hvm-2.0.20250321-x86_64-ebs', 'amazon-linux-2-kernel-5.10-gpu', 'x86_64'],
  ['amzn2-ami-ecs-kernel-5.10-inf-hvm-2.0.20250321-x86_64-ebs', 'amazon-linux-2-kernel-5.10-inf', 'x86_64'],
  ['bottlerocket-aws-ecs-1-x86_64-v1.19.2-29cc92cc', 'bottlerocket-ecs-1', 'x86_64'],
  ['bottlerocket-aws-ecs-1-aarch64-v1.19.2-29cc92cc', 'bottlerocket-ecs-1', 'arm64'],
  ['bottlerocket-aws-ecs-1-nvidia-x86_64-v1.19.2-29cc92cc', 'bottlerocket-ecs-1-nvidia', 'x86_64'],
  ['bottlerocket-aws-ecs-2-x86_64-v1.30.0-abc', 'bottlerocket-ecs-2', 'x86_64'],
  ['bottlerocket-aws-ecs-2-aarch64-v1.30.0-abc', 'bottlerocket-ecs-2', 'arm64'],
  ['bottlerocket-aws-ecs-2-nvidia-x86_64-v1.30.0-abc', 'bottlerocket-ecs-2-nvidia', 'x86_64'],
  ['bottlerocket-aws-ecs-2-nvidia-aarch64-v1.30.0-abc', 'bottlerocket-ecs-2-nvidia', 'arm64'],
  ['Windows_Server-2019-English-Full-ECS_Optimized-2025.01.15', 'windows-server-2019-full', 'x86_64'],
  ['Windows_Server-2019-English-Core-ECS_Optimized-2025.01.15', 'windows-server-2019-core', 'x86_64'],
  ['Windows_Server-2022-English-Full-ECS_Optimized-2025.01.15', 'windows-server-2022-full', 'x86_64'],
  ['Windows_Server-2022-English-Core-ECS_Optimized-2025.01.15', 'windows-server-2022-core', 'x86_64'],
  ['Windows_Server-2025-English-Full-ECS_Optimized-2025.01.15', 'windows-server-2025-full', 'x86_64'],
  ['Windows_Server-2025-English-Core-ECS_Optimized-2025.01.15', 'windows-server-2025-core', 'x86_64'],
  ['Windows_Server-2016-English-Full-ECS_Optimized-2025.01.15', 'windows-server-2016-full', 'x86_64'],
];

describe('familyFromImageName', () => {
  test.each(REAL_NAMES)('%s is %s', (name, family) => {
    expect(familyFromImageName(name)).toBe(family);
  });

  test.each(REAL_NAMES)('%s (%s, %s) has a default parameter for its architecture and for x86_64', (name, _family, arch) => {
    const family = familyFromImageName(name)!;
    expect(DEFAULT_AMI_PARAMETERS[parameterKey(family, 'x86_64')]).toMatch(/^\/aws\/service\//);
    expect(DEFAULT_AMI_PARAMETERS[parameterKey(family, arch)]).toMatch(/^\/aws\/service\//);
  });

  test('every default family is recognised from at least one real name', () => {
    const defaultFamilies = new Set(Object.keys(DEFAULT_AMI_PARAMETERS).map((k) => k.split('/')[0]));
    const detected = new Set(REAL_NAMES.map(([name]) => familyFromImageName(name)));
    expect([...defaultFamilies].filter((f) => !detected.has(f))).toEqual([]);
  });

  test.each([
    ['an empty name', ''],
    ['no name', undefined],
    ['a plain Amazon Linux 2023 (not ECS-optimized)', 'al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64'],
    ['a plain Amazon Linux 2', 'amzn2-ami-hvm-2.0.20250101.0-x86_64-gp2'],
    ['Bottlerocket for EKS', 'bottlerocket-aws-k8s-1.31-x86_64-v1.30.0-abc'],
    // A FIPS host must never be rotated onto the non-FIPS image of the same version.
    ['Bottlerocket ECS 2 FIPS', 'bottlerocket-aws-ecs-2-fips-x86_64-v1.40.0-abc'],
    ['Bottlerocket ECS 2 NVIDIA FIPS', 'bottlerocket-aws-ecs-2-nvidia-fips-x86_64-v1.40.0-abc'],
    ['a plain Windows Server', 'Windows_Server-2022-English-Full-Base-2025.01.15'],
    ['a custom golden image', 'acme-ecs-golden-2025-01-01'],
    ['a name that only contains a known prefix', 'copy-of-al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64'],
  ])('%s is not recognised', (_, name) => {
    expect(familyFromImageName(name)).toBeUndefined();
  });
});

describe('the default parameter map', () => {
  test.each(Object.entries(DEFAULT_AMI_PARAMETERS))('%s -> %s is well formed', (key, name) => {
    expect(key).toMatch(PARAMETER_KEY_PATTERN);
    expect(name).toMatch(PARAMETER_NAME_PATTERN);
    expect(name.startsWith('/aws/service/')).toBe(true);
    // the plain image id sub-parameters, not the JSON parents
    expect(name.endsWith('/image_id')).toBe(true);
  });

  test('no two keys share a parameter, and arm64 parameters are never x86_64 ones', () => {
    const names = Object.values(DEFAULT_AMI_PARAMETERS);
    expect(new Set(names).size).toBe(names.length);
    for (const [key, name] of Object.entries(DEFAULT_AMI_PARAMETERS)) {
      if (key.endsWith('/arm64')) expect(name).toMatch(/arm64/);
      else expect(name).not.toMatch(/arm64/);
    }
  });

  test.each([
    ['amazon-linux-2023/x86_64', true],
    ['amazon-linux-2-kernel-5.10/arm64', true],
    ['amazon-linux-2023/aarch64', false],
    ['Amazon-Linux/x86_64', false],
    ['/x86_64', false],
    ['amazon-linux-2023', false],
  ])('PARAMETER_KEY_PATTERN on %j is %s', (key, ok) => {
    expect(PARAMETER_KEY_PATTERN.test(key)).toBe(ok);
  });

  test.each([
    ['/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id', true],
    ['golden.ami_id', true],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter/acme/golden/ecs', true],
    ['arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/acme/golden', true],
    ['/acme/golden:3', false],
    ['/acme/golden ami', false],
    ['', false],
  ])('PARAMETER_NAME_PATTERN on %j is %s', (name, ok) => {
    expect(PARAMETER_NAME_PATTERN.test(name)).toBe(ok);
  });
});

describe('detectFamily', () => {
  test('from the image name, with the image architecture', () => {
    expect(detectFamily(al2023Image(amiId(1), { architecture: 'arm64' }), undefined))
      .toEqual({ ok: true, family: 'amazon-linux-2023', architecture: 'arm64', from: 'image-name' });
  });

  test('a tag overrides the name but never the architecture', () => {
    expect(detectFamily(al2023Image(amiId(1), { architecture: 'arm64' }), 'bottlerocket-ecs-2'))
      .toEqual({ ok: true, family: 'bottlerocket-ecs-2', architecture: 'arm64', from: 'tag' });
  });

  test.each([
    ['no image', undefined, undefined, /could not be described/],
    ['an i386 image', al2023Image(amiId(1), { architecture: 'i386' }), undefined, /architecture 'i386'/],
    ['an image without architecture', al2023Image(amiId(1), { architecture: undefined }), undefined, /architecture 'unknown'/],
    ['an empty tag', al2023Image(amiId(1)), '', /family tag value ''/],
    ['a tag with a slash', al2023Image(amiId(1)), 'amazon-linux-2023/x86_64', /'amazon-linux-2023\/x86_64'/],
    ['an unnamed image', al2023Image(amiId(1), { name: undefined }), undefined, /'no name'/],
  ])('refuses %s', (_, image, tag, reason) => {
    const detection = detectFamily(image, tag);
    expect(detection.ok).toBe(false);
    expect(detection.ok ? '' : detection.reason).toMatch(reason);
  });
});

describe('parseParameterValue', () => {
  const NAME = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended';
  const ID = 'ami-0123456789abcdef0';

  test.each([
    ['a 17-digit image id', ID, ID],
    ['an 8-digit image id', 'ami-0123abcd', 'ami-0123abcd'],
    ['an image id with whitespace', `  ${ID}\n`, ID],
    ['the JSON of a recommended parameter', JSON.stringify({ schema_version: 1, image_name: 'al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64', image_id: ID, os: 'Amazon Linux 2023' }), ID],
    ['JSON with whitespace around it', `\n {"image_id": "${ID}"} `, ID],
  ])('accepts %s', (_, value, imageId) => {
    expect(parseParameterValue(NAME, value)).toEqual({ ok: true, imageId });
  });

  test.each([
    ['no value (the parameter does not exist)', undefined, ['does not exist', NAME]],
    ['an empty value', '', ["holds ''", NAME]],
    ['"latest"', 'latest', ["'latest'", 'neither an AMI id']],
    ['an image id with upper-case hex', 'ami-0123456789ABCDEF0', ["'ami-0123456789ABCDEF0'"]],
    ['an image id of the wrong length', 'ami-0123456789', ["'ami-0123456789'"]],
    ['an image id with a suffix', `${ID},ami-0123abcd`, [`'${ID},ami-0123abcd'`]],
    ['malformed JSON', '{"image_id": "ami-', ['malformed JSON', '{"image_id": "ami-']],
    ['JSON without image_id', '{"image_name":"x"}', ['without a valid image_id']],
    ['JSON with a non-string image_id', '{"image_id": 42}', ['without a valid image_id']],
    ['JSON with a non-AMI image_id', '{"image_id": "latest"}', ['without a valid image_id']],
    ['JSON null', 'null', ["'null'"]],
    ['a JSON array', `["${ID}"]`, ['neither an AMI id']],
  ])('refuses %s', (_, value, fragments) => {
    const parsed = parseParameterValue(NAME, value);
    expect(parsed.ok).toBe(false);
    for (const fragment of fragments) expect(parsed.ok ? '' : parsed.reason).toContain(fragment);
  });

  test('a long bad value is abbreviated in the message', () => {
    const parsed = parseParameterValue(NAME, 'x'.repeat(500));
    expect(parsed.ok ? '' : parsed.reason).toContain(`'${'x'.repeat(77)}...'`);
    expect(parsed.ok ? '' : parsed.reason).not.toContain('x'.repeat(78));
  });

  test('AMI_ID_PATTERN accepts only 8 or 17 lower-case hex digits', () => {
    expect(['ami-12345678', 'ami-0123456789abcdef0'].every((id) => AMI_ID_PATTERN.test(id))).toBe(true);
    expect(['ami-1234567', 'ami-123456789', 'ami-0123456789abcdef01', 'AMI-12345678', 'ami-1234567g'].some((id) => AMI_ID_PATTERN.test(id))).toBe(false);
  });
});
