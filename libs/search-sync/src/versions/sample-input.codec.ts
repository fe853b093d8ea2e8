import { SuperJSON } from 'superjson';

/**
 * The rows a version's behaviour sample keeps, as text that gives them back without loss: dates,
 * bigints, buffers (bytea), `undefined`, NaN and -0 as the driver returned them, which JSON alone would
 * turn into strings, nulls or errors. superjson does the tagging; buffers are registered on an instance
 * of our own, so the application's default instance is left as it was.
 */
const codec = new SuperJSON();
codec.registerCustom<Buffer, string>(
  {
    isApplicable: (value): value is Buffer => Buffer.isBuffer(value),
    serialize: (value) => value.toString('base64'),
    deserialize: (value) => Buffer.from(value, 'base64'),
  },
  'buffer',
);

export const encodeSampleInput = (value: unknown): string => codec.stringify(value);

export const decodeSampleInput = (text: string): unknown => codec.parse(text);
