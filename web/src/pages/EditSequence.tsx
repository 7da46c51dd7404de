import { useEffect, useState } from 'react';
import { api, errorMessage, unwrap, type Campaign } from '../api';
import { ErrorState, Loading, StatusBadge, useLoad } from '../components/common';
import { SequenceBuilder, type Problem } from '../builder/SequenceBuilder';
import { loadDefinition, sameDefinition, saveDefinition, type Definition } from '../builder/model';
import { Link } from '../router';

/** The sequence builder for one campaign: edits its step graph and saves it with PATCH /api/campaigns/:id. */
export function EditSequencePage({ id }: { id: string }) {
  const campaign = useLoad(() => unwrap(api.GET('/api/campaigns/{id}', { params: { path: { id } } })), [id]);
  if (campaign.error !== undefined) return <ErrorState error={campaign.error} retry={() => void campaign.reload()} />;
  if (!campaign.data) return <Loading what="the campaign" />;
  return <Editor key={campaign.data.id} campaign={campaign.data} onSaved={(c) => campaign.setData(c)} />;
}

/** Running and paused campaigns keep their leads on their step; they may choose to move (versioned edits). */
const LIVE = ['in_progress', 'paused'];

function Editor({ campaign, onSaved }: { campaign: Campaign; onSaved: (c: Campaign) => void }) {
  const [loaded, setLoaded] = useState(() => loadDefinition(campaign.workflowDefinition));
  const [def, setDef] = useState<Definition>(loaded);
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<{ message: string; running: boolean } | null>(null);
  const [saveProblems, setSaveProblems] = useState<Problem[] | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const [moveLeads, setMoveLeads] = useState(false);
  const leads = useLoad(
    () => (campaign.leadListId ? unwrap(api.GET('/api/lead-lists/{id}/leads', { params: { path: { id: campaign.leadListId }, query: { limit: 50 } } })) : Promise.resolve({ items: [], nextCursor: null })),
    [campaign.leadListId],
  );
  const webhooks = useLoad(() => unwrap(api.GET('/api/webhook-endpoints', { params: { query: { limit: 100 } } })), []);
  const dirty = !sameDefinition(def, loaded);

  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const save = async () => {
    setBusy(true);
    setSaveError(null);
    setSaved(false);
    const workflowDefinition = saveDefinition(def, loaded, new Date()) as { nodes: unknown[]; edges: unknown[] };
    // moveInProgressLeads is sent only when chosen: versioned edits of live campaigns accept it.
    const body = { workflowDefinition, ...(LIVE.includes(campaign.status) && moveLeads ? { moveInProgressLeads: true } : {}) };
    const { data, error } = await api.PATCH('/api/campaigns/{id}', { params: { path: { id: campaign.id } }, body });
    setBusy(false);
    if (data) {
      const stored = loadDefinition(data.workflowDefinition);
      setLoaded(stored);
      setDef(stored);
      setSaveProblems(undefined);
      setSaved(true);
      onSaved(data);
      return;
    }
    const err = error as { error?: { code?: string; details?: unknown } };
    if (err.error?.code === 'invalid_workflow_definition' && Array.isArray(err.error.details)) setSaveProblems(err.error.details as Problem[]);
    setSaveError({ message: errorMessage(error, 'The sequence could not be saved'), running: err.error?.code === 'campaign_running' });
  };

  const leadChoices = (leads.data?.items ?? []).map((l) => ({ id: l.id, name: l.fullName ?? ([l.firstName, l.lastName].filter(Boolean).join(' ') || l.linkedinUrl || l.id) }));
  return (
    <>
      <div className="page-head">
        <div>
          <p className="muted small">
            <Link to={`/campaigns/${campaign.id}`}>← {campaign.name}</Link>
          </p>
          <h1>Edit the sequence</h1>
          <div className="head-meta">
            <StatusBadge status={campaign.status} />
            <span className="muted small" data-testid="definition-version">version {campaign.definitionVersion}</span>
            <span className={dirty ? 'save-state dirty' : 'save-state'} data-testid="save-state">
              {dirty ? 'Unsaved changes' : saved ? 'Saved' : 'No changes'}
            </span>
          </div>
        </div>
        <div className="save-bar">
          {LIVE.includes(campaign.status) && (
            <label className="check">
              <input type="checkbox" checked={moveLeads} onChange={(e) => setMoveLeads(e.target.checked)} />
              Move leads already in progress to the new version
            </label>
          )}
          <button type="button" className="button" disabled={!dirty || busy} onClick={() => setDef(loaded)}>
            Discard changes
          </button>
          <button type="button" className="button primary" disabled={!dirty || busy} onClick={() => void save()}>
            {busy ? 'Saving…' : 'Save sequence'}
          </button>
        </div>
      </div>
      {saveError && (
        <div className="form-error" role="alert" data-testid="save-error">
          <strong>Not saved.</strong> {saveError.message}
          {saveError.running && ' — a scheduled campaign cannot change its sequence until it runs or is stopped; your edits stay here until you save or leave.'}
        </div>
      )}
      {leads.error !== undefined && <ErrorState error={leads.error} retry={() => void leads.reload()} />}
      <SequenceBuilder
        def={def}
        onChange={(edit) => {
          setDef(edit);
          setSaved(false);
        }}
        leadListId={campaign.leadListId}
        leads={leadChoices}
        webhooks={(webhooks.data?.items ?? []).map((w) => ({ id: w.id, name: w.name ?? null, url: w.url }))}
        saveProblems={saveProblems}
      />
    </>
  );
}
