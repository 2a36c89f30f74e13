// The layering of DESIGN.md, checked on every test run.
const CORE = '^src/(mail|series|report/(render|merge-request))';
// Each forge is an adapter of its own: src/forge/gitlab/ and src/forge/github/ never import each other.
const ADAPTERS = 'ingest|git|forge/[^/]+|build|publish|store';
const SDKS =
  '(^|node_modules/)(simple-git|nodemailer|imapflow|@gitbeaker|octokit|@octokit|probot|xmlrpc|pino)(/|$)';
// nodemailer's address parser is a pure function; the core may use it to read From: headers.
const PURE_PARTS = '(^|node_modules/)nodemailer/(lib|dist/(esm|cjs))/addressparser';

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'mail, series and report rendering take values and return values: no I/O, no SDK.',
      severity: 'error',
      from: { path: CORE },
      to: {
        pathNot: PURE_PARTS,
        path: [
          `^src/(${ADAPTERS}|pipeline|runtime|cli|server)/`,
          '^src/report/(?!render|message|merge-request)',
          '^src/shared/log',
          SDKS,
        ],
      },
    },
    {
      name: 'core-does-no-io',
      severity: 'error',
      from: { path: CORE },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|child_process|net|http|https|sqlite|dgram|tls)' },
    },
    {
      name: 'adapters-stay-apart',
      comment:
        'An adapter never imports another adapter, nor what wires them (runtime/, and pipeline/ until it moves there).',
      severity: 'error',
      from: { path: `^src/(${ADAPTERS})/` },
      to: { path: `^src/(${ADAPTERS}|pipeline|runtime|cli|server)/`, pathNot: '^src/$1/' },
    },
    {
      name: 'adapters-are-built-in-the-composition-root',
      comment:
        'runtime/ is the composition root: the one place besides pipeline/ (whose wiring moves there) that imports adapters.',
      severity: 'error',
      from: { path: '^(src|bin)/', pathNot: `^src/(runtime|pipeline|${ADAPTERS})/` },
      to: { path: `^src/(${ADAPTERS})/` },
    },
    {
      name: 'notifiers-stay-apart',
      severity: 'error',
      from: { path: '^src/report/(?!render|message|merge-request)' },
      to: { path: `^src/(${ADAPTERS}|pipeline|runtime|cli|server)/` },
    },
    {
      name: 'entry-points-call-pipeline',
      comment:
        'cli/ and server/ parse arguments or requests and call a use case; they neither drive adapters nor load an SDK (runtime/ builds what they need, e.g. the webhook routes).',
      severity: 'error',
      from: { path: '^(src/(cli|server)|bin)/' },
      to: { path: [`^src/(${ADAPTERS})/|^src/report/(?!render|message|merge-request)`, SDKS] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
