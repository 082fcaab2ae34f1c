import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { candidateFolders, compareVersions, isOnPath, launcherIsStale, launcherName, launcherText, pathLine, readLauncher, type LauncherSpec } from '../../src/vscode/cli/launcher';
import { refreshLauncherFiles, writeLauncher } from '../../src/vscode/cli/launcherFiles';
import { CLI, REPO, tmpDir } from './helpers';

const spec = (over: Partial<LauncherSpec> = {}): LauncherSpec => ({ node: process.execPath, electron: false, cli: CLI, version: '0.1.0', platform: 'linux', ...over });

describe('mlops launcher (Install CLI Command…)', () => {
  it('is a /bin/sh script that runs the bundled CLI with the given Node, whatever the paths contain', function () {
    if (process.platform === 'win32') { this.skip(); }
    const dir = tmpDir();
    // A Node and a CLI behind paths with a space, a quote and a $: the launcher must not let the shell expand them.
    const odd = path.join(dir, `it's $HOME a "dir"`);
    fs.mkdirSync(odd);
    fs.symlinkSync(process.execPath, path.join(odd, 'node'));
    fs.symlinkSync(path.join(REPO, 'dist'), path.join(odd, 'dist'));
    const file = path.join(dir, 'mlops');
    fs.writeFileSync(file, launcherText(spec({ node: path.join(odd, 'node'), cli: path.join(odd, 'dist', 'cli.js') })), { mode: 0o755 });
    const version = spawnSync(file, ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    const args = spawnSync(file, ['runs', 'list', '--experiment', 'a b'], { encoding: 'utf8', cwd: dir });
    assert.match(args.stderr, /no MLOps store|\.mlops/i, 'arguments reach the CLI, which looks for a store');
  });

  it('sets ELECTRON_RUN_AS_NODE only when the program is Electron', () => {
    assert.match(launcherText(spec({ electron: true })), /^ELECTRON_RUN_AS_NODE=1 exec '/m);
    assert.doesNotMatch(launcherText(spec()), /ELECTRON_RUN_AS_NODE/);
    const cmd = launcherText(spec({ platform: 'win32', electron: true, node: 'C:\\Users\\a%b\\Code.exe', cli: 'C:\\ext\\dist\\cli.js' }));
    assert.match(cmd, /^set ELECTRON_RUN_AS_NODE=1\r$/m);
    assert.match(cmd, /^"C:\\Users\\a%%b\\Code\.exe" "C:\\ext\\dist\\cli\.js" %\*\r$/m);
    assert.equal(launcherName('win32'), 'mlops.cmd');
    assert.equal(launcherName('darwin'), 'mlops');
  });

  it('recognises its own launchers by the marker line, and nothing else', () => {
    for (const s of [spec(), spec({ platform: 'win32', cli: 'C:\\x y\\cli.js' })]) {
      assert.deepEqual(readLauncher(launcherText(s)), { version: s.version, cli: s.cli });
    }
    assert.equal(readLauncher('#!/bin/sh\nexec /usr/bin/python3 -m mlops "$@"\n'), undefined);
    assert.equal(readLauncher('#!/bin/sh\n# mlops-workbench-launcher {not json\n'), undefined);
    assert.equal(readLauncher(''), undefined);
  });

  it('is rewritten at activation only for an older, removed or moved copy of the extension', () => {
    const now = spec({ version: '0.2.0', cli: '/ext/mlops-workbench-0.2.0/dist/cli.js' });
    const text = launcherText(now);
    const old = spec({ version: '0.1.0', cli: '/ext/mlops-workbench-0.1.0/dist/cli.js' });
    assert.equal(launcherIsStale(readLauncher(launcherText(old))!, now, text, launcherText(old), true), true, 'older version');
    const newer = spec({ version: '0.3.0', cli: '/ext/mlops-workbench-0.3.0/dist/cli.js' });
    assert.equal(launcherIsStale(readLauncher(launcherText(newer))!, now, text, launcherText(newer), true), false, 'a newer install keeps its launcher');
    assert.equal(launcherIsStale(readLauncher(launcherText(newer))!, now, text, launcherText(newer), false), true, 'unless its CLI is gone');
    const insiders = spec({ version: '0.2.0', cli: '/insiders/mlops-workbench-0.2.0/dist/cli.js' });
    assert.equal(launcherIsStale(readLauncher(launcherText(insiders))!, now, text, launcherText(insiders), true), false, 'a parallel install of the same version');
    const movedNode = spec({ ...now, node: '/old/code' });
    assert.equal(launcherIsStale(readLauncher(launcherText(movedNode))!, now, text, launcherText(movedNode), true), true, 'same CLI, another program');
    assert.equal(launcherIsStale(readLauncher(text)!, now, text, text, true), false, 'already current');
    assert.equal(compareVersions('0.10.0', '0.9.9'), 1);
    assert.equal(compareVersions('1.0.0-beta', '1.0.0'), 0);
  });

  it('finds a folder on PATH as the shell would, and gives the line that adds it', () => {
    assert.equal(isOnPath('/home/a/.local/bin', '/usr/bin:/home/a/.local/bin/:/bin', 'linux'), true);
    assert.equal(isOnPath('/home/a/.local/bin', '/usr/bin:~/.local/bin', 'linux', '/home/a'), true);
    assert.equal(isOnPath('/home/a/.local/bin', '/usr/bin:/home/a/.local/bin2', 'linux'), false);
    assert.equal(isOnPath('/home/a/bin', undefined, 'linux'), false);
    assert.equal(isOnPath('C:\\Users\\A\\bin', 'C:\\Windows;"c:\\users\\a\\BIN\\"', 'win32'), true);
    assert.equal(pathLine('/home/a/.local/bin', 'linux', '/home/a'), 'export PATH="$HOME/.local/bin:$PATH"');
    assert.equal(pathLine('/opt/my "tools"/bin', 'linux', '/home/a'), 'export PATH="/opt/my \\"tools\\"/bin:$PATH"');
    // A `$` in the folder stays literal when the line runs in a shell; only $HOME expands.
    assert.equal(pathLine('/home/a/my$dir/bin', 'linux', '/home/a'), 'export PATH="$HOME/my\\$dir/bin:$PATH"');
    const shell = spawnSync('sh', ['-c', `${pathLine('/home/a/my$dir/bin', 'linux', '/home/a')}; printf %s "$PATH"`], { env: { HOME: '/home/a', PATH: '/usr/bin', dir: 'X' }, encoding: 'utf8' });
    assert.equal(shell.stdout, '/home/a/my$dir/bin:/usr/bin');
    assert.match(pathLine('C:\\Users\\o\'b\\bin', 'win32'), /GetEnvironmentVariable\('Path', 'User'\) \+ ';C:\\Users\\o''b\\bin', 'User'\)$/);
  });

  it('offers ~/.local/bin first, /usr/local/bin only when writable, and LOCALAPPDATA on Windows', () => {
    assert.deepEqual(candidateFolders('linux', '/home/a', {}, () => false), ['/home/a/.local/bin']);
    assert.deepEqual(candidateFolders('darwin', '/Users/a', {}, (d) => d === '/usr/local/bin'), ['/Users/a/.local/bin', '/usr/local/bin']);
    assert.deepEqual(candidateFolders('win32', 'C:\\Users\\a', { LOCALAPPDATA: 'D:\\Local' }, () => true), ['D:\\Local\\Programs\\mlops-workbench\\bin']);
  });

  it('refreshes real launcher files: ours for an old copy are rewritten, others and current ones untouched', async function () {
    if (process.platform === 'win32') { this.skip(); }
    const dir = tmpDir();
    const now = spec({ version: '0.2.0' });
    const gone = path.join(dir, 'old-ext', 'dist', 'cli.js');
    const stale = path.join(dir, 'a', 'mlops');
    const current = path.join(dir, 'b', 'mlops');
    const foreign = path.join(dir, 'c', 'mlops');
    for (const f of [stale, current, foreign]) { fs.mkdirSync(path.dirname(f)); }
    writeLauncher(stale, launcherText(spec({ version: '0.1.0', cli: gone })));
    writeLauncher(current, launcherText(now));
    const foreignText = '#!/bin/sh\necho "another mlops"\n';
    fs.writeFileSync(foreign, foreignText, { mode: 0o755 });
    const currentMtime = fs.statSync(current).mtimeMs;

    const r = await refreshLauncherFiles([stale, current, foreign, path.join(dir, 'missing', 'mlops')], now);
    assert.deepEqual(r.rewritten, [stale]);
    assert.deepEqual(r.ours.sort(), [current, stale].sort());
    assert.deepEqual(r.failed, []);
    assert.equal(fs.readFileSync(stale, 'utf8'), launcherText(now));
    assert.equal(fs.statSync(stale).mode & 0o777, 0o755);
    assert.equal(fs.readFileSync(foreign, 'utf8'), foreignText, 'a file that is not ours is never touched');
    assert.equal(fs.statSync(current).mtimeMs, currentMtime, 'a current launcher is not rewritten');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'a')), ['mlops'], 'no temp file left');
    const ran = spawnSync(stale, ['--version'], { encoding: 'utf8' });
    assert.equal(ran.status, 0, ran.stderr);
  });
});
