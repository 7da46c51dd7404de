/** Step graphs as the campaign editor saves them, to start from without writing JSON. */
export const EXAMPLES: Array<{ id: string; name: string; definition: unknown }> = [
  {
    id: 'connect-and-follow-up',
    name: 'Visit, invite, follow up when accepted, withdraw after 14 days',
    definition: {
      nodes: [
        { id: 'visit-1', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} } },
        { id: 'invite-2', type: 'action', position: { x: 0, y: 150 }, data: { type: 'send_invite', label: 'Connection Request', isConfigured: true, config: { message: 'Hi [first_name], glad to connect.' } } },
        { id: 'msg-3', type: 'action', position: { x: 200, y: 300 }, data: { type: 'send_followup', label: 'Send Message', isConfigured: true, pathType: 'accepted', config: { message: 'Thanks for connecting, [first_name]!' } } },
        { id: 'withdraw-4', type: 'action', position: { x: -200, y: 300 }, data: { type: 'withdraw_request', label: 'Withdraw Request', isConfigured: true, pathType: 'not-accepted', config: {} } },
        { id: 'add-5', type: 'addStep', position: { x: 200, y: 450 }, data: { pathType: 'accepted' } },
      ],
      edges: [
        { id: 'e1', source: 'visit-1', target: 'invite-2', type: 'buttonedge', data: { delay: '1h', delayData: { delay: 1, unit: 'h' } } },
        { id: 'e2', source: 'invite-2', target: 'msg-3', type: 'conditional', data: { delay: '1d', delayData: { delay: 1, unit: 'd' }, isPositive: true, isConditionalPath: true } },
        { id: 'e3', source: 'invite-2', target: 'withdraw-4', type: 'conditional', data: { delay: '14d', delayData: { delay: 14, unit: 'd' }, isPositive: false, isConditionalPath: true } },
        { id: 'e4', source: 'msg-3', target: 'add-5', type: 'buttonedge', data: {} },
      ],
      timestamp: '2026-11-25T10:00:00.000Z',
    },
  },
  {
    id: 'quick-connect',
    name: 'Quick: visit, invite, message as soon as accepted (no delays)',
    definition: {
      nodes: [
        { id: 'visit', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} } },
        { id: 'invite', type: 'action', position: { x: 0, y: 150 }, data: { type: 'send_invite', label: 'Connection Request', isConfigured: true, config: { message: 'Hi [first_name], glad to connect.' } } },
        { id: 'thanks', type: 'action', position: { x: 200, y: 300 }, data: { type: 'send_followup', label: 'Thank-you Message', isConfigured: true, pathType: 'accepted', config: { message: 'Thanks for connecting, [first_name]!' } } },
        { id: 'withdraw', type: 'action', position: { x: -200, y: 300 }, data: { type: 'withdraw_request', label: 'Withdraw Request', isConfigured: true, pathType: 'not-accepted', config: {} } },
      ],
      edges: [
        { id: 'e1', source: 'visit', target: 'invite', type: 'buttonedge', data: {} },
        { id: 'e2', source: 'invite', target: 'thanks', type: 'conditional', data: { isPositive: true, isConditionalPath: true } },
        { id: 'e3', source: 'invite', target: 'withdraw', type: 'conditional', data: { delay: '7d', delayData: { delay: 7, unit: 'd' }, isPositive: false, isConditionalPath: true } },
      ],
      timestamp: '2026-11-25T10:00:00.000Z',
    },
  },
];
