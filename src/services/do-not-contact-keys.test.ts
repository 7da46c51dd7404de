import assert from 'node:assert/strict';
import { test } from 'node:test';
import { companyKey, domainKey, entryKey, guessKind, leadKeys, profileKey } from './do-not-contact-keys';

test('a profile is keyed the same from every URL form, a provider id as it is', () => {
  for (const v of ['https://www.linkedin.com/in/Jane-Doe/', 'fr.linkedin.com/in/jane-doe?utm=x', 'linkedin.com/in/JANE-DOE/details/experience', 'jane-doe'])
    assert.equal(profileKey(v), 'jane-doe', v);
  assert.equal(profileKey('ACoAAB1234567'), 'ACoAAB1234567');
  assert.equal(profileKey('https://example.com/in/jane'), null);
  assert.equal(profileKey('   '), null);
});

test('company names ignore case, punctuation, accents and legal suffixes', () => {
  assert.equal(companyKey('Acme, Inc.'), 'acme');
  assert.equal(companyKey('ACME inc'), 'acme');
  assert.equal(companyKey('Société Générale SA'), 'societe generale');
  assert.equal(companyKey('Inc'), 'inc');
  assert.equal(companyKey('!!!'), null);
});

test('domains drop scheme, www, path and e-mail local part; non-domains are refused', () => {
  assert.equal(domainKey('https://www.Acme.com/about'), 'acme.com');
  assert.equal(domainKey('jane@sales.acme.com'), 'sales.acme.com');
  assert.equal(domainKey('acme.com.'), 'acme.com');
  assert.equal(domainKey('acme'), null);
  assert.equal(domainKey('not a domain.com'), null);
});

test('a bare value is guessed only when unambiguous', () => {
  assert.equal(guessKind('https://linkedin.com/in/jane'), 'profile');
  assert.equal(guessKind('ACoAAB1234567'), 'profile');
  assert.equal(guessKind('acme.com'), 'domain');
  assert.equal(guessKind('Acme'), null);
  assert.equal(entryKey('company', 'Acme Ltd'), 'acme');
});

test("a lead's keys cover its ids, company and every parent of its e-mail domain", () => {
  const keys = leadKeys({ linkedinUrl: 'https://www.linkedin.com/in/jane-doe/', providerId: 'ACoAAB1234567', company: 'Acme Inc', email: 'jane@eu.acme.com' });
  const has = (kind: string, n: string) => keys.some((k) => k.kind === kind && k.normalized === n);
  assert.ok(has('profile', 'jane-doe') && has('profile', 'ACoAAB1234567'));
  assert.ok(has('company', 'acme'));
  assert.ok(has('domain', 'eu.acme.com') && has('domain', 'acme.com'));
  assert.ok(!has('domain', 'com'));
});
