import { documentIdRefusal } from '../keys/document-id.js';
import { deadLetterRecord } from '../pipeline/dead-letter.record.js';
import type { DeadLetterRecord, IndexOperation } from '../pipeline/pipeline.interface.js';
import { SYNC_FIELD } from './index.manager.js';

/**
 * Bulk requests as NDJSON: operations serialised once, cut into requests bounded by count and bytes,
 * and parts of a request cut out again (retries, and requests refused whole).
 */

const SERIALIZATION_ERROR = 'serialization_error';

export interface Serialised {
  readonly op: IndexOperation;
  readonly body: string;
  readonly bytes: number;
  /** Sends that counted against the retry policy, this one included (a pushback costs none). */
  readonly attempts: number;
}

/** An operation in a request: where its lines sit in the request's body, so a retry can cut them out. */
export interface RequestItem {
  readonly op: IndexOperation;
  readonly bytes: number;
  readonly attempts: number;
  readonly start: number;
  readonly end: number;
}

/**
 * One bulk request. Its body is joined as soon as the request is cut, and the operations' own strings
 * are dropped: they would otherwise live (and be copied by the garbage collector) as long as the request.
 */
export interface BulkRequest {
  readonly body: string;
  readonly bytes: number;
  readonly items: readonly RequestItem[];
}

/** Serialises operations one by one; those that cannot be are dead letters at once, never sent. */
export function* serialiseAll(
  operations: readonly IndexOperation[],
  deadLetters: DeadLetterRecord[],
): Generator<Serialised> {
  for (const op of operations) {
    const serialised = serialise(op);
    if ('errorType' in serialised)
      deadLetters.push(deadLetterRecord(op, serialised.errorType, serialised.reason, null, 1));
    else yield serialised;
  }
}

/**
 * One NDJSON operation: the action line and, for an index, the document with the library's own fields.
 * The document is stringified once; its byte count is taken from the pieces, so the body is never
 * flattened or scanned again before the request joins it.
 */
function serialise(op: IndexOperation): Serialised | { errorType: string; reason: string } {
  const refusal = documentIdRefusal(op.id);
  if (refusal) return { errorType: 'invalid_document_id', reason: refusal };
  const meta = `{"${op.action}":{"_index":${JSON.stringify(op.index)},"_id":${JSON.stringify(op.id)},"version":${op.externalVersion ?? op.rowVersion},"version_type":"external_gte"}}\n`;
  const metaBytes = Buffer.byteLength(meta);
  if (op.action === 'delete') return { op, body: meta, bytes: metaBytes, attempts: 1 };
  let document: string | undefined;
  try {
    document = JSON.stringify(op.document);
  } catch (error) {
    return { errorType: SERIALIZATION_ERROR, reason: error instanceof Error ? error.message : String(error) };
  }
  if (document === undefined || document[0] !== '{')
    return { errorType: SERIALIZATION_ERROR, reason: 'the transform did not return a JSON object' };
  // Adds the library's own fields (see SYNC_FIELD) to the serialised document without parsing it again.
  const key = op.keyField === undefined ? '' : `,"key":${JSON.stringify(op.keyField)}`;
  const fields = `{"${SYNC_FIELD}":{"version":${op.rowVersion}${key}}`;
  if (document === '{}')
    return { op, body: `${meta}${fields}}\n`, bytes: metaBytes + fields.length + 2, attempts: 1 };
  // `fields` is ASCII, so its length is its byte count; the document is counted as it came (its '{'
  // becomes the ',' after the fields, and a newline follows).
  const bytes = metaBytes + fields.length + Buffer.byteLength(document) + 1;
  return { op, body: `${meta}${fields},${document.slice(1)}\n`, bytes, attempts: 1 };
}

/** Items `[from, to)` of a request as a request of their own. */
export function part(request: BulkRequest, from: number, to: number): BulkRequest {
  const items = request.items.slice(from, to);
  const offset = items[0].start;
  return {
    body: request.body.slice(offset, items[items.length - 1].end),
    bytes: items.reduce((sum, item) => sum + item.bytes, 0),
    items: items.map((item) => ({ ...item, start: item.start - offset, end: item.end - offset })),
  };
}

/**
 * Cuts operations into requests bounded by count and bytes, one request at a time and keeping their
 * order, so each request can be cut at the bounds of the moment it is sent (the bulk throttle moves
 * them) and only the requests in flight are held as joined bodies.
 */
export class RequestCutter {
  private next: IteratorResult<Serialised>;

  constructor(private readonly items: Iterator<Serialised>) {
    this.next = items.next();
  }

  get done(): boolean {
    return this.next.done === true;
  }

  /** The next request: as many operations as the bounds allow, and at least one (a larger one goes alone). */
  cut(maxOperations: number, maxBytes: number): BulkRequest | null {
    const items: RequestItem[] = [];
    const bodies: string[] = [];
    let bytes = 0;
    let offset = 0;
    while (!this.next.done) {
      const { op, body, bytes: itemBytes, attempts } = this.next.value;
      if (items.length > 0 && (items.length >= maxOperations || bytes + itemBytes > maxBytes)) break;
      items.push({ op, bytes: itemBytes, attempts, start: offset, end: offset + body.length });
      bodies.push(body);
      offset += body.length;
      bytes += itemBytes;
      this.next = this.items.next();
    }
    return items.length === 0 ? null : { body: bodies.join(''), bytes, items };
  }
}
