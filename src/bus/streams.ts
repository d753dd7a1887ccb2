// The bet bus on Redis Streams: one stream per partition (round id mod partitions), each key
// with a hash tag so a partition lives on one Redis Cluster slot. Consumers read through a
// consumer group, acknowledge after their database effect committed, and reclaim what dead
// consumers left pending. Streams are trimmed (approximately) to keep memory bounded; a
// trimmed or lost message is harmless because the match worker also sweeps PostgreSQL.
import type { RedisClient } from './redis.ts';

export interface BusMessage {
  partition: number;
  id: string;
  roundId: bigint;
  payload: string;
}

type StreamEntries = [string, string[]][];

export class StreamBus {
  constructor(
    private readonly redis: RedisClient,
    readonly prefix: string,
    readonly partitions: number,
    private readonly maxLen = 100_000,
  ) {}

  key(partition: number): string {
    return `${this.prefix}:{bets-${partition}}`;
  }

  partitionOf(roundId: bigint): number {
    return Number(roundId % BigInt(this.partitions));
  }

  /** Appends events, pipelined per partition; resolves only when Redis acknowledged every one. */
  async append(events: { roundId: bigint; payload: string }[]): Promise<void> {
    const byPartition = new Map<number, typeof events>();
    for (const e of events) {
      const p = this.partitionOf(e.roundId);
      byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
    }
    await Promise.all(
      [...byPartition].map(async ([p, list]) => {
        const pipe = this.redis.pipeline();
        for (const e of list) {
          pipe.xadd(
            this.key(p),
            'MAXLEN',
            '~',
            this.maxLen,
            '*',
            'round',
            e.roundId.toString(),
            'event',
            e.payload,
          );
        }
        const results = (await pipe.exec()) ?? [];
        const failed = results.find(([err]) => err);
        if (failed || results.length !== list.length)
          throw failed?.[0] ?? new Error('redis pipeline incomplete');
      }),
    );
  }

  async ensureGroup(group: string, partition: number): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.key(partition), group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
  }

  private parse(partition: number, entries: StreamEntries): BusMessage[] {
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { partition, id, roundId: BigInt(f.round ?? '0'), payload: f.event ?? '{}' };
    });
  }

  /** New messages for this consumer from every partition (non-blocking). */
  async read(group: string, consumer: string, count: number): Promise<BusMessage[]> {
    const all = await Promise.all(
      Array.from({ length: this.partitions }, async (_, p) => {
        try {
          const res = (await this.redis.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'STREAMS',
            this.key(p),
            '>',
          )) as [string, StreamEntries][] | null;
          return res?.[0] ? this.parse(p, res[0][1]) : [];
        } catch (err) {
          // A Redis that restarted empty has lost its groups: make them again and read next time.
          if (String(err).includes('NOGROUP')) {
            await this.ensureGroup(group, p);
            return [];
          }
          throw err;
        }
      }),
    );
    return all.flat();
  }

  /** Takes over messages pending longer than minIdleMs with other (presumably dead) consumers. */
  async reclaim(group: string, consumer: string, minIdleMs: number, count: number): Promise<BusMessage[]> {
    const all = await Promise.all(
      Array.from({ length: this.partitions }, async (_, p) => {
        try {
          const res = (await this.redis.xautoclaim(
            this.key(p),
            group,
            consumer,
            minIdleMs,
            '0-0',
            'COUNT',
            count,
          )) as [string, StreamEntries];
          return this.parse(
            p,
            (res?.[1] ?? []).filter((e) => e && e[1]),
          );
        } catch (err) {
          if (String(err).includes('NOGROUP')) return [];
          throw err;
        }
      }),
    );
    return all.flat();
  }

  async ack(group: string, messages: BusMessage[]): Promise<void> {
    const byPartition = new Map<number, string[]>();
    for (const m of messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m.id]);
    await Promise.all([...byPartition].map(([p, ids]) => this.redis.xack(this.key(p), group, ...ids)));
  }

  /** Consumer-group lag and pending count per partition, for metrics. */
  async groupStats(
    group: string,
  ): Promise<{ partition: number; lag: number; pending: number; length: number }[]> {
    return Promise.all(
      Array.from({ length: this.partitions }, async (_, p) => {
        const key = this.key(p);
        const length = Number(await this.redis.xlen(key));
        try {
          const groups = (await this.redis.xinfo('GROUPS', key)) as unknown[][];
          for (const g of groups) {
            const info: Record<string, unknown> = {};
            for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
            if (info.name === group) {
              return { partition: p, lag: Number(info.lag ?? 0), pending: Number(info.pending ?? 0), length };
            }
          }
        } catch {
          // no stream or group yet
        }
        return { partition: p, lag: length, pending: 0, length };
      }),
    );
  }
}
