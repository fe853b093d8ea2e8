import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffMappings, diffSettings, mappingEntries } from './definition.diff.js';

describe('mapping and settings diff', () => {
  it('names added, removed and changed fields by path, nested ones included', () => {
    const before = {
      dynamic: 'strict',
      properties: {
        title: { type: 'text' },
        price: { type: 'float' },
        author: { properties: { name: { type: 'text' }, born: { type: 'date' } } },
      },
    };
    const after = {
      dynamic: 'strict',
      properties: {
        title: { type: 'search_as_you_type' },
        author: { properties: { name: { type: 'keyword' }, born: { type: 'date' } } },
        category: { type: 'keyword' },
      },
    };
    expect(diffMappings(before, after)).toEqual([
      { path: 'author.name', change: 'changed', before: { type: 'text' }, after: { type: 'keyword' } },
      { path: 'category', change: 'added', after: { type: 'keyword' } },
      { path: 'price', change: 'removed', before: { type: 'float' } },
      { path: 'title', change: 'changed', before: { type: 'text' }, after: { type: 'search_as_you_type' } },
    ]);
  });

  it('compares mapping options and nested fields with a type of their own', () => {
    expect(
      diffMappings(
        { dynamic: true, properties: { tags: { type: 'nested', properties: { n: { type: 'text' } } } } },
        { dynamic: 'strict', properties: { tags: { type: 'object', properties: { n: { type: 'text' } } } } },
      ),
    ).toEqual([
      { path: '(dynamic)', change: 'changed', before: true, after: 'strict' },
      { path: 'tags', change: 'changed', before: { type: 'nested' }, after: { type: 'object' } },
    ]);
  });

  it('finds no difference between a mapping and itself, whatever the order of its keys', () => {
    const field = fc.record({ type: fc.constantFrom('text', 'keyword', 'long'), index: fc.boolean() });
    const mapping = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), field);
    fc.assert(
      fc.property(mapping, (properties) => {
        const reversed = Object.fromEntries(
          Object.entries(properties)
            .reverse()
            .map(([k, v]) => [k, { index: v.index, type: v.type }]),
        );
        expect(diffMappings({ properties }, { properties: reversed })).toEqual([]);
        expect(mappingEntries({ properties }).size).toBe(Object.keys(properties).length);
      }),
    );
  });

  it('reads settings with or without the index prefix, numbers and strings alike', () => {
    expect(
      diffSettings(
        { index: { number_of_shards: 1, number_of_replicas: '1' } },
        { number_of_shards: '1', number_of_replicas: 0, analysis: { analyzer: { a: { type: 'simple' } } } },
      ),
    ).toEqual([
      { path: 'analysis.analyzer.a.type', change: 'added', after: 'simple' },
      { path: 'number_of_replicas', change: 'changed', before: '1', after: '0' },
    ]);
  });
});
