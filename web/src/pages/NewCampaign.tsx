import { useState, type ChangeEvent, type FormEvent } from 'react';
import { api, errorMessage, unwrap, type ImportReport } from '../api';
import { ErrorState, Loading, formatNumber, useLoad } from '../components/common';
import { EXAMPLES } from '../examples';
import { navigate } from '../router';

interface Problem {
  code: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
  nodeIds?: string[];
  path?: string;
}
interface EditorGraph {
  nodes?: Array<{ id?: string; type?: string; data?: { label?: string; type?: string } }>;
  edges?: Array<{ id?: string; source?: string; target?: string }>;
}

/** Create a campaign without curl: a lead list from a CSV, a sender, a step graph; save-time problems on their nodes. */
export function NewCampaignPage() {
  const lists = useLoad(() => unwrap(api.GET('/api/lead-lists', { params: { query: { limit: 100 } } })), []);
  const accounts = useLoad(() => unwrap(api.GET('/api/accounts', { params: { query: { limit: 100 } } })), []);
  const [listId, setListId] = useState('');
  const [listName, setListName] = useState('');
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [senderIds, setSenderIds] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState<unknown>(null);
  const [definitionSource, setDefinitionSource] = useState('');
  const [definitionError, setDefinitionError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const readFile = (e: ChangeEvent<HTMLInputElement>, then: (name: string, text: string) => void) => {
    const file = e.target.files?.[0];
    if (!file) return;
    void file.text().then((text) => then(file.name, text));
  };

  const upload = async () => {
    if (!csv) return;
    setBusy(true);
    setImportError(null);
    setReport(null);
    try {
      const list = await unwrap(api.POST('/api/lead-lists', { body: { name: listName.trim() || csv.name.replace(/\.csv$/i, '') } }));
      const imported = await unwrap(
        api.POST('/api/lead-lists/{id}/leads', {
          params: { path: { id: list.id } },
          // The route takes text/csv as it is: the body is the file's text.
          body: csv.text as never,
          headers: { 'content-type': 'text/csv' },
          bodySerializer: (b: unknown) => b as string,
        }),
      );
      setReport(imported);
      await lists.reload();
      setListId(list.id);
    } catch (err) {
      setImportError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const chooseExample = (id: string) => {
    const ex = EXAMPLES.find((x) => x.id === id);
    setProblems([]);
    setDefinitionError(null);
    if (ex) {
      setDefinition(ex.definition);
      setDefinitionSource(ex.name);
    }
  };
  const loadDefinitionFile = (fileName: string, text: string) => {
    setProblems([]);
    try {
      setDefinition(JSON.parse(text));
      setDefinitionSource(fileName);
      setDefinitionError(null);
    } catch {
      setDefinition(null);
      setDefinitionError(`${fileName} is not valid JSON.`);
    }
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblems([]);
    setSaveError(null);
    const { data, error } = await api.POST('/api/campaigns', {
      body: { name: name.trim(), leadListId: listId, senderAccountIds: senderIds, workflowDefinition: definition as { nodes: unknown[]; edges: unknown[] } },
    });
    setBusy(false);
    if (data) {
      navigate(`/campaigns/${data.id}`);
      return;
    }
    const body = error as { error?: { code?: string; details?: unknown } };
    if (body.error?.code === 'invalid_workflow_definition' && Array.isArray(body.error.details)) setProblems(body.error.details as Problem[]);
    setSaveError(errorMessage(error));
  };

  const graph = (definition ?? {}) as EditorGraph;
  const problemsFor = (p: (x: Problem) => boolean) => problems.filter(p);
  const placed = new Set<Problem>();
  const nodeProblems = (id: string | undefined) => problemsFor((x) => x.nodeId === id || (x.nodeIds ?? []).includes(id ?? '')).map((x) => (placed.add(x), x));
  const edgeProblems = (id: string | undefined) => problemsFor((x) => x.edgeId === id).map((x) => (placed.add(x), x));
  const ready = listId && senderIds.length > 0 && name.trim() && definition !== null;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>New campaign</h1>
          <p className="muted">Leads, a sender and a sequence. Nothing is sent until you start it.</p>
        </div>
      </div>
      <form onSubmit={(e) => void save(e)} className="wizard">
        <section className="card" aria-labelledby="step-leads">
          <h2 id="step-leads">
            <span className="step-no">1</span> Leads
          </h2>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="list-select">Existing lead list</label>
              {lists.error !== undefined ? (
                <ErrorState error={lists.error} />
              ) : !lists.data ? (
                <Loading what="lists" />
              ) : (
                <select id="list-select" value={listId} onChange={(e) => setListId(e.target.value)}>
                  <option value="">Choose a list…</option>
                  {lists.data.items.map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name} ({formatNumber(l.totalLeads)} leads)
                    </option>
                  ))}
                </select>
              )}
            </div>
          </div>
          <div className="upload">
            <div className="field">
              <label htmlFor="list-name">Or a new list from a CSV: its name</label>
              <input id="list-name" value={listName} onChange={(e) => setListName(e.target.value)} placeholder="e.g. Q1 prospects" />
            </div>
            <div className="field">
              <label htmlFor="csv-file">CSV file (a linkedin_url or linkedin_id column)</label>
              <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(e) => readFile(e, (n, text) => setCsv({ name: n, text }))} />
            </div>
            <button type="button" className="button" disabled={!csv || busy} onClick={() => void upload()}>
              Upload and import
            </button>
          </div>
          {importError && (
            <p className="form-error" role="alert">
              {importError}
            </p>
          )}
          {report && (
            <div className="report" data-testid="import-report" role="status">
              <strong>{formatNumber(report.imported)} imported</strong> · {formatNumber(report.duplicates)} duplicates · {formatNumber(report.rejected)} rejected
              {report.errors.length > 0 && (
                <ul>
                  {report.errors.map((er, i) => (
                    <li key={i}>
                      Row {er.row}
                      {er.field ? ` (${er.field})` : ''}: {er.message}
                    </li>
                  ))}
                  {report.errorsTruncated && <li className="muted">… more rows rejected</li>}
                </ul>
              )}
            </div>
          )}
        </section>

        <section className="card" aria-labelledby="step-sender">
          <h2 id="step-sender">
            <span className="step-no">2</span> Senders
          </h2>
          {!accounts.data ? (
            <Loading what="accounts" />
          ) : accounts.data.items.length === 0 ? (
            <p className="muted">No connected account yet: connect one through the API first.</p>
          ) : (
            <fieldset className="sender-choices">
              <legend>LinkedIn accounts that send (one or more: each lead gets one of them)</legend>
              {accounts.data.items.map((a) => (
                <label key={a.id}>
                  <input
                    type="checkbox"
                    checked={senderIds.includes(a.id)}
                    disabled={a.status !== 'connected'}
                    onChange={(e) => setSenderIds((ids) => (e.target.checked ? [...ids, a.id] : ids.filter((id) => id !== a.id)))}
                  />
                  {a.displayName ?? a.providerAccountId}
                  {a.status !== 'connected' ? ` (${a.status})` : ''}
                </label>
              ))}
            </fieldset>
          )}
        </section>

        <section className="card" aria-labelledby="step-sequence">
          <h2 id="step-sequence">
            <span className="step-no">3</span> Sequence
          </h2>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="example-select">Start from an example</label>
              <select id="example-select" defaultValue="" onChange={(e) => chooseExample(e.target.value)}>
                <option value="">Choose an example…</option>
                {EXAMPLES.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="definition-file">Or the editor's JSON file</label>
              <input id="definition-file" type="file" accept=".json,application/json" onChange={(e) => readFile(e, loadDefinitionFile)} />
            </div>
          </div>
          {definitionError && (
            <p className="form-error" role="alert">
              {definitionError}
            </p>
          )}
          {definition !== null && (
            <div className="definition" data-testid="definition-preview">
              <p className="muted small">From {definitionSource}</p>
              <ol className="node-list">
                {(graph.nodes ?? [])
                  .filter((n) => n.type !== 'addStep')
                  .map((n, i) => {
                    const mine = nodeProblems(n.id);
                    return (
                      <li key={n.id ?? i} className={mine.length ? 'has-problem' : ''} data-node-id={n.id}>
                        <div>
                          <strong>{n.data?.label ?? n.id}</strong> <span className="muted small">{n.data?.type}</span>
                        </div>
                        {mine.map((p, j) => (
                          <p key={j} className="field-error">
                            {p.message}
                          </p>
                        ))}
                      </li>
                    );
                  })}
                {(graph.edges ?? []).map((ed, i) => {
                  const mine = edgeProblems(ed.id);
                  return mine.length ? (
                    <li key={`edge-${ed.id ?? i}`} className="has-problem" data-edge-id={ed.id}>
                      <div>
                        Edge <strong>{ed.id}</strong> {ed.source} → {ed.target}
                      </div>
                      {mine.map((p, j) => (
                        <p key={j} className="field-error">
                          {p.message}
                        </p>
                      ))}
                    </li>
                  ) : null;
                })}
              </ol>
              {problems.filter((p) => !placed.has(p)).map((p, i) => (
                <p key={i} className="field-error">
                  {p.message}
                </p>
              ))}
            </div>
          )}
        </section>

        <section className="card" aria-labelledby="step-save">
          <h2 id="step-save">
            <span className="step-no">4</span> Name and save
          </h2>
          <div className="field">
            <label htmlFor="campaign-name">Campaign name</label>
            <input id="campaign-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder="e.g. Founders in Berlin" />
          </div>
          {saveError && (
            <p className="form-error" role="alert">
              {saveError}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={!ready || busy}>
              Save campaign
            </button>
          </div>
        </section>
      </form>
    </>
  );
}
