import { describe, expect, it } from 'vitest';
import { formerDefinitionHash, versionDefinitionHash } from './definition.hash.js';

// Method texts as Function.prototype.toString gives them: the declaration as written in its file.
const asWritten = `v1(article) {
    return { title: article.title, tags: ['a', 'b'], note: "two  spaces" };
  }`;
const nestedDeeper = `v1(article) {
        return { title: article.title, tags: ['a', 'b'], note: "two  spaces" };
      }`;
const reformatted = `v1(article) {
  return {
    title: article.title,
    tags: ["a", "b",],
    note: 'two  spaces',
  }
}`;
const commented = `v1(article) {
    // the title as written
    return { title: article.title, tags: ['a', 'b'], note: "two  spaces" }; /* tags fixed */
  }`;

const version = (transformSource: string) => ({ version: 1, transform: () => ({}), transformSource });

describe('versionDefinitionHash', () => {
  it('is the same for a method nested deeper, reformatted or commented', () => {
    const hash = versionDefinitionHash(version(asWritten));
    expect(versionDefinitionHash(version(nestedDeeper))).toBe(hash);
    expect(versionDefinitionHash(version(reformatted))).toBe(hash);
    expect(versionDefinitionHash(version(commented))).toBe(hash);
  });

  it('changes with what the method does, inside strings and regular expressions too', () => {
    const hash = versionDefinitionHash(version(asWritten));
    for (const changed of [
      asWritten.replace('article.title', 'article.name'),
      asWritten.replace('"two  spaces"', '"two spaces"'),
      asWritten.replace("['a', 'b']", "['a', 'b', 'c']"),
      asWritten.replace('return {', 'return /a  b/.test(article.title) && {'),
    ]) {
      expect(versionDefinitionHash(version(changed))).not.toBe(hash);
    }
    expect(
      versionDefinitionHash(version(asWritten.replace('return {', 'return /a b/.test(article.title) && {'))),
    ).not.toBe(
      versionDefinitionHash(version(asWritten.replace('return {', 'return /a  b/.test(article.title) && {'))),
    );
  });

  it('keeps the former hash, of the text as written, for versions stored by earlier library versions', () => {
    expect(formerDefinitionHash(version(asWritten))).not.toBe(formerDefinitionHash(version(nestedDeeper)));
    expect(formerDefinitionHash(version(asWritten))).not.toBe(versionDefinitionHash(version(asWritten)));
  });
});
