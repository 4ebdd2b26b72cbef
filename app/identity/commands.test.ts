import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { identityStream } from '../../events/identity/events.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { givenApplication, identity } from '../../test/support/application.ts';

const refusedWith = (code: string) => (e: unknown) => e instanceof DomainError && e.code === code;

describe('identity and plan commands', () => {
  const ada = identity('Ada');

  it('should end the session on sign-out, so the viewer is no longer live', async () => {
    const t = await givenApplication(ada.registered);
    assert.equal(t.queries.identity.isViewerLive(ada.viewer), true);
    await t.commands.identity.signOut(ada.viewer, {});
    assert.equal(t.queries.identity.isViewerLive(ada.viewer), false);
    const [ended] = await t.appended();
    assert.deepEqual(ended?.data, { sessionId: ada.viewer.sessionId, reason: 'signed_out' });
    await t.close();
  });

  it('should end every live session on sign-out everywhere, and only the viewer identity ones', async () => {
    const bob = identity('Bob');
    const other = { address: ada.address, sessionId: randomUUID() };
    const secondSession = {
      stream: identityStream(ada.address),
      type: 'SessionStarted',
      data: {
        sessionId: other.sessionId,
        tokenHash: 'f'.repeat(64),
        expiresAt: Date.now() + 60_000,
        device: 'b',
      },
    };
    const t = await givenApplication([...ada.registered, secondSession, ...bob.registered]);
    assert.equal(t.queries.identity.isViewerLive(other), true);
    assert.equal(await t.commands.identity.signOutEverywhere(ada.viewer, {}), 2);
    assert.equal(t.queries.identity.isViewerLive(ada.viewer), false);
    assert.equal(t.queries.identity.isViewerLive(other), false);
    assert.equal(t.queries.identity.isViewerLive(bob.viewer), true);
    assert.equal(await t.commands.identity.signOutEverywhere(ada.viewer, {}), 0);
    assert.deepEqual(
      (await t.appended()).filter((e) => e.type === 'SessionEnded').map((e) => e.data.reason),
      ['signed_out_everywhere', 'signed_out_everywhere'],
    );
    await t.close();
  });

  it('should rename an identity, refusing a control character without appending', async () => {
    const t = await givenApplication(ada.registered);
    const renamed = await t.commands.identity.changeDisplayName(ada.viewer, 'Ada L', {});
    assert.equal(renamed.displayName, 'Ada L');
    await assert.rejects(
      t.commands.identity.changeDisplayName(ada.viewer, 'Ada\u0007', {}),
      refusedWith('BAD_INPUT'),
    );
    assert.deepEqual(
      (await t.appended()).map((e) => e.type),
      ['DisplayNameChanged'],
    );
    await t.close();
  });

  it('should set a plan only for a registered identity, and only when it changes', async () => {
    const t = await givenApplication(ada.registered);
    await assert.rejects(
      t.commands.plans.setPlan(identity('Nobody').address, 'PRO', {}),
      refusedWith('NOT_FOUND'),
    );
    assert.equal(await t.commands.plans.setPlan(ada.address, 'PRO', {}), 'PRO');
    assert.equal(await t.commands.plans.setPlan(ada.address, 'PRO', {}), 'PRO');
    assert.equal(t.queries.plans.plan(ada.address), 'PRO');
    assert.deepEqual(
      (await t.appended()).map((e) => [e.type, e.metadata.actor]),
      [['PlanChanged', 'admin']],
    );
    await t.close();
  });
});
