// How players get money in, read once at start with the rest of the configuration (src/config.ts).
// Two modes: demo funds (the embedded default: a button that credits play money, marked demo in
// the ledger, at most once per window) and a payment provider (a real deployment: the player
// starts a deposit, the provider's callback signed with PAYMENT_CALLBACK_SECRET credits it).
// A bad value is reported through `fail`, which names the variable.

type Env = Record<string, string | undefined>;
type Fail = (variable: string, message: string) => never;

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

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number, fail: Fail): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) fail(name, `must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) fail(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function onOff(env: Env, name: string, fallback: boolean, fail: Fail): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') fail(name, `must be 0 or 1, got ${JSON.stringify(raw)}`);
  return raw === '1';
}

export function loadFundingConfig(env: Env, maxDeposit: bigint, fail: Fail): FundingConfig {
  const secret = env.PAYMENT_CALLBACK_SECRET === '' ? undefined : env.PAYMENT_CALLBACK_SECRET;
  if (secret !== undefined && (secret.length < 32 || /\s/.test(secret))) {
    fail('PAYMENT_CALLBACK_SECRET', 'must be at least 32 characters without spaces');
  }
  const providerUrl = env.PAYMENT_PROVIDER_URL === '' ? undefined : env.PAYMENT_PROVIDER_URL;
  if (providerUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(providerUrl);
    } catch {
      fail('PAYMENT_PROVIDER_URL', 'is not a valid URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      fail('PAYMENT_PROVIDER_URL', `must use http: or https:, got ${parsed.protocol}`);
    }
  }
  const testProvider = onOff(env, 'PAYMENT_TEST_PROVIDER', false, fail);
  if ((providerUrl !== undefined || testProvider) && secret === undefined) {
    fail('PAYMENT_CALLBACK_SECRET', 'is required with PAYMENT_PROVIDER_URL or PAYMENT_TEST_PROVIDER=1');
  }
  if (secret !== undefined && providerUrl === undefined && !testProvider) {
    fail('PAYMENT_PROVIDER_URL', 'is required with PAYMENT_CALLBACK_SECRET (or PAYMENT_TEST_PROVIDER=1)');
  }
  const demoFundsAmount = wholeNumber(env, 'DEMO_FUNDS_AMOUNT', 10_000, 1, Number.MAX_SAFE_INTEGER, fail);
  if (BigInt(demoFundsAmount) > maxDeposit)
    fail('DEMO_FUNDS_AMOUNT', `must be at most MAX_DEPOSIT (${maxDeposit})`);
  return Object.freeze({
    // Play money is for the embedded default; with a given database it is opt-in.
    demoFunds: onOff(env, 'DEMO_FUNDS', env.DATABASE_URL === undefined || env.DATABASE_URL === '', fail),
    demoFundsAmount: BigInt(demoFundsAmount),
    demoFundsEverySeconds: wholeNumber(env, 'DEMO_FUNDS_EVERY_SECONDS', 60, 1, 86_400, fail),
    paymentCallbackSecret: secret,
    paymentProviderUrl: providerUrl,
    paymentTestProvider: testProvider,
  });
}
