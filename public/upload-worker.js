// Vitrine's upload transfers, off the page's main thread. The page hands over
// a batch of files with what their tickets should say; this worker digests
// each file (the ticket binds its SHA-256), asks the server for tickets in
// file order as digests come in, and keeps `parallel` PUTs running, so page
// rendering never delays a ticket or the next transfer. When a PUT stores its
// file, the worker frees the slot and then asks the server to verify it. It
// reports each ticket or refusal, start, progress (at most every 250 ms per
// file), the HTTP status with the verification's answer, or a network error.
// Verification goes in batches: the files stored while one request runs go in the next.
// Retry and renewal stay with the page, which sends single PUTs for them.
'use strict';

// A streaming SHA-256 for files too big to read whole, and big files in parts.
importScripts('sha256.js', 'upload-parts.js');

// The page draws progress four times a second; more messages would only cost it CPU.
const PROGRESS_EVERY_MS = 250;
const queue = [];
const running = new Map();
// Completion requests on their way.
let verifying = 0;
let parallel = 4;

// Reports go out in batches: each message costs the page a task (≈ 1 ms of
// its main thread), and a batch of 40 files sends some 200 reports. A batch
// leaves at most REPORT_EVERY_MS after its first report (see `report` for
// what leaves at once).
const REPORT_EVERY_MS = 100;
let outbox = [];
let flushTimer = 0;

function flush() {
  clearTimeout(flushTimer);
  flushTimer = 0;
  const batch = outbox;
  outbox = [];
  if (batch.length > 0) self.postMessage(batch);
}

function report(msg) {
  outbox.push(msg);
  // The last report of a batch leaves at once: the page shows it as done.
  const idle = running.size === 0 && queue.length === 0 && verifying === 0 && unticketed.length === 0;
  if (idle) flush();
  else if (!flushTimer) flushTimer = setTimeout(flush, REPORT_EVERY_MS);
}

function pump() {
  while (running.size < parallel && queue.length > 0) {
    start(queue.shift());
  }
}

function start(job) {
  if (job.multipart) {
    startParts(job);
    return;
  }
  const xhr = new XMLHttpRequest();
  running.set(job.id, xhr);
  let last = 0;
  xhr.open('PUT', job.url);
  for (const [name, value] of job.headers) xhr.setRequestHeader(name, value);
  xhr.upload.onprogress = (e) => {
    const now = performance.now();
    if (e.lengthComputable && now - last >= PROGRESS_EVERY_MS) {
      last = now;
      report({ type: 'progress', id: job.id, loaded: e.loaded });
    }
  };
  const end = (msg) => {
    running.delete(job.id);
    pump();
    report(msg);
  };
  xhr.onload = () => {
    const status = xhr.status;
    const stored = (status >= 200 && status < 300) || status === 412;
    if (!stored || !job.complete) {
      end({ type: 'done', id: job.id, status });
      return;
    }
    running.delete(job.id);
    verifying += 1;
    pump();
    verify(job, status);
  };
  xhr.onerror = () => end({ type: 'failed', id: job.id });
  xhr.ontimeout = xhr.onerror;
  xhr.onabort = () => end({ type: 'aborted', id: job.id });
  report({ type: 'started', id: job.id });
  xhr.send(job.file);
}

// Completions: one request at a time, for every file stored while the previous
// one ran (at most COMPLETIONS_PER_REQUEST): a drop of 1,000 small files sends
// some tens of requests instead of 1,000, which the server and the browser's
// network threads would otherwise spend their time on beside the PUTs.
const COMPLETIONS_PER_REQUEST = 32;
const toVerify = [];
let completing = false;

function verify(job, status) {
  toVerify.push({ job, status });
  completeStored();
}

async function completeStored() {
  if (completing || toVerify.length === 0) return;
  const url = toVerify[0].job.complete.url;
  const chunk = [];
  while (chunk.length < COMPLETIONS_PER_REQUEST && toVerify[0]?.job.complete.url === url) chunk.push(toVerify.shift());
  completing = true;
  let answers = null;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ image_ids: chunk.map(({ job }) => job.complete.image_id) }),
    });
    if (res.ok) answers = await res.json();
  } catch {
    // Each file is verified by the page itself below.
  }
  completing = false;
  chunk.forEach(({ job, status }, i) => {
    const answer = Array.isArray(answers) ? answers[i] : null;
    verifying -= 1;
    if (answer && 'Ok' in answer) {
      report({ type: 'verified', id: job.id, status, answer: 200, body: JSON.stringify(answer.Ok) });
    } else if (answer && 'Err' in answer) {
      report({ type: 'verified', id: job.id, status, answer: 409, body: JSON.stringify(answer.Err) });
    } else {
      // No answer for it (network, or the request was refused whole): the page verifies it itself.
      report({ type: 'done', id: job.id, status });
    }
  });
  completeStored();
}

// Digests, two files at a time, in the order given. WebCrypto has no
// streaming digest, so a file above READ_WHOLE_MAX is digested in slices by
// the script's own SHA-256 (slower, but never the whole file in memory).
const HASHING = 2;
const READ_WHOLE_MAX = 16 * 1024 * 1024;
const SLICE = 4 * 1024 * 1024;

function hex(digest) {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function fileSha256(file) {
  if (file.size <= READ_WHOLE_MAX) return hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  const hasher = new Sha256();
  for (let at = 0; at < file.size; at += SLICE) {
    hasher.update(new Uint8Array(await file.slice(at, at + SLICE).arrayBuffer()));
  }
  return hasher.hex();
}
const toHash = [];
let hashingNow = 0;
function hash(job) {
  toHash.push(job);
  while (hashingNow < HASHING && toHash.length > 0) digestNext(toHash.shift());
}

async function digestNext(job) {
  hashingNow += 1;
  try {
    job.spec.sha256 = await fileSha256(job.file);
  } catch {
    // No WebCrypto (plain http on another host): the upload goes on unbound.
  }
  hashingNow -= 1;
  job.hashed = true;
  askTickets();
  if (toHash.length > 0) digestNext(toHash.shift());
}

// Tickets: one request at a time (the server places each batch after the
// last, so the gallery keeps the order the files were dropped in), for
// whatever is hashed when the previous one returns, in file order.
const TICKETS_PER_REQUEST = 32;
const unticketed = [];
let asking = false;

async function askTickets() {
  if (asking) return;
  const chunk = [];
  while (chunk.length < TICKETS_PER_REQUEST && unticketed[0]?.hashed
    && unticketed[0].begin.url === (chunk[0] ?? unticketed[0]).begin.url
    && unticketed[0].begin.product_id === (chunk[0] ?? unticketed[0]).begin.product_id) {
    chunk.push(unticketed.shift());
  }
  if (chunk.length === 0) return;
  asking = true;
  let status = 0;
  let body = '';
  try {
    const res = await fetch(chunk[0].begin.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ product_id: chunk[0].begin.product_id, files: chunk.map((j) => j.spec) }),
    });
    status = res.status;
    body = await res.text();
  } catch {
    // Reported as unanswered below.
  }
  asking = false;
  settleTickets(chunk, status, body);
  askTickets();
}

function settleTickets(chunk, status, body) {
  for (const job of chunk) waiting.delete(job.id);
  let batch = null;
  if (status === 200) {
    try { batch = JSON.parse(body); } catch { batch = null; }
  }
  if (!batch) {
    for (const job of chunk) report({ type: 'unticketed', id: job.id, status, body });
    return;
  }
  for (const ticket of batch.successful) {
    const job = chunk[ticket.index];
    if (!job) continue;
    report({ type: 'ticket', id: job.id, ticket, sha256: job.spec.sha256 ?? null });
    if (job.aborted) {
      // Cancelled while its ticket was on the way: the page forgets it on the server.
      report({ type: 'aborted', id: job.id });
      continue;
    }
    job.url = ticket.url;
    job.headers = ticket.headers;
    job.multipart = ticket.multipart ?? null;
    job.image_id = ticket.image_id;
    job.complete = { url: job.complete_url, image_id: ticket.image_id };
    queue.push(job);
  }
  for (const failure of batch.failed) {
    const job = chunk[failure.index];
    if (job) report({ type: 'refused', id: job.id, failure, sha256: job.spec.sha256 ?? null });
  }
  pump();
}

// Jobs of a batch from their arrival until their ticket request is answered.
const waiting = new Map();

// Stops a job wherever it is; the page hears `aborted` once it is out of the
// worker's hands (a job whose ticket is on the way hears it with the ticket,
// so the page can forget it on the server).
function abort(id) {
  const job = waiting.get(id);
  if (job) {
    job.aborted = true;
    const h = toHash.indexOf(job);
    if (h >= 0) toHash.splice(h, 1);
    const t = unticketed.indexOf(job);
    if (t >= 0) {
      unticketed.splice(t, 1);
      waiting.delete(id);
      report({ type: 'aborted', id });
    }
  }
  const i = queue.findIndex((j) => j.id === id);
  if (i >= 0) {
    queue.splice(i, 1);
    report({ type: 'aborted', id });
  }
  running.get(id)?.abort();
}

self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'batch') {
    // Every file gets a digest, then a ticket, then its PUT.
    for (const f of msg.files) {
      const job = {
        id: f.id, file: f.file, spec: f.spec, begin: msg.begin, complete_url: msg.complete_url,
        parts_url: msg.parts_url, hashed: false,
      };
      waiting.set(job.id, job);
      unticketed.push(job);
      hash(job);
    }
  } else if (msg.type === 'put') {
    msg.image_id = msg.complete.image_id;
    queue.push(msg);
    pump();
  } else if (msg.type === 'abort') {
    abort(msg.id);
  } else if (msg.type === 'parallel') {
    parallel = Math.max(1, msg.n);
    pump();
  }
};
