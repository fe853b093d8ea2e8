import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { INDEX_VERSION_METADATA } from '../search-sync.constants.js';
import { IndexVersion } from './index-version.decorator.js';

interface Dto {
  readonly id: number;
}
interface Document {
  readonly name: string;
}

class Versions {
  @IndexVersion<Dto, Document>(3, { mappings: { properties: { name: { type: 'keyword' } } } })
  v3(dto: Dto): Document {
    return { name: String(dto.id) };
  }

  // @ts-expect-error a transform returning the wrong shape does not compile
  @IndexVersion<Dto, Document>(4)
  v4(dto: Dto) {
    return { title: String(dto.id) };
  }
}

describe('@IndexVersion', () => {
  it('only records metadata on the method', () => {
    const metadata = new Reflector().get(INDEX_VERSION_METADATA, Versions.prototype.v3);
    expect(metadata).toEqual({ version: 3, mappings: { properties: { name: { type: 'keyword' } } } });
    expect(new Versions().v3({ id: 7 })).toEqual({ name: '7' });
  });
});
