import { api, unwrap, type Campaign } from '../api';
import { ErrorState, Loading, useLoad } from './common';

/**
 * The campaign's sequence versions (GET /api/campaigns/:id/versions): every save that changed the step
 * graph made one; leads record the version they run. Reloads when the campaign row changes (a save).
 */
export function DefinitionVersions({ campaign }: { campaign: Campaign }) {
  const versions = useLoad(() => unwrap(api.GET('/api/campaigns/{id}/versions', { params: { path: { id: campaign.id } } })), [campaign.id, campaign.definitionVersion]);
  if (versions.error !== undefined) return <ErrorState error={versions.error} retry={() => void versions.reload()} />;
  if (!versions.data) return <Loading what="the versions" />;
  return (
    <details className="versions" data-testid="definition-versions">
      <summary>
        Version {campaign.definitionVersion} <span className="muted small">· {versions.data.items.length} saved</span>
      </summary>
      <ul className="version-list">
        {versions.data.items.map((v) => (
          <li key={v.version}>
            <strong>v{v.version}</strong> <span className="muted small">· {new Date(v.createdAt).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })} · {v.nodeCount} steps</span>
            {v.current && <span className="badge"> current</span>}
          </li>
        ))}
      </ul>
    </details>
  );
}
