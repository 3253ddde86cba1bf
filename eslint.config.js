// ESLint flat config: neostandard (the `standard` style this code base has always followed,
// and the formatter: `npm run lint -- --fix` formats) plus typescript-eslint's type-checked
// rules that catch real proxy bugs: a promise nobody awaits or one handed where a callback
// is expected loses its errors.
import neostandard from 'neostandard'

export default [
  { ignores: ['dist/**', 'node_modules/**', 'bench/profiles/**', '.tap/**', 'test/helpers/helm-render/**'] },
  ...neostandard({ ts: true, noJsx: true }),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      // tap's t.test() schedules a subtest; tap itself waits for it.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: '@tapjs/test', name: ['test', 'skip', 'todo', 'only'] }]
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `void promise` is how no-floating-promises is told a promise is left on purpose.
      'no-void': ['error', { allowAsStatement: true }],
      // It cannot see a condition changed by a callback (a socket event, a timer), which is
      // how every wait loop in the tests and the harness ends.
      'no-unmodified-loop-condition': 'off',
      // The compiler checks redeclarations; the rule misreads a const and a type of one name.
      '@typescript-eslint/no-redeclare': 'off'
    }
  },
  {
    // prom-client metrics register themselves in their constructor.
    files: ['src/metrics/metrics.ts', 'src/metrics/metric-kit.ts'],
    rules: { 'no-new': 'off' }
  }
]
