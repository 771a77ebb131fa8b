// peer_export.js: the export a user would otherwise write with the npm client autopilot-api:
// read the profiles CSV, normalise and deduplicate the emails, create the list, upsert the
// contacts in arrays of 100 (contacts.upsert), then add each to the list (lists.add), one call at
// a time, retrying a 429 after a second. No memory of earlier runs: every run sends everything.
// Usage: SIM_URL=... SIM_KEY=... node peer_export.js PROFILES.csv LIST_TITLE
// Prints one JSON line: {"contacts": N, "calls": N, "seconds": S}.
'use strict';
const fs = require('fs');
const Autopilot = require('autopilot-api');

const autopilot = new Autopilot(process.env.SIM_KEY, `${process.env.SIM_URL}/v1/`);
let calls = 0;

async function call(fn) {
  for (;;) {
    calls++;
    try {
      return await fn();
    } catch (err) {
      if (err.response && err.response.status === 429) {
        await new Promise(r => setTimeout(r, 1000));
        continue;
      }
      throw err;
    }
  }
}

function parseCsv(text) { // enough for the generated files: quoted fields with doubled quotes
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function main() {
  const t0 = process.hrtime.bigint();
  const rows = parseCsv(fs.readFileSync(process.argv[2], 'utf8'));
  const head = rows.shift();
  const col = name => head.indexOf(name);
  const seen = new Set();
  const contacts = [];
  for (const r of rows) {
    const email = (r[col('Email')] || '').trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(email) || seen.has(email)) continue;
    seen.add(email);
    contacts.push({ Email: email, FirstName: r[col('FirstName')], LastName: r[col('LastName')] });
  }
  const lists = await call(() => autopilot.lists.list());
  let list = lists.data.lists.find(l => l.title === process.argv[3]);
  const listId = list ? list.list_id : (await call(() => autopilot.lists.insert(process.argv[3]))).data.list_id;
  const ids = [];
  for (let i = 0; i < contacts.length; i += 100) {
    const res = await call(() => autopilot.contacts.upsert(contacts.slice(i, i + 100)));
    for (const c of contacts.slice(i, i + 100)) ids.push(res.data.email_contact_map[c.Email] || c.Email);
  }
  for (const id of ids) await call(() => autopilot.lists.add(listId, id));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ contacts: contacts.length, calls, seconds }));
}

main().catch(err => { console.error(err.message); process.exit(1); });
