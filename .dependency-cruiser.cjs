// The layering of docs/architecture.md, checked on every test run.
//   core (pure):  mail, series, rpm, render, trust     values in, values out
//   ports:        the core's interfaces                 import the core's types only
//   work, app:    units, worker, outbox; use cases      know ports, never an adapter
//   adapters:     ingest, git, forge, build, publish, notify, store, metrics, verify
//   runtime:      the composition root                  the one place that knows every adapter
//   entry points: cli, server, demo, bin                parse input, call runtime/app
const CORE = '^src/(mail|series|rpm|render|trust)/';
// Each forge is an adapter of its own: src/forge/gitlab/ and src/forge/github/ never import each other.
const ADAPTERS = 'ingest|git|forge/[^/]+|build|publish|notify|store|metrics|verify';
const SDKS =
  '(^|node_modules/)(nodemailer|imapflow|@gitbeaker|octokit|@octokit|probot|xmlrpc|pino|prom-client|playwright-core|mailauth)(/|$)';
// nodemailer's address parser is a pure function; the core may use it to read From: headers.
const PURE_PARTS = '(^|node_modules/)nodemailer/(lib|dist/(esm|cjs))/addressparser';

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'mail, series, rpm, render and trust take values and return values: no I/O, no SDK, no port.',
      severity: 'error',
      from: { path: CORE },
      to: {
        pathNot: PURE_PARTS,
        path: [`^src/(${ADAPTERS}|app|work|runtime|cli|server|demo)/`, '^src/shared/log', SDKS],
      },
    },
    {
      name: 'core-does-no-io',
      severity: 'error',
      from: { path: CORE },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|child_process|net|http|https|sqlite|dgram|tls)' },
    },
    {
      name: 'ports-are-interfaces',
      comment: "ports/ holds the core's interfaces; they name core types, never an adapter or a use case.",
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: [`^src/(${ADAPTERS}|app|work|runtime|cli|server|demo)/`, SDKS] },
    },
    {
      name: 'use-cases-know-ports',
      comment: 'app/ and work/ reach the outside only through ports/: never an adapter, SDK or the root.',
      severity: 'error',
      from: { path: '^src/(app|work)/' },
      to: { path: [`^src/(${ADAPTERS}|runtime|cli|server|demo)/`, SDKS], pathNot: PURE_PARTS },
    },
    {
      name: 'adapters-stay-apart',
      comment: 'An adapter never imports another adapter, a use case or the root; runtime/ wires them.',
      severity: 'error',
      from: { path: `^src/(${ADAPTERS})/` },
      to: { path: `^src/(${ADAPTERS}|app|work|runtime|cli|server|demo)/`, pathNot: '^src/$1/' },
    },
    {
      name: 'entry-points-call-runtime',
      comment:
        'cli/, server/, demo/ and bin/ parse arguments or requests and call runtime/ or app/; they drive no adapter.',
      severity: 'error',
      from: { path: '^(src/(cli|server|demo)|bin)/' },
      // The demo serves its repository directory and writes its world's mailbox (a composed reply).
      to: {
        path: [`^src/(${ADAPTERS})/`, SDKS],
        pathNot: ['^src/publish/(static-server|layout)', 'nodemailer/lib/mail-composer'],
      },
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
