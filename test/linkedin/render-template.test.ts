import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, UnknownTemplateVariableError } from '../../src/linkedin/render-template';

const lead = { firstName: 'Ada', lastName: 'Lovelace', fullName: null, company: 'Analytical', title: null };

void describe('renderTemplate', () => {
  void it('replaces the five variables, case-insensitively', () => {
    assert.equal(renderTemplate('Hi [first_name] [LAST_NAME] ([Full_Name]) at [company]', lead), 'Hi Ada Lovelace (Ada Lovelace) at Analytical');
  });
  void it('a known variable without a value renders empty; the rest of the text is kept as written', () => {
    assert.equal(renderTemplate('Title: [title]!  Bye', lead), 'Title: !  Bye');
  });
  void it('an unknown variable throws', () => {
    assert.throws(() => renderTemplate('Hi [nickname]', lead), UnknownTemplateVariableError);
  });
});
