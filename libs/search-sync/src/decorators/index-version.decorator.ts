import { SetMetadata } from '@nestjs/common';
import type { SearchDocument } from '../family/family.definition.js';
import { INDEX_VERSION_METADATA } from '../search-sync.constants.js';

export interface IndexVersionOptions<TDto = any> {
  /** Defaults to `<family>_v<version>`. */
  readonly index?: string;
  readonly mappings?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
  /** Rows it rejects are deletes in this version. */
  readonly filter?: (dto: TDto) => boolean;
}

export interface IndexVersionMetadata extends IndexVersionOptions {
  readonly version: number;
}

/**
 * Declares a version of the family on the method that transforms the family's DTO into this
 * version's document. With type arguments, a method that takes or returns the wrong shape does not
 * compile: `@IndexVersion<ProductDto, ProductV2>(2, { mappings })`.
 */
export function IndexVersion<TDto = any, TDocument extends SearchDocument = SearchDocument>(
  version: number,
  options: IndexVersionOptions<TDto> = {},
) {
  // Generic over the method so that the check is one of assignability (a method may take a wider DTO
  // or return a narrower document), not of identity.
  return <TMethod extends (dto: TDto) => TDocument>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<TMethod>,
  ): void => {
    SetMetadata<string, IndexVersionMetadata>(INDEX_VERSION_METADATA, { ...options, version })(
      target,
      key,
      descriptor,
    );
  };
}
