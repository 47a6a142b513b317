// ESLint (flat config): typescript-eslint for the TypeScript, eslint-plugin-vue for the
// .vue files, eslint-config-prettier last so that no rule argues with the formatter.
// Rules are the libraries' recommended sets, minus what the code base decided otherwise
// (each exception says why); formatting is Prettier's business (`npm run format`).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['dist/**', 'artifacts/**', 'data/**', 'node_modules/**', 'web/build/*.json', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['**/*.{ts,vue,js}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
  },
  {
    files: ['web/src/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      // `_name` marks a parameter or element kept for its position (express's error handler, tuples).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Input validation matches control characters on purpose (NUL, C0 controls: event-schema, contract).
      'no-control-regex': 'off',
    },
  },
  {
    // Benchmarks still read answers as `any` (issue 15 typed the tests' calls through the wire contract).
    files: ['bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Benchmarks are being reworked elsewhere; their unused bindings show as warnings until then.
    files: ['bench/**'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  prettier,
  {
    // Layout is Prettier's; eslint-config-prettier leaves this one of eslint-plugin-vue's on.
    rules: { 'vue/first-attribute-linebreak': 'off' },
  },
)
