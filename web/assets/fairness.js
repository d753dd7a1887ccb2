// The fairness check, recomputed in the browser with WebCrypto and nothing from the server
// but the published numbers: sha256(seed) must equal the hash published before the round,
// and sides[uint32_be(HMAC_SHA256(key = seed, msg = decimal roundId)[0..4]) mod 2] must equal
// the recorded result. When the next round's seed is known, the hash chain link is checked
// too: each seed is the sha256 of the seed of the round after it. That link is reported but
// not part of `ok`, because a new chain starts every 10,000 rounds and the link then breaks.

const hexToBytes = (hex) => {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('a seed is 64 lowercase hex characters');
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
};

const bytesToHex = (buffer) =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(seedHex) {
  return bytesToHex(await crypto.subtle.digest('SHA-256', hexToBytes(seedHex)));
}

/** round: { roundId, sides, serverSeed, serverSeedHash, result }; nextSeed: the next round's seed, if revealed. */
export async function verifyRound(round, nextSeed) {
  const key = await crypto.subtle.importKey(
    'raw',
    hexToBytes(round.serverSeed),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(String(round.roundId)));
  const uint32 = new DataView(mac).getUint32(0, false);
  const computedResult = round.sides[uint32 % round.sides.length];
  const computedHash = await sha256Hex(round.serverSeed);
  const hashMatches = computedHash === round.serverSeedHash;
  const resultMatches =
    round.result === null || round.result === undefined ? null : computedResult === round.result;
  const chainMatches = nextSeed ? (await sha256Hex(nextSeed)) === round.serverSeed : null;
  return {
    computedHash,
    hmacSha256: bytesToHex(mac),
    uint32,
    computedResult,
    hashMatches,
    resultMatches,
    chainMatches,
    ok: hashMatches && resultMatches !== false,
  };
}

const isVoid = (round) => round.status === 'VOID' || round.result === null || round.result === undefined;

/** The verdict in a few words: a voided round has no result to check, only its seed. */
export function verdictText(round, report) {
  if (isVoid(round)) return report.hashMatches ? 'voided, no result' : 'voided · MISMATCH ✗';
  return report.ok ? 'fair ✓' : 'MISMATCH ✗';
}

/** The proof, one line per step, for the round's detail. */
export function proofLines(round, report) {
  const n = round.sides.length;
  const lines = [
    `Round ${round.roundId}: ${isVoid(round) ? 'voided, no result' : report.ok ? 'FAIR ✓' : 'NOT FAIR ✗'}`,
    `sha256(seed) = ${report.computedHash} ${report.hashMatches ? '= published hash ✓' : '≠ published hash ✗'}`,
  ];
  if (isVoid(round)) {
    lines.push('The round was voided: every stake was refunded and no result was drawn from this seed.');
  } else {
    lines.push(
      `HMAC-SHA256(seed, "${round.roundId}") = ${report.hmacSha256}`,
      `first 4 bytes as uint32 = ${report.uint32}; mod ${n} = ${report.uint32 % n} → ${report.computedResult} ${report.resultMatches ? '= recorded ✓' : '≠ recorded ✗'}`,
    );
  }
  if (report.chainMatches === true)
    lines.push(`hash chain: sha256(seed of round ${round.roundId + 1}) = this seed ✓`);
  return lines;
}
