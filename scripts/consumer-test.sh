#!/usr/bin/env bash
# The packed npm tarball, used the way a consumer uses it: extracted into node_modules of a fresh
# directory outside the repo (so nothing resolves from the repo's src/, lib/ or dev dependencies), with
# only the peers aws-cdk-lib and constructs present (symlinked from the repo: no network install).
# A plain-JavaScript CDK app then builds a cluster with a capacity provider and an EcsAmiRefresher,
# synthesizes it, and the function's asset in cdk.out is loaded and invoked with a malformed event.
#
#   bash scripts/consumer-test.sh        (from the repo root, or anywhere)
#   KEEP_TMP=1 bash scripts/consumer-test.sh   keeps the temp dir for inspection
#
# Expects dist/js/cdk-ecs-ami-refresher*.tgz (`npx projen compile && npx projen package:js`; jsii-pacmak
# names it cdk-ecs-ami-refresher@<version>.jsii.tgz) and builds it when missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

passed=0
ok() {
  passed=$((passed + 1))
  echo "  ok - $1"
}
fail() {
  echo "consumer-test: FAILED: $1" >&2
  echo "consumer-test: $passed passed, 1 failed" >&2
  exit 1
}

# --- (a) the tarball ------------------------------------------------------------------------------
find_tarball() { ls -t dist/js/cdk-ecs-ami-refresher*.tgz 2>/dev/null | head -n 1 || true; }
tarball="$(find_tarball)"
if [ -z "$tarball" ]; then
  echo "consumer-test: no dist/js/cdk-ecs-ami-refresher*.tgz; building it (bundle, compile, package:js)"
  npx projen bundle || fail "npx projen bundle failed"
  npx projen compile || fail "npx projen compile failed"
  npx projen package:js || fail "npx projen package:js failed"
  tarball="$(find_tarball)"
  [ -n "$tarball" ] || fail "npx projen package:js produced no dist/js/cdk-ecs-ami-refresher*.tgz"
fi
tarball="$repo/$tarball"
echo "consumer-test: $tarball"
stale="$(find src -newer "$tarball" -type f | head -n 3)"
if [ -n "$stale" ]; then
  echo "consumer-test: warning: the tarball is older than $(echo "$stale" | tr '\n' ' ')- rebuild it with npx projen compile && npx projen package:js" >&2
fi

for peer in aws-cdk-lib constructs; do
  [ -d "node_modules/$peer" ] || fail "node_modules/$peer is missing in the repo; run bash scripts/setup.sh"
done

# --- (b) a consumer's node_modules outside the repo ----------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecs-ami-refresher-consumer.XXXXXX")"
case "$tmp/" in "$repo"/*) fail "the temp dir $tmp is inside the repo; set TMPDIR elsewhere" ;; esac
if [ "${KEEP_TMP:-}" = "1" ]; then
  echo "consumer-test: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

pkg="$tmp/node_modules/cdk-ecs-ami-refresher"
mkdir -p "$pkg"
tar -xzf "$tarball" -C "$pkg" --strip-components=1 || fail "could not extract $tarball"
ln -s "$repo/node_modules/aws-cdk-lib" "$tmp/node_modules/aws-cdk-lib"
ln -s "$repo/node_modules/constructs" "$tmp/node_modules/constructs"

# Node in the consumer dir: no NODE_PATH into the repo, and should anything reach for AWS, a fake
# endpoint on 127.0.0.1's discard port, fake credentials and no instance metadata: nothing leaves the host.
consumer_node() {
  (cd "$tmp" && env -u NODE_PATH -u AWS_PROFILE \
    AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    node "$@")
}
# A check in JavaScript: an Error thrown anywhere prints its message alone (no stack) and exits 1.
consumer_js() {
  local script="$1"
  shift
  consumer_node -e "process.on('uncaughtException', (e) => { console.error(e.message); process.exit(1); }); $script" "$@"
}

out="$(consumer_js '
  const pkg = require("cdk-ecs-ami-refresher/package.json");
  const semver = (v) => v.split(".").map(Number);
  const satisfiesCaret = (version, range) => {
    const [want, have] = [semver(range.replace(/^\^/, "")), semver(version)];
    return have[0] === want[0] && (have[1] > want[1] || (have[1] === want[1] && have[2] >= want[2]));
  };
  for (const [peer, range] of Object.entries(pkg.peerDependencies)) {
    const version = require(peer + "/package.json").version;
    if (!/^\^\d+\.\d+\.\d+$/.test(range)) throw new Error(`peer ${peer} has range ${range}; this check understands ^x.y.z`);
    if (!satisfiesCaret(version, range)) throw new Error(`peer ${peer}@${version} does not satisfy ${range}`);
  }
  const extra = Object.keys(pkg.dependencies ?? {});
  if (extra.length > 0) throw new Error(`the package has runtime dependencies a consumer must install: ${extra.join(", ")}`);
  const lib = require("cdk-ecs-ami-refresher");
  if (typeof lib.EcsAmiRefresher !== "function") throw new Error("the package exports no EcsAmiRefresher class");
  const resolved = require.resolve("cdk-ecs-ami-refresher");
  if (!resolved.startsWith(process.cwd())) throw new Error(`resolved from ${resolved}, not from the consumer dir`);
  console.log(`${pkg.name}@${pkg.version}, peers ${Object.keys(pkg.peerDependencies).join(", ")}`);
' 2>&1)" || fail "the package does not load in a consumer: $out"
ok "the package loads from the consumer's node_modules with only its peers ($out)"

# --- (c) a plain-JavaScript CDK app --------------------------------------------------------------
cat >"$tmp/app.js" <<'EOF'
const path = require('path');
const cdk = require('aws-cdk-lib');
const autoscaling = require('aws-cdk-lib/aws-autoscaling');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const { EcsAmiRefresher } = require('cdk-ecs-ami-refresher');

const app = new cdk.App({
  outdir: path.join(__dirname, 'cdk.out'),
  context: {
    // As in every `cdk init` project's cdk.json.
    '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true,
    // What the cdk CLI sets on every synth: construct paths and asset paths in the template's metadata.
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
  },
});
const stack = new cdk.Stack(app, 'ConsumerStack');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
const autoScalingGroup = new autoscaling.AutoScalingGroup(stack, 'Capacity', {
  vpc,
  instanceType: new ec2.InstanceType('t3.medium'),
  machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
  minCapacity: 1,
  maxCapacity: 3,
});
cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'CapacityProvider', { autoScalingGroup }));
new EcsAmiRefresher(stack, 'Refresher', { cluster });
app.synth();
EOF

out="$(consumer_node app.js 2>&1)" || fail "the consumer app did not synthesize: $out"
[ -f "$tmp/cdk.out/ConsumerStack.template.json" ] || fail "synth wrote no cdk.out/ConsumerStack.template.json: $out"
ok "a plain-JS app with a VPC, cluster, capacity provider and EcsAmiRefresher synthesizes"

# The refresher's function and its asset directory, found through the asset manifest (S3Key -> source).
asset_dir="$(consumer_js '
  const fs = require("fs");
  const template = require("./cdk.out/ConsumerStack.template.json");
  const functions = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === "AWS::Lambda::Function" && String(r.Metadata?.["aws:cdk:path"] ?? "").includes("/Refresher/"));
  if (functions.length !== 1) throw new Error(`expected 1 Lambda function under Refresher, found ${functions.length}`);
  const [id, fn] = functions[0];
  if (fn.Properties.Runtime !== "nodejs24.x") throw new Error(`${id} has Runtime ${fn.Properties.Runtime}, expected nodejs24.x`);
  if (fn.Properties.Handler !== "index.handler") throw new Error(`${id} has Handler ${fn.Properties.Handler}, expected index.handler`);
  const key = fn.Properties.Code?.S3Key;
  if (typeof key !== "string") throw new Error(`${id} has no literal Code.S3Key: ${JSON.stringify(fn.Properties.Code)}`);
  const manifest = require("./cdk.out/ConsumerStack.assets.json");
  const file = Object.values(manifest.files).find((f) => Object.values(f.destinations).some((d) => d.objectKey === key));
  if (!file) throw new Error(`no asset in ConsumerStack.assets.json uploads ${key}`);
  if (file.source.packaging !== "zip") throw new Error(`asset ${key} is packaged ${file.source.packaging}, expected a zipped directory`);
  const dir = require("path").join("cdk.out", file.source.path);
  if (!fs.existsSync(require("path").join(dir, "index.js"))) throw new Error(`${dir} has no index.js: ${fs.readdirSync(dir).join(", ")}`);
  console.log(dir);
' 2>&1)" || fail "the synthesized function or its asset is wrong: $asset_dir"
ok "the template has the refresher's function (nodejs24.x, index.handler); its asset $asset_dir has index.js"

if cmp -s "$tmp/$asset_dir/index.js" "$pkg/assets/lambda/rotator.lambda/index.js"; then
  ok "the asset's index.js is the bundle shipped in the tarball"
else
  fail "$asset_dir/index.js differs from the tarball's assets/lambda/rotator.lambda/index.js"
fi
# The bundle is minified; stack traces name src/ files through the source map beside it.
if [ -f "$pkg/assets/lambda/rotator.lambda/index.js.map" ] && cmp -s "$tmp/$asset_dir/index.js.map" "$pkg/assets/lambda/rotator.lambda/index.js.map"; then
  ok "the asset's index.js.map is the tarball's, beside index.js"
else
  fail "$asset_dir/index.js.map is missing, or not the tarball's assets/lambda/rotator.lambda/index.js.map"
fi

# --- (d) the asset's handler loads and refuses a malformed event without calling AWS -------------
out="$(consumer_js '
  const { handler } = require(process.argv[1]);
  if (typeof handler !== "function") throw new Error(`index.js exports handler as ${typeof handler}, expected a function`);
  handler({ forse: 1 }).then(
    () => { console.error("the handler accepted {\"forse\":1}"); process.exit(1); },
    (error) => {
      if (error.name !== "EventError" || !/forse/.test(error.message)) {
        console.error(`expected an EventError naming forse, got ${error.name}: ${error.message}`);
        process.exit(1);
      }
      console.log(error.message);
    },
  );
' "$tmp/$asset_dir/index.js" 2>&1)" || fail "the asset's handler: $out"
ok "the asset exports handler(), which rejects {\"forse\":1} with an EventError (${out})"

# --- (e) the package's bin: the operator CLI runs from the installed package alone -----------------
bin_path="$(node -e 'const p = require(process.argv[1]); console.log(p.bin && p.bin["ecs-ami-refresher"] || "")' "$pkg/package.json")"
[ -n "$bin_path" ] || fail "package.json has no bin ecs-ami-refresher"
[ -x "$pkg/$bin_path" ] || fail "the bin $bin_path is missing from the tarball or not executable"
[ -f "$pkg/$bin_path.map" ] || fail "the bin's source map $bin_path.map is missing from the tarball"
help="$(cd "$tmp" && env -u NODE_PATH AWS_REGION=us-east-1 node "$pkg/$bin_path" --help 2>&1)" || fail "ecs-ami-refresher --help failed: $help"
grep -q 'Usage: ecs-ami-refresher' <<<"$help" || fail "ecs-ami-refresher --help printed no usage: $help"
ok "the package's bin $bin_path runs from the installed package (--help)"

echo "consumer-test: $passed passed, 0 failed"
