/**
 * The built bundle, as npm installs it (`bin` -> assets/cli/ecs-ami-refresher/index.js): executable, with a
 * single shebang, self-contained, answering --help with exit 0 and a usage error with exit 2.
 * Built by `npx projen bundle` (which `npx projen test` runs first).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8')) as { bin?: Record<string, string> };
const bundle = path.join(root, pkg.bin?.['ecs-ami-refresher'] ?? 'missing-bin-entry');

function runBundle(args: string[], env: Record<string, string> = {}) {
  // A clean environment: no AWS variables of the machine running the tests.
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf-8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
}

test('package.json names the bundle as the ecs-ami-refresher bin, and it is built', () => {
  expect(pkg.bin).toEqual({ 'ecs-ami-refresher': 'assets/cli/ecs-ami-refresher/index.js' });
  expect(fs.existsSync(bundle)).toBe(true);
});

test('the bundle starts with one shebang and is executable', () => {
  const head = fs.readFileSync(bundle, 'utf-8').split('\n', 3);
  expect(head[0]).toBe('#!/usr/bin/env node');
  expect(head.slice(1).some((l) => l.startsWith('#!'))).toBe(false);
  // eslint-disable-next-line no-bitwise
  expect(fs.statSync(bundle).mode & 0o111).not.toBe(0);
});

test('the bundle requires nothing outside itself but Node built-ins', () => {
  const source = fs.readFileSync(bundle, 'utf-8');
  // (`[require("@aws-sdk/signature-v4-crt");]` appears only inside an SDK error message.)
  const required = new Set([...source.matchAll(/(?<![[\w])require\("([^"]+)"\)/g)].map((m) => m[1]));
  const external = [...required].filter((name) => !name.startsWith('node:') && !isBuiltin(name));
  expect(external).toEqual([]);
});

test('node <bundle> --help prints the usage and exits 0', () => {
  const result = runBundle(['--help']);
  expect(result.status).toBe(0);
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('Usage: ecs-ami-refresher [options] [command]');
  for (const command of ['plan', 'rotate', 'status']) expect(result.stdout).toMatch(new RegExp(`^  ${command} \\[options\\]`, 'm'));
  expect(result.stdout).toContain('Exit codes:');
  expect(result.stdout).toContain('4    another engine holds the cluster\'s lease');
});

test('node <bundle> rotate --help lists the rotation options', () => {
  const result = runBundle(['rotate', '--help']);
  expect(result.status).toBe(0);
  for (const option of ['--cluster', '--group', '--force', '--max-unavailable', '--drain-timeout', '--on-drain-timeout', '--dry-run', '--region', '--profile']) {
    expect(result.stdout).toContain(option);
  }
});

test('node <bundle> --version prints the version of the package it ships in', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8')) as { version: string };
  const result = runBundle(['--version']);
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(`${version}\n`);
});

test('a usage error through the bundle: exit 2 on stderr', () => {
  const result = runBundle(['rotate', '--cluster', 'prod', '--max-unavailable', 'all']);
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain("error: option '--max-unavailable <N|N%>' argument 'all' is invalid.");
});

test('no Region anywhere: a configuration error naming --region and AWS_REGION, exit 2', () => {
  const result = runBundle(['status', '--cluster', 'prod'], {
    AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  expect(result.stderr.trim()).toBe('error: no AWS Region: pass --region REGION or set AWS_REGION (or give the profile a region)');
  expect(result.status).toBe(2);
});

function isBuiltin(name: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('module') as { builtinModules: string[] }).builtinModules.includes(name);
}
