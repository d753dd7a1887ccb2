// How players get money in, read once at start with the rest of the configuration (src/config.ts).
// Two modes: demo funds (the embedded default: a button that credits play money, marked demo in
// the ledger, at most once per window) and a payment provider (a real deployment: the player
// starts a deposit, the provider's callback signed with PAYMENT_CALLBACK_SECRET credits it).
// A bad value throws a ConfigError that names the variable.
import { ConfigError, flag, integer, url, type Env } from '../config-values.ts';

export interface FundingConfig {
  /** DEMO_FUNDS: the "add demo funds" button; on by default only on the embedded database. */
  readonly demoFunds: boolean;
  /** DEMO_FUNDS_AMOUNT: minor units credited per click. */
  readonly demoFundsAmount: bigint;
  /** DEMO_FUNDS_EVERY_SECONDS: at most one demo credit per player per window of this length. */
  readonly demoFundsEverySeconds: number;
  /** PAYMENT_CALLBACK_SECRET: the HMAC key shared with the provider; undefined = no deposits. */
  readonly paymentCallbackSecret: string | undefined;
  /** PAYMENT_PROVIDER_URL: where a player is sent to pay (the deposit id and amount are appended). */
  readonly paymentProviderUrl: string | undefined;
  /** PAYMENT_TEST_PROVIDER: serve the local test provider at /test-provider (never in production). */
  readonly paymentTestProvider: boolean;
}

export function loadFundingConfig(env: Env, maxDeposit: bigint): FundingConfig {
  const secret = env.PAYMENT_CALLBACK_SECRET === '' ? undefined : env.PAYMENT_CALLBACK_SECRET;
  if (secret !== undefined && (secret.length < 32 || /\s/.test(secret))) {
    throw new ConfigError('PAYMENT_CALLBACK_SECRET', 'must be at least 32 characters without spaces');
  }
  const providerUrl = url(env, 'PAYMENT_PROVIDER_URL', ['http:', 'https:']);
  const testProvider = flag(env, 'PAYMENT_TEST_PROVIDER');
  if ((providerUrl !== undefined || testProvider) && secret === undefined) {
    throw new ConfigError(
      'PAYMENT_CALLBACK_SECRET',
      'is required with PAYMENT_PROVIDER_URL or PAYMENT_TEST_PROVIDER=1',
    );
  }
  if (secret !== undefined && providerUrl === undefined && !testProvider) {
    throw new ConfigError(
      'PAYMENT_PROVIDER_URL',
      'is required with PAYMENT_CALLBACK_SECRET (or PAYMENT_TEST_PROVIDER=1)',
    );
  }
  const demoFundsAmount = integer(env, 'DEMO_FUNDS_AMOUNT', 10_000, 1, Number.MAX_SAFE_INTEGER);
  if (BigInt(demoFundsAmount) > maxDeposit)
    throw new ConfigError('DEMO_FUNDS_AMOUNT', `must be at most MAX_DEPOSIT (${maxDeposit})`);
  return Object.freeze({
    // Play money is for the embedded default; with a given database it is opt-in.
    demoFunds: flag(env, 'DEMO_FUNDS', env.DATABASE_URL === undefined || env.DATABASE_URL === ''),
    demoFundsAmount: BigInt(demoFundsAmount),
    demoFundsEverySeconds: integer(env, 'DEMO_FUNDS_EVERY_SECONDS', 60, 1, 86_400),
    paymentCallbackSecret: secret,
    paymentProviderUrl: providerUrl,
    paymentTestProvider: testProvider,
  });
}
