// client_check.js: drives the third-party npm client `autopilot-api` (unchanged) against
// autopilot-sim: contacts, lists, account, journeys, smart segments and REST hooks.
// The client takes the base URL as its documented second constructor argument.
// Usage: SIM_URL=http://127.0.0.1:PORT SIM_KEY=KEY node client_check.js
// Prints one line per check, "PASS <desc>" or "FAIL <desc>", and "DIAG <text>" details;
// tests/e2e/sim_npm_client.sh turns them into TAP.
'use strict';

const Autopilot = require('autopilot-api');

const endpoint = `${process.env.SIM_URL}/v1/`;
const autopilot = new Autopilot(process.env.SIM_KEY, endpoint);
let failures = 0;

function check(desc, cond, detail) {
  console.log(`${cond ? 'PASS' : 'FAIL'} ${desc}`);
  if (!cond) {
    failures++;
    if (detail !== undefined) console.log(`DIAG ${JSON.stringify(detail)}`);
  }
}

// The status the client rejected with (it rejects on any non-2xx), or 'resolved'.
async function statusOf(promise) {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return err.response ? err.response.status : `no response: ${err.message}`;
  }
}

async function main() {
  // account: the Connect check
  let res = await autopilot.account.get();
  check('account.get answers fullName and email', res.status === 200 && typeof res.data.fullName === 'string' &&
        typeof res.data.email === 'string', res.data);
  const wrong = new Autopilot('not-a-key', endpoint);
  check('a wrong key is rejected with 401', await statusOf(wrong.account.get()) === 401);

  // lists
  res = await autopilot.lists.insert('Compat list');
  const listId = res.data.list_id;
  check('lists.insert returns a contactlist_ id', /^contactlist_/.test(listId || ''), res.data);
  check('lists.insert of an existing title is rejected with 409',
        await statusOf(autopilot.lists.insert('Compat list')) === 409);
  res = await autopilot.lists.list();
  check('lists.list shows the list', res.data.lists.some(l => l.list_id === listId && l.title === 'Compat list'),
        res.data);

  // contacts: single and bulk upserts
  res = await autopilot.contacts.upsert({ FirstName: 'Bob', LastName: 'Barker', Email: 'bob@priceisright.com' });
  const bobId = res.data.contact_id;
  check('contacts.upsert(object) returns a person_ id', /^person_/.test(bobId || ''), res.data);
  const people = [];
  for (let i = 0; i < 150; i++) {
    people.push({ Email: `person${i}@example.com`, FirstName: `P${i}`, _autopilot_list: listId,
                  custom: { 'string--Loyalty--Tier': i % 2 ? 'gold' : 'silver', 'integer--Orders': i } });
  }
  res = await autopilot.contacts.upsert(people.slice(0, 100));
  check('contacts.upsert(array of 100) returns contact_ids and email_contact_map',
        res.data.contact_ids.length === 100 && Object.keys(res.data.email_contact_map).length === 100);
  res = await autopilot.contacts.upsert(people.slice(100));
  check('a second bulk call of 50', res.data.contact_ids.length === 50);
  check('bulk of 101 is rejected with 400', await statusOf(autopilot.contacts.upsert(people.concat(people).slice(0, 101))) === 400);

  // contacts: reads
  res = await autopilot.contacts.get('bob@priceisright.com');
  check('contacts.get by email', res.data.contact_id === bobId && res.data.Name === 'Bob Barker', res.data);
  res = await autopilot.contacts.get('person7@example.com');
  const p7 = res.data;
  check('custom fields read back typed', p7.custom_fields.some(f => f.kind === 'Loyalty Tier' && f.value === 'gold' &&
        f.fieldType === 'string') && p7.custom_fields.some(f => f.kind === 'Orders' && f.value === 7), p7.custom_fields);
  check('_autopilot_list put the contact on the list', p7.lists.includes(listId), p7.lists);
  res = await autopilot.contacts.fields();
  check('contacts.fields lists the custom fields', Array.isArray(res.data) &&
        res.data.map(f => f.name).sort().join(',') === 'Loyalty Tier,Orders', res.data);

  // contacts: paging through everything with bookmarks
  let seen = [];
  res = await autopilot.contacts.list();
  check('contacts.list first page: 100 of 151', res.data.contacts.length === 100 && res.data.total_contacts === 151);
  seen = seen.concat(res.data.contacts.map(c => c.contact_id));
  res = await autopilot.contacts.list(res.data.bookmark);
  seen = seen.concat(res.data.contacts.map(c => c.contact_id));
  check('contacts.list(bookmark): the last page has no bookmark', res.data.contacts.length === 51 &&
        res.data.bookmark === undefined, res.data.bookmark);
  check('paging saw every contact once', new Set(seen).size === 151);

  // lists: roster and membership
  res = await autopilot.lists.roster(listId);
  check('lists.roster pages the list', res.data.total_contacts === 150 && res.data.contacts.length === 100 &&
        typeof res.data.bookmark === 'string');
  res = await autopilot.lists.roster(listId, res.data.bookmark);
  check('lists.roster(bookmark) ends', res.data.contacts.length === 50 && res.data.bookmark === undefined);
  check('lists.has of a non-member is rejected with 404',
        await statusOf(autopilot.lists.has(listId, 'bob@priceisright.com')) === 404);
  res = await autopilot.lists.add(listId, 'bob@priceisright.com');
  check('lists.add', res.status === 200);
  res = await autopilot.lists.has(listId, bobId);
  check('lists.has of a member', res.status === 200);
  res = await autopilot.lists.remove(listId, 'bob@priceisright.com');
  check('lists.remove', res.status === 200);
  check('lists.has after remove is 404', await statusOf(autopilot.lists.has(listId, bobId)) === 404);

  // unsubscribe and delete
  res = await autopilot.contacts.unsubscribe('person3@example.com');
  check('contacts.unsubscribe', res.status === 200);
  res = await autopilot.contacts.get('person3@example.com');
  check('the contact reads back unsubscribed', res.data.unsubscribed === true, res.data);
  res = await autopilot.contacts.delete(bobId);
  check('contacts.delete answers 2xx', res.status >= 200 && res.status < 300, res.status);
  check('a deleted contact is 404', await statusOf(autopilot.contacts.get(bobId)) === 404);

  // journeys, smart segments, hooks
  res = await autopilot.journeys.list();
  const trigger = res.data.triggers[0];
  check('journeys.list', trigger && typeof trigger.trigger_id === 'string' && typeof trigger.journey === 'string',
        res.data);
  res = await autopilot.journeys.add(trigger.trigger_id, 'person4@example.com');
  check('journeys.add', res.status === 200);
  res = await autopilot.smartSegments.list();
  check('smartSegments.list', Array.isArray(res.data.segments));
  res = await autopilot.restHooks.register('contact_added', 'http://127.0.0.1:9/hook');
  const hookId = res.data.hook_id;
  check('restHooks.register answers 201 with hook_id', res.status === 201 && /^hook_/.test(hookId || ''), res.data);
  res = await autopilot.restHooks.list();
  check('restHooks.list', res.data.hooks.some(h => h.hook_id === hookId && h.event === 'contact_added'), res.data);
  res = await autopilot.restHooks.unregister(hookId);
  check('restHooks.unregister', res.status === 200);
  res = await autopilot.restHooks.deleteAll();
  check('restHooks.deleteAll', res.status === 200);

  // the callback style of the client
  await new Promise(resolve => {
    autopilot.contacts.get('nobody@example.com', (err, response) => {
      check('callback style: an error carries the status', err && err.message === '404' && response.status === 404);
      resolve();
    });
  });
}

main().then(() => process.exit(failures ? 1 : 0), err => {
  console.log(`FAIL the client run threw: ${err.message}`);
  if (err.response) console.log(`DIAG ${err.response.status} ${JSON.stringify(err.response.data)}`);
  process.exit(1);
});
