#!/usr/bin/env node
// First-run setup for `npm run demo` and `npm test` on a fresh Debian/Ubuntu machine.
// Plain JavaScript with no dependencies: it runs before node_modules exists.
//  - installs npm dependencies when node_modules is missing or older than package-lock.json;
//  - checks the system tools (ffmpeg, GStreamer RTSP server with Python bindings, fonts) and installs the
//    missing Debian packages with apt-get when running as root, else prints the exact command and stops.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
// The browser tests need Chromium and a CJK font; the demo does not.
const withBrowser = process.argv.includes('--browser');
const log = (msg) => { if (!quiet) console.log(`[setup] ${msg}`); };
const fail = (msg) => { console.error(`[setup] ${msg}`); process.exit(1); };

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old: Node >= 20.19 is required.`);

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { stdio: 'ignore', ...opts });
}
const ok = (cmd, args) => { const r = run(cmd, args); return !r.error && r.status === 0; };

// Each check names the Debian packages that satisfy it.
const GST_PY = [
  'import gi',
  "gi.require_version('Gst', '1.0')",
  "gi.require_version('GstRtspServer', '1.0')",
  'from gi.repository import Gst, GstRtspServer',
  'Gst.init(None)',
  "missing = [e for e in ('udpsrc', 'rtph264depay', 'h264parse', 'rtph264pay') if Gst.ElementFactory.find(e) is None]",
  'raise SystemExit(1 if missing else 0)',
].join('\n');
const checks = [
  { what: 'ffmpeg', test: () => ok('ffmpeg', ['-hide_banner', '-version']) && ok('ffprobe', ['-hide_banner', '-version']), pkgs: ['ffmpeg'] },
  {
    what: 'GStreamer RTSP server with Python bindings',
    test: () => ok('/usr/bin/python3', ['-c', GST_PY]),
    pkgs: ['python3-gi', 'gir1.2-gst-rtsp-server-1.0', 'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad'],
  },
  // The MQTT out tests start a real broker; the cloud itself only needs one when MQTT is configured.
  { what: 'mosquitto (MQTT broker for the tests)', test: () => existsSync('/usr/sbin/mosquitto'), pkgs: ['mosquitto'] },
  { what: 'fonts for snapshot labels', test: () => ok('fc-list', []) && (run('fc-list', [], { stdio: 'pipe' }).stdout?.toString() ?? '').includes('DejaVu'), pkgs: ['fontconfig', 'fonts-dejavu-core'] },
  ...(withBrowser
    ? [
        { what: 'Chromium for the browser tests', test: () => ok('/usr/bin/chromium', ['--version']), pkgs: ['chromium'] },
        {
          what: 'a Chinese font for the viewer',
          test: () => (run('fc-list', [':lang=zh'], { stdio: 'pipe' }).stdout?.toString() ?? '').trim() !== '',
          pkgs: ['fonts-wqy-microhei'],
        },
      ]
    : []),
];

const missing = checks.filter((c) => !c.test());
if (missing.length > 0) {
  const pkgs = [...new Set(missing.flatMap((c) => c.pkgs))];
  const command = `apt-get update && apt-get install -y ${pkgs.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    fail(`missing: ${missing.map((c) => c.what).join(', ')}.\nInstall them with:\n  sudo sh -c '${command}'\nthen run this command again.`);
  }
  log(`installing ${pkgs.join(' ')} (missing: ${missing.map((c) => c.what).join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...pkgs]]) {
    const r = run('apt-get', args, { stdio: quiet ? 'ignore' : 'inherit', env });
    if (r.status !== 0) fail(`apt-get ${args.join(' ')} failed (exit ${r.status}). Run it by hand: ${command}`);
  }
  const still = missing.filter((c) => !c.test());
  if (still.length > 0) fail(`still missing after apt-get: ${still.map((c) => c.what).join(', ')}`);
}

// npm dependencies: install when absent or when package-lock.json changed since the last install.
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  const args = existsSync(lock) ? ['ci'] : ['install'];
  log(`npm ${args[0]} (first run compiles better-sqlite3: about a minute)`);
  // onnxruntime-node's postinstall would try to download CUDA binaries; the CPU build ships in the package.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_onnxruntime_node_install: 'skip' };
  const r = spawnSync('npm', args, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env });
  if (r.status !== 0) fail(`npm ${args[0]} failed (exit ${r.status})`);
}
log('ready');
