/**
 * A minimum AMI age in the planner: which image a group rotates to while the parameter's image is young,
 * what it reports, and from when its instances count as outdated. OBSERVED_AT is 2025-03-01T00:00:00Z;
 * NEW_AMI was created 2025-01-01 (59 days before), OLD_AMI 2024-12-01.
 */
import { plan } from '../../../src/engine/decide/plan';
import { al2023Image, instanceId, NEW_AMI, OBSERVED_AT, OLD_AMI, PLAN_CONFIG, webCluster } from '../fixtures';

const DAY = 86_400;
const NEW_CREATED = Date.parse('2025-01-01T00:00:00.000Z');

const webPlan = (minimumAmiAgeSeconds: number | undefined, cluster = webCluster()) =>
  plan(cluster, { ...PLAN_CONFIG, ...(minimumAmiAgeSeconds === undefined ? {} : { minimumAmiAgeSeconds }) }).groups[0];

describe('minimumAmiAge', () => {
  test.each([
    ['none', undefined],
    ['0', 0],
    ['58 days (the image is 59 days old)', 58 * DAY],
    ['exactly its age', 59 * DAY],
  ])('%s: the parameter\'s image is adopted', (_name, age) => {
    const g = webPlan(age);
    expect(g.targetImageId).toBe(NEW_AMI);
    expect(g.pendingImage).toBeUndefined();
    expect(g.updateLaunchSource).toBe(true);
    expect(g.outdatedInstances.map((i) => i.instanceId)).toEqual([instanceId(1)]);
  });

  test('younger than the minimum: the group keeps the image it launches; instances on either image are up to date', () => {
    const g = webPlan(60 * DAY);
    expect(g.targetImageId).toBe(OLD_AMI);
    expect(g.updateLaunchSource).toBe(false);
    // Neither is outdated: one runs the kept image, the other is already on the young one (never taken back).
    expect(g.status).toBe('up-to-date');
    expect(g.outdatedInstances).toEqual([]);
    expect(g.upToDateCount).toBe(2);
    expect(g.pendingImage).toEqual({
      imageId: NEW_AMI,
      reason: `image ${NEW_AMI} was published at 2025-01-01T00:00:00Z; adopted from 2025-03-02T00:00:00Z (minimumAmiAge 60 days)`,
      holdsNewWork: false,
    });
  });

  test('younger than the minimum, an instance on an older image than the kept one is still replaced with the kept one', () => {
    const cluster = webCluster({
      images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI), al2023Image('ami-0000000000000a0a0', { creationDate: '2024-06-01T00:00:00.000Z' })],
      group: { members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }, { id: instanceId(3), imageId: 'ami-0000000000000a0a0', tasks: 1 }] },
    });
    const g = webPlan(60 * DAY, cluster);
    expect(g.targetImageId).toBe(OLD_AMI);
    expect(g.outdatedInstances.map((i) => i.instanceId)).toEqual([instanceId(3)]);
  });

  test('the outdated age counts from adoption (creation + minimum age), not from creation', () => {
    const none = plan(webCluster(), PLAN_CONFIG);
    expect(none.totals.oldestOutdatedAgeSeconds).toBe((OBSERVED_AT - NEW_CREATED) / 1000);
    const aged = plan(webCluster(), { ...PLAN_CONFIG, minimumAmiAgeSeconds: 30 * DAY });
    expect(aged.groups[0].outdatedSince).toBe(NEW_CREATED + 30 * DAY * 1000);
    expect(aged.totals.oldestOutdatedAgeSeconds).toBe(29 * DAY);
  });

  test('the launch template already names the young image (a deploy put it there): the target stays that image, and holds new work', () => {
    const g = webPlan(60 * DAY, webCluster({ group: { currentImageId: NEW_AMI } }));
    expect(g.targetImageId).toBe(NEW_AMI);
    expect(g.pendingImage?.holdsNewWork).toBe(true);
    // Not outdated yet for the alarm: its adoption is a day away.
    expect(g.outdatedSince).toBe(NEW_CREATED + 60 * DAY * 1000);
  });

  test('the kept image is unusable (deregistered): the target stays the young image, and holds new work', () => {
    const cluster = webCluster({ images: [al2023Image(OLD_AMI, { state: 'deregistered' }), al2023Image(NEW_AMI)] });
    const g = webPlan(60 * DAY, cluster);
    expect(g.status).not.toBe('refused');
    expect(g.targetImageId).toBe(NEW_AMI);
    expect(g.pendingImage?.holdsNewWork).toBe(true);
  });

  test('an image without a creation date cannot be aged: it is not adopted, and the reason says so', () => {
    const cluster = webCluster({ images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI, { creationDate: undefined })] });
    const g = webPlan(DAY, cluster);
    expect(g.targetImageId).toBe(OLD_AMI);
    expect(g.pendingImage?.reason).toBe(`image ${NEW_AMI} named by SSM parameter /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id ` +
      'has no creation date, so its age cannot be told (minimumAmiAge 1 day); it is not adopted');
  });

  test('a bad parameter image is refused as before, whatever its age', () => {
    const cluster = webCluster({ images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI, { architecture: 'arm64' })] });
    expect(webPlan(60 * DAY, cluster).status).toBe('refused');
  });
});
