import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_VETTED, dependencyFormat, findImports, isPinned, lintText, parseDependencies, parseRequirement, vettedSet, type Finding,
} from '../../src/core/lint';
import { condaPinned } from '../../src/core/lint/conda';
import { applyReplacements, pinReplacement } from '../../src/core/lint/fix';
import { poetryConstraint } from '../../src/core/lint/pyproject';
import { REPO, mlops, tmpDir } from './helpers';

const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus');
const vetted = vettedSet();
const lint = (file: string, text: string, extra: Partial<Parameters<typeof lintText>[2]> = {}) => lintText(file, text, { vetted, ...extra });
const codes = (fs: Finding[]) => fs.map((f) => `${f.line}:${f.code}`);

describe('dependency lint: pinned means one exact version (pip semantics)', () => {
  const cases: [string, boolean][] = [
    ['numpy==1.26.4', true], ['numpy===1.26.4', true], ['torch==2.1.0+cpu', true], ['numpy == 1.26.4 ; python_version >= "3.9"', true],
    ['numpy==1.*', false], ['numpy~=1.26', false], ['numpy>=1.26', false], ['numpy>=1,<2', false], ['numpy!=1.0', false], ['numpy', false],
    ['numpy[extra]==1.0', true], ['numpy==1.0,==1.1', false],
    ['pkg @ git+https://github.com/o/r.git@0123456789abcdef0123456789abcdef01234567', true],
    ['pkg @ git+https://github.com/o/r.git@main', false], ['pkg @ git+https://github.com/o/r.git@v1.0', false],
    ['pkg @ git+https://github.com/o/r.git@0123456', false], ['pkg @ https://x.org/pkg-1.0.tar.gz#sha256=' + 'a'.repeat(64), true],
    ['pkg @ https://x.org/pkg-1.0.tar.gz', false],
  ];
  for (const [text, pinned] of cases) {
    it(`${text} → ${pinned ? 'pinned' : 'not pinned'}`, () => {
      const r = parseRequirement(text);
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(isPinned(r.req), pinned);
    });
  }
  it('invalid requirements are reported with the reason, like pip', () => {
    for (const [text, re] of [['numpy>=1.0.*', /only allowed with == and !=/], ['numpy==abc', /not a valid version/], ['numpy~=1', /at least two/], ['-numpy', /package name/], ['numpy[ex', /unclosed/]] as const) {
      const r = parseRequirement(text);
      assert.equal(r.ok, false, text);
      assert.match(r.ok ? '' : r.reason, re);
    }
  });
  it('conda: a single = is a prefix match unless the version has three parts; == and =V=build are exact', () => {
    assert.equal(condaPinned('=1.21'), false);
    assert.equal(condaPinned('=1.21.5'), true);
    assert.equal(condaPinned('==1.21'), true);
    assert.equal(condaPinned('=1.21=py39_0'), true);
    assert.equal(condaPinned('>=1.21'), false);
    assert.equal(condaPinned('1.21.*'), false);
    assert.equal(condaPinned(''), false);
  });
  it('poetry: a bare version is exact; ^, ~, *, ranges are not', () => {
    assert.equal(poetryConstraint('1.2.3').pinned, true);
    assert.equal(poetryConstraint('==1.2.3').pinned, true);
    for (const c of ['^1.2', '~1.2', '*', '>=1,<2', '1.2.*']) { assert.equal(poetryConstraint(c).pinned, false, c); }
  });
});

describe('dependency lint: file formats', () => {
  it('requirements.txt: continuations, comments, options, URLs, paths, hashes, markers; a bad line does not stop the rest', () => {
    const text = [
      '# comment', '--index-url https://pypi.org/simple', '-r base.txt', 'numpy==1.26.4  # pinned', 'pandas>=2 \\', '  ; python_version > "3.8"',
      'flask#not-a-comment', '-e git+https://github.com/o/r.git@main#egg=rlib', 'einops==0.7.0 --hash=sha256:abc', './local_pkg',
      'git+https://github.com/o/tool.git@0123456789abcdef0123456789abcdef01234567', 'numpy>>1', '--frobnicate', 'scipy',
    ].join('\n');
    const p = parseDependencies(text, 'requirements');
    assert.deepEqual(p.entries.map((e) => `${e.name}:${e.pinned}`), ['numpy:true', 'pandas:false', 'rlib:false', 'einops:true', './local_pkg:false', 'tool:true', 'scipy:false']);
    const f = lint('requirements.txt', text);
    assert.deepEqual(codes(f), ['7:invalid', '12:invalid', '13:invalid', '5:unpinned', '8:unpinned-contrib', '9:contrib', '10:unpinned', '11:contrib', '14:unpinned']);
    const pandas = f.find((x) => x.package === 'pandas')!;
    assert.deepEqual([pandas.line, pandas.column, pandas.endLine], [5, 1, 6]);
    assert.match(f.find((x) => x.line === 13)!.message, /does not know the option '--frobnicate'/);
  });

  it('exact ranges: the finding covers the requirement text only', () => {
    const f = lint('requirements.txt', 'numpy==1.0\n  einops>=0.6   # why\n');
    const e = f.find((x) => x.package === 'einops')!;
    assert.deepEqual([e.line, e.column, e.endLine, e.endColumn], [2, 3, 2, 14]);
  });

  it('pyproject.toml: PEP 621, optional-dependencies, PEP 735 groups, Poetry; build-system left out', () => {
    const text = `[build-system]\nrequires = ["setuptools>=61"]\n\n[project]\nname = "x"\ndependencies = [\n  "numpy==1.26.4",\n  "einops>=0.6",\n]\n\n[project.optional-dependencies]\ndev = ["pytest"]\n\n[dependency-groups]\nlint = ["ruff==0.4.0", {include-group = "dev"}]\n\n[tool.poetry.dependencies]\npython = "^3.10"\ntorch = "2.1.0"\nrich = "^13"\ngitdep = { git = "https://github.com/o/r.git", rev = "0123456789abcdef0123456789abcdef01234567" }\n`;
    const p = parseDependencies(text, 'pyproject');
    assert.deepEqual(p.entries.map((e) => `${e.group}:${e.name}:${e.pinned}`), [
      'dependencies:numpy:true', 'dependencies:einops:false', 'optional-dependencies.dev:pytest:false', 'dependency-groups.lint:ruff:true',
      'tool.poetry.dependencies:torch:true', 'tool.poetry.dependencies:rich:false', 'tool.poetry.dependencies:gitdep:true']);
    const f = lint('pyproject.toml', text);
    assert.deepEqual(codes(f), ['8:unpinned-contrib', '12:unpinned', '15:contrib', '20:unpinned-contrib', '21:contrib']);
    const einops = f[0];
    assert.equal(text.split('\n')[einops.line - 1].slice(einops.column - 1, einops.endColumn - 1), 'einops>=0.6');
  });

  it('pyproject.toml that is not valid TOML is one unreadable finding on line 1, naming where it fails, not a crash', () => {
    const f = lint('pyproject.toml', '[project]\ndependencies = ["numpy"\n');
    assert.equal(f.length, 1);
    assert.deepEqual([f[0].code, f[0].severity, f[0].line], ['unreadable', 'error', 1]);
    assert.match(f[0].message, /not valid TOML \(line \d+/);
  });

  it('environment.yml: conda specs with channels, python/pip as hints, and the pip: list at its place in the file', () => {
    const text = 'name: x\ndependencies:\n  - python=3.11\n  - conda-forge::numpy=1.26.4\n  - pandas=2.1\n  - pip\n  - pip:\n    - einops==0.7.0\n    - --extra-index-url https://x\n    - rich>=13\n';
    const f = lint('environment.yml', text);
    assert.deepEqual(f.map((x) => `${x.line}:${x.code}:${x.severity}`), ['3:unpinned:hint', '5:unpinned:warning', '6:unpinned:hint', '8:contrib:info', '10:unpinned-contrib:warning']);
    const rich = f[4];
    assert.equal(text.split('\n')[rich.line - 1].slice(rich.column - 1, rich.endColumn - 1), 'rich>=13');
  });

  it('Pipfile and setup.cfg', () => {
    const pip = lint('Pipfile', '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nnumpy = "==1.26.4"\nrequests = "*"\nfoo = {version = ">=1", extras = ["a"]}\n\n[dev-packages]\npytest = "*"\n\n[requires]\npython_version = "3.11"\n');
    assert.deepEqual(codes(pip), ['6:unpinned', '7:unpinned-contrib', '10:unpinned']);
    const cfg = lint('setup.cfg', '[metadata]\nname = x\n\n[options]\ninstall_requires =\n    numpy >= 1.21  # note\n    einops==0.7\n\n[options.extras_require]\nall =\n    %(io)s\n    scipy\n');
    assert.deepEqual(codes(cfg), ['6:unpinned', '7:contrib', '12:unpinned']);
  });

  it('file names: which files are dependency files', () => {
    const ok: [string, string][] = [['requirements.txt', 'requirements'], ['requirements-dev.txt', 'requirements'], ['dev.in', 'requirements'], ['constraints.txt', 'requirements'],
      ['requirements/base.txt', 'requirements'], ['pyproject.toml', 'pyproject'], ['Pipfile', 'pipfile'], ['setup.cfg', 'setup.cfg'], ['environment.yml', 'conda'],
      ['ci/environment-py312.yaml', 'conda'], ['conda.yaml', 'conda']];
    for (const [f, kind] of ok) { assert.equal(dependencyFormat(f), kind, f); }
    for (const f of ['notes.txt', 'config.yml', 'data/train.csv', 'Pipfile.lock']) { assert.equal(dependencyFormat(f), undefined, f); }
  });
});

describe('dependency lint: rules', () => {
  it('contrib in the name is never vetted by default; the vetted set extends; severities can be changed or turned off', () => {
    assert.ok(DEFAULT_VETTED.includes('numpy'));
    const text = 'opencv-contrib-python==4.8.0.76\nnumpy>=1\neinops>=0.6\n';
    assert.deepEqual(codes(lint('requirements.txt', text)), ['1:contrib', '2:unpinned', '3:unpinned-contrib']);
    assert.deepEqual(codes(lint('requirements.txt', text, { vetted: vettedSet(['einops', 'opencv-contrib-python']) })), ['2:unpinned', '3:unpinned']);
    const f = lint('requirements.txt', text, { severity: { unpinned: 'off', 'unpinned-contrib': 'error' } });
    assert.deepEqual(f.map((x) => `${x.line}:${x.severity}`), ['1:info', '3:error']);
  });

  it('duplicate: the same package twice with conflicting constraints (markers make them different entries)', () => {
    const f = lint('requirements.txt', 'numpy==1.26\nnumpy>=1.20\ntorch==2.1; python_version<"3.12"\ntorch==2.3; python_version>="3.12"\nscipy==1.11\nscipy==1.11\n');
    assert.deepEqual(f.filter((x) => x.code === 'duplicate').map((x) => x.line), [2]);
    assert.match(f.find((x) => x.code === 'duplicate')!.message, /line 1 has ==1.26/);
  });
});

describe('contrib imports in Python code', () => {
  it('finds imports, not look-alikes in strings and comments', () => {
    const src = 'import os, einops as e\nfrom tensorflow.contrib import slim\ns = "import fake"\n# import commented\n"""\nimport indoc\n"""\nfrom . import local\n    from sklearn.linear_model import LogisticRegression\n';
    assert.deepEqual(findImports(src).map((h) => `${h.line}:${h.module}`), ['0:os', '0:einops', '1:tensorflow.contrib', '8:sklearn.linear_model']);
    const f = lint('train.py', src);
    assert.deepEqual(f.map((x) => `${x.line}:${x.column}:${x.package}`), ['1:12:einops', '2:6:tensorflow']);
    assert.match(f[1].message, /contrib module/);
    assert.equal(f[0].severity, 'info');
  });

  it("the workspace's own modules are not libraries", () => {
    assert.deepEqual(lint('train.py', 'import mymodel\n', { isLocal: (m) => m === 'mymodel' }), []);
  });

  it('notebook cells: findings carry the cell index and lines inside the cell', () => {
    const nb = JSON.stringify({ cells: [{ cell_type: 'markdown', source: ['import nothing'] }, { cell_type: 'code', source: ['x = 1\n', 'import keras_contrib\n'] }], nbformat: 4, nbformat_minor: 5, metadata: {} });
    const f = lint('nb.ipynb', nb);
    assert.deepEqual(f.map((x) => `${x.cell}:${x.line}:${x.package}`), ['1:2:keras-contrib']);
  });
});

describe('the corpus of real dependency files (../shared/corpus)', function () {
  before(function () {
    if (!fs.existsSync(path.join(CORPUS, 'requirements'))) { console.log(`      (skipped: ${CORPUS} is missing)`); this.skip(); }
  });

  it('every file lints without a crash, and every count of dependencies and pinned ones matches the packaging-based oracle', () => {
    const rows = fs.readFileSync(path.join(CORPUS, 'STYLES.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    assert.equal(rows.length, 46);
    const wrong: string[] = [];
    for (const [local, , nDeps, nPinned] of rows) {
      const original = path.basename(local).replace(/__/g, '/');
      const format = dependencyFormat(original);
      assert.ok(format, `format of ${original}`);
      const text = fs.readFileSync(path.join(CORPUS, local), 'utf8');
      const parsed = parseDependencies(text, format);
      const pinned = parsed.entries.filter((e) => e.pinned).length;
      if (parsed.entries.length !== Number(nDeps) || pinned !== Number(nPinned) || parsed.invalid.length) {
        wrong.push(`${local}: ${parsed.entries.length}/${nDeps} deps, ${pinned}/${nPinned} pinned, invalid ${JSON.stringify(parsed.invalid.map((i) => i.reason))}`);
      }
      const findings = lintText(local, text, { vetted });
      for (const f of findings) { assert.ok(f.line >= 1 && f.endLine >= f.line && f.column >= 1, `${local}: bad range ${JSON.stringify(f)}`); }
    }
    assert.deepEqual(wrong, []);
  });

  it('mlops lint --format json over the folder covers every file', () => {
    const r = mlops(['lint', '--format', 'json', path.join(CORPUS, 'requirements')], tmpDir());
    assert.equal(r.code, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as Finding[];
    const files = new Set(findings.map((f) => path.basename(f.file)));
    const withDeps = fs.readdirSync(path.join(CORPUS, 'requirements')).filter((f) => !f.endsWith('dev-requirements.txt'));
    assert.deepEqual(withDeps.filter((f) => !files.has(f)), []);
    for (const f of findings) { assert.deepEqual(Object.keys(f).filter((k) => !['cell'].includes(k)).sort(), ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'package', 'severity']); }
  });
});

describe('mlops lint (CLI)', () => {
  function project(): string {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'requirements.txt'), 'numpy==1.26.4\neinops>=0.6\n');
    fs.mkdirSync(path.join(d, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(d, 'node_modules', 'x', 'requirements.txt'), 'junk>=1\n');
    return d;
  }

  it('text output, exit code by --fail-on, folders searched (node_modules skipped)', () => {
    const d = project();
    const r = mlops(['lint'], d);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^requirements\.txt:2:1: warning \[unpinned-contrib\] 'einops' is not pinned/m);
    assert.match(r.stdout, /1 finding \(0 error, 1 warning, 0 info, 0 hint\) in 1 file/);
    assert.equal(mlops(['lint', '--fail-on', 'error'], d).code, 0);
    assert.equal(mlops(['lint', '--fail-on', 'none'], d).code, 0);
  });

  it('SARIF 2.1.0 for code scanning', () => {
    const r = mlops(['lint', '--format', 'sarif', '.'], project());
    const sarif = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0].tool.driver.rules.some((x) => x.id === 'unpinned-contrib'));
    assert.deepEqual(sarif.runs[0].results.map((x) => [x.ruleId, x.level, x.locations[0].physicalLocation.artifactLocation.uri, x.locations[0].physicalLocation.region.startLine]), [['unpinned-contrib', 'warning', 'requirements.txt', 2]]);
  });

  it('the store policy extends the vetted set; bad options are usage errors', () => {
    const d = project();
    assert.equal(mlops(['init'], d).code, 0);
    fs.writeFileSync(path.join(d, '.mlops', 'policy.json'), JSON.stringify({ formatVersion: 1, vetted: ['einops'], lint: { severity: { unpinned: 'info' } } }));
    const r = mlops(['lint', '--format', 'json'], d);
    assert.deepEqual((JSON.parse(r.stdout) as Finding[]).map((f) => [f.code, f.severity]), [['unpinned', 'info']]);
    assert.equal(r.code, 0);
    assert.equal(mlops(['lint', '--format', 'xml'], d).code, 2);
    assert.equal(mlops(['lint', 'missing.txt'], d).code, 1);
  });
});

describe('pin quick-fix edits', () => {
  function pinAll(file: string, text: string, version = '9.9.9'): string {
    const reps = lint(file, text).map((f) => pinReplacement(text, f, version)).filter((r): r is NonNullable<typeof r> => Boolean(r));
    return applyReplacements(text, reps);
  }
  it('requirements: keeps extras and markers, joins continuations, leaves URLs and paths alone', () => {
    const text = 'einops>=0.6  # note\nrich[jupyter]~=13.0 ; python_version > "3.8"\npandas>=2 \\\n  ; sys_platform == "linux"\n-e ./local\ngit+https://github.com/o/r.git@main\n';
    assert.equal(pinAll('requirements.txt', text), 'einops==9.9.9  # note\nrich[jupyter]==9.9.9 ; python_version > "3.8"\npandas==9.9.9 ; sys_platform == "linux"\n-e ./local\ngit+https://github.com/o/r.git@main\n');
  });
  it('pyproject (PEP 621 and Poetry), conda and Pipfile', () => {
    assert.equal(pinAll('pyproject.toml', '[project]\ndependencies = ["einops>=0.6"]\n[tool.poetry.dependencies]\nrich = "^13"\n'),
      '[project]\ndependencies = ["einops==9.9.9"]\n[tool.poetry.dependencies]\nrich = "9.9.9"\n');
    assert.equal(pinAll('environment.yml', 'dependencies:\n  - conda-forge::numpy=1.26\n  - pip:\n    - einops\n'), 'dependencies:\n  - conda-forge::numpy==9.9.9\n  - pip:\n    - einops==9.9.9\n');
    assert.equal(pinAll('Pipfile', '[packages]\nrequests = "*"\n'), '[packages]\nrequests = "==9.9.9"\n');
  });
});
