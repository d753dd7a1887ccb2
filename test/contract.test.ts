// The API contract (issue 11, first part): the OpenAPI document is OpenAPI 3, and every route
// declares the one error envelope for 4xx and 5xx (the app adds it to every route, and errors
// are serialized through it). How many routes also declare a full success body is counted and
// printed: the rest is open work.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

interface Operation {
  responses?: Record<string, { content?: { 'application/json'?: { schema?: { properties?: object } } } }>;
}

test('OpenAPI 3 document; every route declares the error envelope for 4xx and 5xx', async () => {
  const res = await t.request({ method: 'GET', url: '/docs/json' });
  assert.equal(res.status, 200);
  const doc = res.body as { openapi: string; paths: Record<string, Record<string, Operation>> };
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  let routes = 0;
  let withSuccessBody = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      routes++;
      const statuses = Object.keys(op.responses ?? {});
      for (const range of ['4XX', '5XX']) {
        const declared = op.responses?.[range] ?? op.responses?.[range.toLowerCase()];
        const schema = declared?.content?.['application/json']?.schema as
          { properties?: { error?: { properties?: object } } } | undefined;
        assert.ok(
          schema?.properties?.error?.properties,
          `${method.toUpperCase()} ${path} declares ${range}: ${statuses}`,
        );
      }
      if (
        statuses.some(
          (s) => /^2\d\d$/.test(s) && op.responses?.[s]?.content?.['application/json']?.schema?.properties,
        )
      ) {
        withSuccessBody++;
      }
    }
  }
  assert.ok(routes >= 25, `routes in the document: ${routes}`);
  console.log(
    `# contract: ${routes} routes declare the error envelope; ${withSuccessBody} also declare a success body`,
  );
});

test('an error answer carries exactly the envelope: code, message and optional details', async () => {
  const res = await t.request({ method: 'GET', url: '/v1/bets/1' });
  assert.equal(res.status, 401);
  assert.deepEqual(Object.keys(res.body), ['error']);
  for (const key of Object.keys(res.body.error)) assert.ok(['code', 'message', 'details'].includes(key), key);
});
