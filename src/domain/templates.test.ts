// Tests run on Node, not in the workflow sandbox: the domain's ban on Node built-ins does not apply here.
// node:test's describe/it return promises its runner tracks itself: nothing to await.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findTemplateVariables, MissingTemplateVariableError, renderTemplate, templateFitsLimit, UnknownTemplateVariableError, validateTemplate } from './templates';

const ada = { firstName: 'Ada', lastName: 'Lovelace', fullName: null, company: 'Analytical Engines', title: 'CTO' };

describe('findTemplateVariables / validateTemplate', () => {
  it('recognises the variables whatever their case', () => {
    const uses = findTemplateVariables('Hi [First_Name] [LAST_NAME] of [company], [title] ([full_name])');
    assert.deepEqual(
      uses.map((u) => u.variable),
      ['first_name', 'last_name', 'company', 'title', 'full_name'],
    );
    assert.equal(uses[0]!.raw, '[First_Name]');
    assert.equal(uses[0]!.index, 3);
    assert.deepEqual(validateTemplate('Hi [First_Name], [COMPANY]'), []);
  });

  it('treats spaces and hyphens in a name as underscores', () => {
    assert.deepEqual(
      findTemplateVariables('[first name] [Last-Name]').map((u) => u.variable),
      ['first_name', 'last_name'],
    );
  });

  it('refuses an unknown variable instead of leaving it blank, and says where', () => {
    const problems = validateTemplate('Hi [firstname], I saw [company] and [sic]', 'nodes[1].data.config.message');
    assert.equal(problems.length, 2);
    assert.deepEqual(
      problems.map((p) => [p.code, p.path]),
      [
        ['unknown_template_variable', 'nodes[1].data.config.message'],
        ['unknown_template_variable', 'nodes[1].data.config.message'],
      ],
    );
    assert.match(problems[0]!.message, /\[firstname\] at character 4/);
    assert.match(problems[1]!.message, /\[sic\]/);
  });

  it('accepts a fallback after | and still refuses an unknown name with one', () => {
    const [use] = findTemplateVariables('Hi [first_name|there]');
    assert.equal(use?.variable, 'first_name');
    assert.equal(use?.fallback, 'there');
    assert.equal(use?.raw, '[first_name|there]');
    assert.deepEqual(validateTemplate('Hi [first_name|there], [company|]'), []);
    assert.equal(validateTemplate('Hi [firstname|there]').length, 1);
  });

  it('leaves bracketed text that is no variable name alone', () => {
    assert.deepEqual(findTemplateVariables('see [1] and [a: b] and [] and [ :) ]'), []);
    assert.deepEqual(validateTemplate('see [1]'), []);
  });
});

describe('renderTemplate', () => {
  it('fills in the lead, with full_name falling back to first + last name', () => {
    assert.equal(renderTemplate('Hi [first_name] ([Full_Name]), [title] at [company]', ada), 'Hi Ada (Ada Lovelace), CTO at Analytical Engines');
    assert.equal(renderTemplate('[full_name]', { ...ada, fullName: 'Augusta Ada King' }), 'Augusta Ada King');
    assert.equal(renderTemplate('[full_name]', { lastName: 'Lovelace' }), 'Lovelace');
  });

  it('uses the fallback when the lead has no value, and the value when it has one', () => {
    const noFirst = { ...ada, firstName: null };
    assert.equal(renderTemplate('Hi [first_name|there], from [company|your team]', noFirst), 'Hi there, from Analytical Engines');
    assert.equal(renderTemplate('Hi [first_name|there]', ada), 'Hi Ada');
    assert.equal(renderTemplate('Hi [First Name|there]!', { firstName: '  ' }), 'Hi there!');
  });

  it('refuses to render a missing value without a fallback: never "Hi from"', () => {
    assert.throws(
      () => renderTemplate('Hi [first_name] from [company]', { firstName: 'Ada' }),
      (err: unknown) => err instanceof MissingTemplateVariableError && err.variable === 'company',
    );
    assert.throws(() => renderTemplate('Hi [first_name]', { firstName: '   ' }), MissingTemplateVariableError);
  });

  it('an empty fallback leaves the value out and collapses the space it would leave', () => {
    const noFirst = { ...ada, firstName: null };
    assert.equal(renderTemplate('Hi [first_name|], thanks', noFirst), 'Hi, thanks');
    assert.equal(renderTemplate('Hi [first_name|]!', noFirst), 'Hi!');
    assert.equal(renderTemplate('Hi [first_name|] how are you', noFirst), 'Hi how are you');
    assert.equal(renderTemplate('[first_name|] welcome', noFirst), 'welcome');
    assert.equal(renderTemplate('Hello [first_name|]\nSecond line', noFirst), 'Hello\nSecond line');
    assert.equal(renderTemplate('Dear [first_name|] [last_name|], hi', {}), 'Dear, hi');
    assert.equal(renderTemplate('Dear [first_name|] [last_name|] at [company]', { company: 'X' }), 'Dear at X');
    assert.equal(renderTemplate('Hi [first_name|] [last_name|]!', { lastName: 'Doe' }), 'Hi Doe!');
  });

  it('keeps punctuation the user wrote and the rest of the text exactly', () => {
    assert.equal(renderTemplate('Thanks for connecting, [first_name|]!', {}), 'Thanks for connecting,!');
    assert.equal(renderTemplate('  two  spaces  stay [company]', { company: 'X' }), '  two  spaces  stay X');
  });

  it('does not render variables that come in through the lead values', () => {
    assert.equal(renderTemplate('Hi [first_name]', { firstName: '[company]' }), 'Hi [company]');
  });

  it('throws on an unknown variable', () => {
    assert.throws(() => renderTemplate('Hi [nickname]', ada), UnknownTemplateVariableError);
  });
});

describe('templateFitsLimit', () => {
  it('counts only the static text against the limit', () => {
    const text = `${'x'.repeat(290)} [first_name] [company]`;
    const fit = templateFitsLimit(text, 300);
    assert.deepEqual(fit, { ok: true, staticLength: 292, room: 8 });
  });

  it('accepts a static part of exactly the limit and refuses one character more', () => {
    assert.equal(templateFitsLimit(`${'x'.repeat(300)}[first_name]`, 300).ok, true);
    const fit = templateFitsLimit(`${'x'.repeat(301)}[first_name]`, 300);
    assert.equal(fit.ok, false);
    assert.equal(fit.staticLength, 301);
  });

  it('counts an unknown variable as text (validateTemplate refuses it anyway)', () => {
    assert.equal(templateFitsLimit('[nickname]', 5).ok, false);
  });

  it('counts in UTF-16 units, so an emoji counts 2', () => {
    assert.equal(templateFitsLimit('👋'.repeat(150), 300).ok, true);
    assert.equal(templateFitsLimit(`${'👋'.repeat(150)}!`, 300).ok, false);
  });
});
