#!/usr/bin/env node
// Makes sure a Chromium for the e2e tests exists: $CHROMIUM_PATH, else /usr/bin/chromium. When missing and
// running as root, installs Debian's chromium with apt-get; otherwise explains what to do and exits 1.
// Never downloads Playwright's browsers (spec/tfjs-backends.md §6.2).
import { execSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

if (executable(path)) {
  console.log(`ensure-chromium: using ${path}`);
  process.exit(0);
}
if (process.env.CHROMIUM_PATH) {
  console.error(`ensure-chromium: CHROMIUM_PATH=${path} is not an executable file. Point CHROMIUM_PATH at a Chromium/Chrome binary.`);
  process.exit(1);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    'ensure-chromium: no Chromium at /usr/bin/chromium. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary, then run the tests again.',
  );
  process.exit(1);
}
console.log('ensure-chromium: /usr/bin/chromium missing; installing Debian chromium with apt-get…');
try {
  execSync('apt-get update && apt-get install -y chromium', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
} catch {
  console.error('ensure-chromium: apt-get could not install chromium. Install it by hand or set CHROMIUM_PATH.');
  process.exit(1);
}
if (!executable(path)) {
  console.error(`ensure-chromium: chromium installed but ${path} is still missing; set CHROMIUM_PATH.`);
  process.exit(1);
}
console.log(`ensure-chromium: installed ${path}`);
