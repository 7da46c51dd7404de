import { useEffect, useState } from 'react';
import { apiKey, signOut, whenUnauthorized } from './api';
import { Link, navigate, usePath } from './router';
import { SignIn } from './pages/SignIn';
import { CampaignsPage } from './pages/Campaigns';
import { CampaignPage } from './pages/Campaign';
import { AccountsPage } from './pages/Accounts';
import { NewCampaignPage } from './pages/NewCampaign';
import { EditSequencePage } from './pages/EditSequence';

export function App() {
  const path = usePath();
  const [signedIn, setSignedIn] = useState(apiKey() !== null);

  useEffect(() => {
    whenUnauthorized(() => {
      setSignedIn(false);
      navigate('/sign-in');
    });
  }, []);

  if (!signedIn || path === '/sign-in') {
    return (
      <SignIn
        onSignedIn={() => {
          setSignedIn(true);
          navigate('/');
        }}
      />
    );
  }

  const campaign = /^\/campaigns\/([0-9a-f-]{36})$/.exec(path);
  const sequence = /^\/campaigns\/([0-9a-f-]{36})\/sequence$/.exec(path);
  let page;
  if (path === '/' || path === '/campaigns') page = <CampaignsPage />;
  else if (path === '/campaigns/new') page = <NewCampaignPage />;
  else if (campaign) page = <CampaignPage id={campaign[1]!} />;
  else if (sequence) page = <EditSequencePage id={sequence[1]!} />;
  else if (path === '/accounts') page = <AccountsPage />;
  else
    page = (
      <div className="empty">
        <h1>Page not found</h1>
        <p>
          <Link to="/">Back to campaigns</Link>
        </p>
      </div>
    );

  const nav = (to: string, label: string, active: boolean) => (
    <Link to={to} className={active ? 'nav-item active' : 'nav-item'} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          Clento outreach
        </div>
        <nav aria-label="Main">
          {nav('/', 'Campaigns', path === '/' || (path.startsWith('/campaigns') && path !== '/campaigns/new'))}
          {nav('/campaigns/new', 'New campaign', path === '/campaigns/new')}
          {nav('/accounts', 'Accounts', path === '/accounts')}
        </nav>
        <button
          type="button"
          className="button ghost"
          onClick={() => {
            signOut();
            setSignedIn(false);
            navigate('/sign-in');
          }}
        >
          Sign out
        </button>
      </header>
      <main className="content">{page}</main>
    </div>
  );
}
