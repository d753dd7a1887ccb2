// Property: random groups of deposits, withdrawal requests and decisions, each group applied
// concurrently through the transaction service or HTTP, leave a ledger where every audit
// invariant holds and each wallet equals what the successful answers say it should be.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { createUser } from '../src/auth/users.ts';
import type { Outcome } from '../src/ledger/transaction-service.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { assertAudit, guardBalance, ledgerBalance, projectAll } from './helpers/ledger.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const PLAYERS = 3;
const START = 1000;
type Via = 'service' | 'http';
type Op =
  | { kind: 'deposit'; player: number; amount: number; via: Via }
  | { kind: 'withdraw'; player: number; amount: number; via: Via }
  | { kind: 'decide'; pick: number; approve: boolean; via: Via };

const via = fc.constantFrom<Via>('service', 'http');
const player = fc.integer({ min: 0, max: PLAYERS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      player,
      amount: fc.integer({ min: 1, max: 1000 }),
      via,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      player,
      amount: fc.integer({ min: 1, max: 600 }),
      via,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      pick: fc.nat(),
      approve: fc.boolean(),
      via,
    }),
  },
);
const groupsArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 });

interface Withdrawal {
  id: number;
  player: number;
  amount: number;
  status: 'REQUESTED' | 'APPROVED' | 'REJECTED';
}

interface Answer {
  status: number;
  code?: string;
  body: any;
}

const fromOutcome = (o: Outcome): Answer =>
  o.ok ? { status: o.status, body: o.body } : { status: o.error.status, code: o.error.code, body: undefined };

async function scenario(groups: Op[][]): Promise<void> {
  const players = await Promise.all(
    Array.from({ length: PLAYERS }, async () => {
      const user = await createUser(t.db.pool, uniqueName('prop'), 'password-123', 'player');
      return { userId: Number(user.userId), token: await t.deps.tokens.issue(user) };
    }),
  );
  // A starting balance, so that withdrawals in the first group can succeed too.
  const deposited = players.map(() => START);
  for (const p of players) {
    const o = await t.deps.money.run({
      op: {
        type: 'deposit',
        userId: BigInt(p.userId),
        amount: BigInt(START),
        reference: uniqueName('start'),
      },
    });
    assert.ok(o.ok);
  }
  const withdrawals: Withdrawal[] = [];

  for (const group of groups) {
    const known = [...withdrawals];
    const decidedNow = new Map<number, number>();
    const answers = await Promise.all(
      group.map(async (op): Promise<[Op, Answer, Withdrawal | undefined]> => {
        if (op.kind === 'deposit') {
          const p = players[op.player]!;
          const reference = uniqueName('ref');
          if (op.via === 'http') {
            const r = await t.request({
              method: 'POST',
              url: '/v1/admin/deposits',
              token: t.operatorToken,
              body: { userId: p.userId, amount: op.amount, reference },
            });
            return [op, { status: r.status, code: r.body?.error?.code, body: r.body }, undefined];
          }
          const o = await t.deps.money.run({
            op: { type: 'deposit', userId: BigInt(p.userId), amount: BigInt(op.amount), reference },
          });
          return [op, fromOutcome(o), undefined];
        }
        if (op.kind === 'withdraw') {
          const p = players[op.player]!;
          if (op.via === 'http') {
            const r = await t.request({
              method: 'POST',
              url: '/v1/wallet/withdrawals',
              token: p.token,
              body: { amount: op.amount },
              headers: { 'idempotency-key': uniqueName('k') },
            });
            return [op, { status: r.status, code: r.body?.error?.code, body: r.body }, undefined];
          }
          const o = await t.deps.money.run({
            op: { type: 'requestWithdrawal', userId: BigInt(p.userId), amount: BigInt(op.amount) },
          });
          return [op, fromOutcome(o), undefined];
        }
        const target = known[op.pick % Math.max(known.length, 1)];
        if (!target) return [op, { status: 0, body: undefined }, undefined];
        if (op.via === 'http') {
          const r = await t.request({
            method: 'POST',
            url: `/v1/admin/withdrawals/${target.id}/${op.approve ? 'approve' : 'reject'}`,
            token: t.operatorToken,
          });
          return [op, { status: r.status, code: r.body?.error?.code, body: r.body }, target];
        }
        const o = await t.deps.money.run({
          op: { type: 'decideWithdrawal', withdrawalId: BigInt(target.id), approve: op.approve },
        });
        return [op, fromOutcome(o), target];
      }),
    );

    for (const [op, answer, target] of answers) {
      const seen = `${op.kind} via ${op.via}: ${answer.status} ${answer.code ?? ''}`;
      if (op.kind === 'deposit') {
        assert.equal(answer.status, 201, seen);
        assert.equal(answer.body.amount, op.amount);
        deposited[op.player]! += op.amount;
      } else if (op.kind === 'withdraw') {
        if (answer.status === 202) {
          assert.equal(answer.body.status, 'REQUESTED');
          assert.equal(answer.body.amount, op.amount);
          withdrawals.push({
            id: answer.body.withdrawalId,
            player: op.player,
            amount: op.amount,
            status: 'REQUESTED',
          });
        } else {
          assert.equal(answer.status, 422, seen);
          assert.equal(answer.code, 'INSUFFICIENT_FUNDS', seen);
        }
      } else if (target) {
        if (answer.status === 200) {
          assert.equal(target.status, 'REQUESTED', `decided twice: ${seen}`);
          assert.equal(answer.body.status, op.approve ? 'APPROVED' : 'REJECTED');
          target.status = op.approve ? 'APPROVED' : 'REJECTED';
          decidedNow.set(target.id, (decidedNow.get(target.id) ?? 0) + 1);
        } else {
          assert.equal(answer.status, 409, seen);
          assert.equal(answer.code, 'WITHDRAWAL_DECIDED', seen);
        }
      }
    }
    // A refused decision is only right if someone else decided that withdrawal.
    for (const [op, answer, target] of answers) {
      if (op.kind === 'decide' && target && answer.status === 409) {
        assert.notEqual(target.status, 'REQUESTED', `withdrawal ${target.id} refused but never decided`);
      }
    }
    for (const n of decidedNow.values()) assert.equal(n, 1);
  }

  await projectAll(t.db.pool);
  await assertAudit(t.db.pool);
  const negative = await t.db.pool.query('SELECT account_id FROM wallet_guard WHERE balance < 0');
  assert.equal(negative.rowCount, 0);

  for (const [i, p] of players.entries()) {
    const mine = withdrawals.filter((w) => w.player === i);
    const sum = (status: Withdrawal['status']) =>
      mine.filter((w) => w.status === status).reduce((s, w) => s + w.amount, 0);
    const pending = sum('REQUESTED');
    const expected = deposited[i]! - sum('APPROVED') - pending;
    assert.ok(expected >= 0);
    assert.equal(await ledgerBalance(t.db.pool, p.userId), BigInt(expected), `player ${i} ledger`);
    assert.equal(await guardBalance(t.db.pool, p.userId), BigInt(expected), `player ${i} guard`);
    const wallet = await t.request({ method: 'GET', url: '/v1/wallet', token: p.token });
    assert.equal(wallet.status, 200);
    assert.deepEqual(
      { balance: wallet.body.balance, pendingWithdrawals: wallet.body.pendingWithdrawals },
      { balance: expected, pendingWithdrawals: pending },
      `player ${i} wallet`,
    );
    const { rows } = await t.db.pool.query<{ id: bigint; status: string }>(
      'SELECT id, status FROM withdrawals WHERE user_id = $1 ORDER BY id',
      [p.userId],
    );
    assert.deepEqual(
      rows.map((r) => [Number(r.id), r.status]),
      [...mine].sort((a, b) => a.id - b.id).map((w) => [w.id, w.status]),
    );
  }
}

test('concurrent random wallet operations keep every invariant and the expected balances', async () => {
  await fc.assert(fc.asyncProperty(groupsArb, scenario), {
    numRuns: 15,
    seed: Number(process.env.FC_SEED ?? 20240611),
    endOnFailure: true,
  });
});
