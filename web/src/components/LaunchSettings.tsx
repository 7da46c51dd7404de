import { useState, type FormEvent } from 'react';
import { api, errorMessage, unwrap, type Campaign } from '../api';
import { ErrorState, Loading, formatNumber, useLoad } from './common';

/**
 * What a draft's forecast turns on, editable before pressing start: the lead list, the sender, the
 * campaign's leads started per day (PATCH /api/campaigns/:id) and the sender's invitations per day
 * (its account settings, shared with its other campaigns). Saving asks for a new forecast.
 */
export function LaunchSettings({ campaign, onSaved }: { campaign: Campaign; onSaved: () => void }) {
  const choices = useLoad(async () => {
    const [lists, accounts] = await Promise.all([
      unwrap(api.GET('/api/lead-lists', { params: { query: { limit: 100 } } })),
      unwrap(api.GET('/api/accounts', { params: { query: { limit: 100 } } })),
    ]);
    return { lists: lists.items, accounts: accounts.items };
  }, []);
  if (choices.error !== undefined) return <ErrorState error={choices.error} retry={() => void choices.reload()} />;
  if (!choices.data) return <Loading what="the settings" />;
  return <SettingsForm key={`${campaign.updatedAt}`} campaign={campaign} lists={choices.data.lists} accounts={choices.data.accounts} onSaved={onSaved} />;
}

type Lists = Array<{ id: string; name: string; totalLeads?: number | null }>;
type Accounts = Array<{ id: string; displayName?: string | null; providerAccountId: string }>;

function SettingsForm({ campaign, lists, accounts, onSaved }: { campaign: Campaign; lists: Lists; accounts: Accounts; onSaved: () => void }) {
  const senderId = campaign.senderAccountId ?? '';
  const sender = useLoad(() => (senderId ? unwrap(api.GET('/api/accounts/{id}/settings', { params: { path: { id: senderId } } })) : Promise.resolve(null)), [senderId]);
  const [listId, setListId] = useState(campaign.leadListId ?? '');
  const [accountId, setAccountId] = useState(senderId);
  const [perDay, setPerDay] = useState(campaign.leadsPerDay === null ? '' : String(campaign.leadsPerDay));
  const [invitations, setInvitations] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const currentInvitations = sender.data ? String(sender.data.effectiveLimits.invitation.daily) : '';
  const invitationsValue = invitations ?? currentInvitations;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setSaved(false);
    try {
      const patch: { leadListId?: string; senderAccountId?: string; leadsPerDay?: number | null } = {};
      if (listId && listId !== campaign.leadListId) patch.leadListId = listId;
      if (accountId && accountId !== campaign.senderAccountId) patch.senderAccountId = accountId;
      const leadsPerDay = perDay.trim() === '' ? null : Number(perDay);
      if (leadsPerDay !== campaign.leadsPerDay) patch.leadsPerDay = leadsPerDay;
      // The sender's limit is the account's (the one shown: the campaign's sender before this save).
      if (sender.data && senderId && invitations !== null && invitations !== currentInvitations) {
        const stored = sender.data.limits as Record<string, { daily?: number; weekly?: number | null }>;
        await unwrap(
          api.PATCH('/api/accounts/{id}/settings', {
            params: { path: { id: senderId } },
            body: { limits: { ...stored, invitation: { ...stored.invitation, daily: Number(invitations) } } },
          }),
        );
        setInvitations(null);
        await sender.reload();
      }
      if (Object.keys(patch).length > 0) await unwrap(api.PATCH('/api/campaigns/{id}', { params: { path: { id: campaign.id } }, body: patch }));
      setSaved(true);
      onSaved();
    } catch (err) {
      setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="launch-settings" onSubmit={(e) => void submit(e)} aria-label="Launch settings">
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="launch-list">Lead list</label>
          <select id="launch-list" value={listId} onChange={(e) => setListId(e.target.value)}>
            {!listId && <option value="">Choose a list</option>}
            {lists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
                {typeof l.totalLeads === 'number' ? ` (${formatNumber(l.totalLeads)} leads)` : ''}
              </option>
            ))}
          </select>
        </div>
        {/* A pool of several senders is edited in the Senders card: choosing one here would replace it. */}
        {campaign.senderAccountIds.length <= 1 && (
          <div className="field">
            <label htmlFor="launch-sender">Sender</label>
            <select id="launch-sender" value={accountId} onChange={(e) => setAccountId(e.target.value)}>
              {!accountId && <option value="">Choose a sender</option>}
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.displayName ?? a.providerAccountId}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="launch-per-day">Leads started per day</label>
          <input id="launch-per-day" inputMode="numeric" placeholder="no limit" value={perDay} onChange={(e) => setPerDay(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="launch-invitations">Sender’s invitations per day</label>
          <input id="launch-invitations" inputMode="numeric" value={invitationsValue} disabled={!sender.data} onChange={(e) => setInvitations(e.target.value)} aria-describedby="launch-invitations-note" />
          <span id="launch-invitations-note" className="muted small">
            {campaign.senderAccountIds.length > 1 ? 'of the first sender, for all its campaigns' : 'for every campaign of this sender'}
          </span>
        </div>
      </div>
      <div className="form-actions">
        {saved && !busy && (
          <span className="muted small" role="status">
            Saved
          </span>
        )}
        <button type="submit" className="button primary small" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
