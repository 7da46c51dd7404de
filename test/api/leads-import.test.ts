import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canonicalField, normalizeLinkedinUrl } from '../../src/services/lead-rows';
import { MAX_LEADS_PER_LIST } from '../../src/services/leads-import';
import { startTestApi, tableCounts, type TestApi } from './support';

void describe('LinkedIn URL normalization and header mapping', () => {
  void it('normalizes profile URLs to https://www.linkedin.com/in/<lowercase slug>/', () => {
    const cases: Array<[string, string | null]> = [
      ['https://www.linkedin.com/in/Jane-Doe', 'https://www.linkedin.com/in/jane-doe/'],
      ['linkedin.com/in/jane-doe/', 'https://www.linkedin.com/in/jane-doe/'],
      ['http://uk.linkedin.com/in/jane-doe?utm_source=x#top', 'https://www.linkedin.com/in/jane-doe/'],
      ['  https://m.linkedin.com/in/jane-doe/details/experience/  ', 'https://www.linkedin.com/in/jane-doe/'],
      ['https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa', 'https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/'],
      ['https://www.linkedin.com/in/JOSÉ-GARCÍA', 'https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/'],
      ['https://www.linkedin.com/company/acme', null],
      ['https://evil.com/in/jane', null],
      ['https://linkedin.com.evil.com/in/jane', null],
      ['https://www.linkedin.com/in/', null],
      ['https://www.linkedin.com/in/a<b>', null],
      ['jane-doe', null],
      ['javascript:alert(1)', null],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeLinkedinUrl(input), expected, input);
  });

  void it('maps header variants without regard to case or punctuation', () => {
    assert.equal(canonicalField('LinkedIn URL'), 'linkedin_url');
    assert.equal(canonicalField('linkedinUrl'), 'linkedin_url');
    assert.equal(canonicalField('Profile URL'), 'linkedin_url');
    assert.equal(canonicalField('First Name'), 'first_name');
    assert.equal(canonicalField('Job Title'), 'title');
    assert.equal(canonicalField('Company Name'), 'company');
    assert.equal(canonicalField('E-mail'), 'email');
    assert.equal(canonicalField('favourite colour'), undefined);
  });
});

void describe('lead import', () => {
  let api: TestApi;
  const newList = async (name = 'List'): Promise<string> => (await api.call({ method: 'POST', url: '/api/lead-lists', payload: { name } })).json().id;
  const importCsv = (listId: string, csv: string) =>
    api.call({ method: 'POST', url: `/api/lead-lists/${listId}/leads`, headers: { 'content-type': 'text/csv' }, payload: csv });
  const importJson = (listId: string, body: unknown) => api.call({ method: 'POST', url: `/api/lead-lists/${listId}/leads`, payload: body as object });
  const allLeads = async (listId: string) => (await api.call({ method: 'GET', url: `/api/lead-lists/${listId}/leads?limit=500` })).json().items;

  before(async () => (api = await startTestApi()));
  after(() => api.close());

  void it('imports a CSV with header variants, normalizes URLs, reports bad rows by the row number the user sees', async () => {
    const listId = await newList();
    const csv = [
      '\uFEFFFirst Name,Last Name,LinkedIn URL,E-mail,Job Title,Company Name,Favourite Colour',
      'Jane,Doe,https://www.linkedin.com/in/Jane-Doe,jane@example.com,CTO,Acme,blue',
      'John,Roe,linkedin.com/in/john-roe/,,Founder,"Roe, Inc.",',
      'No,Link,,nolink@example.com,,,',
      '',
      'Bad,Url,https://example.com/jane,,,,',
      'Bad,Email,https://www.linkedin.com/in/bad-email,not-an-email,,,',
      '"Multi",Line,https://www.linkedin.com/in/multi-line,,"Head of\nSales",,',
    ].join('\r\n');
    const res = await importCsv(listId, csv);
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json();
    assert.equal(report.imported, 3);
    assert.equal(report.rejected, 3);
    assert.equal(report.duplicates, 0);
    assert.equal(report.totalLeads, 3);
    assert.deepEqual(
      report.errors.map((e: { row: number; code: string; field?: string }) => [e.row, e.code, e.field]),
      [
        [4, 'missing_linkedin_identity', undefined],
        [6, 'invalid_linkedin_url', 'linkedin_url'],
        [7, 'invalid_email', 'email'],
      ],
    );
    const leads = await allLeads(listId);
    const jane = leads.find((l: { linkedinUrl: string }) => l.linkedinUrl === 'https://www.linkedin.com/in/jane-doe/');
    assert.ok(jane);
    assert.deepEqual(
      [jane.firstName, jane.lastName, jane.fullName, jane.email, jane.title, jane.company, jane.source],
      ['Jane', 'Doe', 'Jane Doe', 'jane@example.com', 'CTO', 'Acme', 'csv_import'],
    );
    assert.deepEqual(jane.enrichmentData, { importedFields: { 'Favourite Colour': 'blue' } });
    assert.ok(leads.some((l: { company: string }) => l.company === 'Roe, Inc.'));
    assert.ok(leads.some((l: { title: string }) => l.title === 'Head of\nSales'));
  });

  void it('keeps the order of the CSV (leads start in import order), across imports', async () => {
    const listId = await newList('Ordered');
    const slugs = Array.from({ length: 60 }, (_, i) => `ordered-${(i * 37) % 60}-x`);
    const rows = (part: string[]) => ['LinkedIn URL', ...part.map((s) => `https://www.linkedin.com/in/${s}`)].join('\n');
    assert.equal((await importCsv(listId, rows(slugs.slice(0, 40)))).json().imported, 40);
    assert.equal((await importCsv(listId, rows(slugs.slice(40)))).json().imported, 20);
    const stored = await api.db.selectFrom('leads').select('linkedin_url').where('lead_list_id', '=', listId).orderBy('import_seq').execute();
    assert.deepEqual(
      stored.map((l) => l.linkedin_url),
      slugs.map((s) => `https://www.linkedin.com/in/${s}/`),
    );
  });

  void it('imports JSON (bare array or { leads }) with snake_case or camelCase keys and reports rows 1-based', async () => {
    const listId = await newList();
    let res = await importJson(listId, [
      { fullName: 'Ann Lee', linkedinUrl: 'https://www.linkedin.com/in/ann-lee' },
      { full_name: 'Id Only', linkedin_id: 'ACoAAB12345' },
      { full_name: 'No identity', email: 'x@example.com' },
      { full_name: 'Number URL', linkedin_url: 42 },
      { full_name: 'Nested', linkedin_url: { href: 'x' } },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    let report = res.json();
    assert.equal(report.imported, 2);
    assert.deepEqual(
      report.errors.map((e: { row: number; code: string }) => [e.row, e.code]),
      [
        [3, 'missing_linkedin_identity'],
        [4, 'invalid_linkedin_url'],
        [5, 'invalid_value'],
      ],
    );
    const ann = (await allLeads(listId)).find((l: { fullName: string }) => l.fullName === 'Ann Lee');
    assert.deepEqual([ann.firstName, ann.lastName, ann.source], ['Ann', 'Lee', 'api_import']);

    // An element that is not an object is a malformed request, not a bad row: nothing is imported.
    const before = await tableCounts(api.db);
    res = await importJson(listId, [{ linkedin_url: 'https://www.linkedin.com/in/fine' }, 'not an object']);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
    assert.equal(res.json().error.details[0].path, 'body[1]');
    assert.deepEqual(await tableCounts(api.db), before);

    res = await importJson(listId, { leads: [{ linkedin_url: 'https://www.linkedin.com/in/wrapped' }] });
    report = res.json();
    assert.equal(report.imported, 1);
    assert.equal(report.totalLeads, 3);
  });

  void it('skips duplicates within the upload and against the list, by linkedin_url or linkedin_id', async () => {
    const listId = await newList();
    await importJson(listId, [{ linkedin_url: 'https://www.linkedin.com/in/dup-one' }, { linkedin_id: 'ACoAAdup' }]);
    const csv = [
      'linkedin_url,linkedin_id,full_name',
      'https://www.linkedin.com/in/DUP-ONE/,,Already there (other case)',
      ',ACoAAdup,Already there by id',
      'https://www.linkedin.com/in/fresh,,Fresh',
      'linkedin.com/in/fresh,,Fresh again in the same file',
      'https://www.linkedin.com/in/fresh-two,ACoAAfresh2,Fresh two',
      ',ACoAAfresh2,Same id as the row above',
    ].join('\n');
    const report = (await importCsv(listId, csv)).json();
    assert.deepEqual([report.imported, report.duplicates, report.rejected], [2, 4, 0]);
    assert.equal(report.totalLeads, 4);
    assert.equal((await allLeads(listId)).length, 4);
    const list = (await api.call({ method: 'GET', url: `/api/lead-lists/${listId}` })).json();
    assert.equal(list.totalLeads, 4);

    // The same lead may be in two different lists.
    const other = await newList('Other');
    assert.equal((await importJson(other, [{ linkedin_url: 'https://www.linkedin.com/in/dup-one' }])).json().imported, 1);
  });

  void it('accepts semicolon-separated CSV, and rejects a CSV without a LinkedIn column or that does not parse, changing nothing', async () => {
    const listId = await newList();
    const semi = await importCsv(listId, 'Name;LinkedIn\nAnna;https://www.linkedin.com/in/anna-semi\n');
    assert.equal(semi.json().imported, 1);

    const before = await tableCounts(api.db);
    let res = await importCsv(listId, 'name,email\nJane,jane@example.com\n');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_csv');
    res = await importCsv(listId, 'linkedin_url,name\n"https://www.linkedin.com/in/x,unterminated\n');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_csv');
    res = await importJson(listId, { people: [] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
    res = await api.call({ method: 'POST', url: `/api/lead-lists/${listId}/leads`, headers: { 'content-type': 'application/xml' }, payload: '<x/>' });
    assert.equal(res.statusCode, 415);
    assert.deepEqual(await tableCounts(api.db), before);
  });

  void it(`refuses to take a list above ${MAX_LEADS_PER_LIST} leads, importing nothing`, async () => {
    const listId = await newList('Limit');
    const header = 'linkedin_url\n';
    const rows = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `https://www.linkedin.com/in/${prefix}-${i}`).join('\n');

    const before = await tableCounts(api.db);
    let res = await importCsv(listId, header + rows(MAX_LEADS_PER_LIST + 1, 'over'));
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'lead_list_too_large');
    assert.deepEqual(await tableCounts(api.db), before);

    // A large import, timed (printed, not asserted): the whole limit in one CSV.
    const started = performance.now();
    res = await importCsv(listId, header + rows(MAX_LEADS_PER_LIST - 5, 'big'));
    const ms = performance.now() - started;
    console.log(`# imported ${MAX_LEADS_PER_LIST - 5} CSV rows in ${ms.toFixed(0)} ms`);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal(res.json().imported, MAX_LEADS_PER_LIST - 5);

    // 10 more would overflow (even though 3 are duplicates, 7 new ones still do): all or nothing.
    const afterBig = await tableCounts(api.db);
    res = await importCsv(listId, header + rows(3, 'big') + '\n' + rows(7, 'extra'));
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json().error.details, { limit: MAX_LEADS_PER_LIST, current: MAX_LEADS_PER_LIST - 5, adding: 7 });
    assert.deepEqual(await tableCounts(api.db), afterBig);
    assert.equal((await api.call({ method: 'GET', url: `/api/lead-lists/${listId}` })).json().totalLeads, MAX_LEADS_PER_LIST - 5);

    // Duplicates do not count: 5 new ones fit exactly.
    res = await importCsv(listId, header + rows(3, 'big') + '\n' + rows(5, 'extra'));
    assert.equal(res.statusCode, 200);
    assert.deepEqual([res.json().imported, res.json().duplicates, res.json().totalLeads], [5, 3, MAX_LEADS_PER_LIST]);
  });

  void it('caps the error list but keeps the counts exact', async () => {
    const listId = await newList();
    const csv = 'linkedin_url\n' + Array.from({ length: 1500 }, (_, i) => `https://example.com/${i}`).join('\n');
    const report = (await importCsv(listId, csv)).json();
    assert.equal(report.rejected, 1500);
    assert.equal(report.errors.length, 1000);
    assert.equal(report.errorsTruncated, true);
  });
});
