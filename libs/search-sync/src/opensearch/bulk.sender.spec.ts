import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulkLoader } from './bulk.loader.js';
import { fakeClient, ops } from './bulk-client.test-fixture.js';

describe('BulkSender', () => {
  it("asks OpenSearch to answer a bulk within less than the client's request timeout", async () => {
    // Otherwise a shard waiting for its primary (OpenSearch waits 1 minute by default) outlives the
    // client's request: the client gives up and sends the request again while the first still waits.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 600_000 }), async (requestTimeout) => {
        const { client, params } = fakeClient((o) => o.map(() => 201), { requestTimeout });
        await new BulkLoader(client).load(ops(2));
        const timeout = params[0].timeout as string;
        expect(timeout).toMatch(/^\d+ms$/);
        expect(Number.parseInt(timeout, 10)).toBeGreaterThan(0);
        expect(Number.parseInt(timeout, 10)).toBeLessThan(requestTimeout);
      }),
      { numRuns: 50 },
    );
  });
});
