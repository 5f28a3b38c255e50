// Lint rules: typescript-eslint's recommended set (import cycles: scripts/check-cycles.mjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Syntax that has one place to go through instead, named in the message.
const ORT_SESSION = {
  selector: "MemberExpression[object.name='InferenceSession'][property.name='create']",
  message: 'Open onnxruntime sessions through openOrtSession (src/inference/runtimes/onnx/_ort.ts).',
};
const RECURSIVE_MKDIR = {
  selector:
    'CallExpression:matches([callee.name=/^mkdir(Sync)?$/], [callee.property.name=/^mkdir(Sync)?$/]) ' +
    "> ObjectExpression > Property[key.name='recursive']",
  message:
    "Make folders with makeDir or makeDirSync (src/core/files): Node's recursive mkdir never ends under /proc.",
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through src/core/config only.' },
      ],
      'no-restricted-syntax': ['error', ORT_SESSION, RECURSIVE_MKDIR],
    },
  },
  {
    // The web app's page: plain ES modules run by the browser, served as they are (no build step).
    files: ['src/app/web/assets/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'fetch',
          'location',
          'FormData',
          'URLSearchParams',
          'EventSource',
          'Node',
          'setTimeout',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['src/core/config/**', 'src/app/cli/main.ts', 'scripts/**', 'bench/**', '**/*.test.ts', 'test/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  // Tests and tools make their folders under a temporary directory they chose.
  {
    files: ['scripts/**', 'bench/**', '**/*.test.ts', '**/_test-*.ts', 'test/**'],
    rules: { 'no-restricted-syntax': ['error', ORT_SESSION] },
  },
  // Sets, never reads, the variable onnxruntime's native code reads to turn its usage reporting off.
  {
    files: ['src/inference/runtimes/onnx/_telemetry.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  // The one place an onnxruntime session is opened (after the telemetry opt-out).
  {
    files: ['src/inference/runtimes/onnx/_ort.ts'],
    rules: { 'no-restricted-syntax': ['error', RECURSIVE_MKDIR] },
  },
  // Deployment recipes run by other programs (PM2 loads its ecosystem file with require()).
  {
    files: ['deploy/**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
