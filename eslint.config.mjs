// Flat config. The structural rules: only the adapter layer (src/extension.ts, src/vscode/**) and the
// integration tests may import `vscode`; core, protocol, CLI, webview and unit tests stay runnable without it.
// The core does not import the webview protocol either.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noVscode = {
  'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension.ts, src/vscode/** and test/integration/** may import vscode.' }] }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.vscode-test/**', 'demo-workspace/**', 'test/fixtures/**', 'media/**', 'schemas/**', 'test-artifacts/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'eqeqeq': ['error', 'smart'],
    },
  },
  { files: ['src/core/**', 'src/protocol/**', 'src/cli/**', 'webview/**', 'test/unit/**', 'bench/**'], rules: noVscode },
  // The core is pure: no vscode, and no webview protocol either (the adapter maps core data to protocol messages).
  { files: ['src/core/**'], rules: {
    'no-restricted-imports': ['error', {
      paths: [{ name: 'vscode', message: 'src/core never imports vscode: return plain data and let src/vscode/** map it.' }],
      patterns: [{ group: ['**/protocol', '**/protocol/**'], message: 'src/core never imports src/protocol: define plain types in the core; src/vscode/** maps them to protocol messages.' }],
    }],
  } },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { ...globals.node } } },
  { files: ['webview/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
);
