// Vitrine's upload transfers, off the page's main thread: the page hands over
// each file with its presigned URL and headers; this worker keeps `parallel`
// PUTs running, so page rendering never delays the next transfer. When a PUT
// stores its file, the worker frees the slot and then asks the server to
// verify it (the page's `complete` request, sent as given), so the page's main
// thread only hears the outcome. It reports start, progress (at most every
// 250 ms per file), the HTTP status with the verification's answer, or a
// network error. Retry and renewal stay with the page. It also computes each
// file's SHA-256 before its ticket is asked for (the ticket binds it).
'use strict';

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
  // Waiting would cost time the wire feels: a digest while the transfers are
  // short of files (its ticket is asked for next), or the last report of a
  // batch (the page shows it as done).
  const starving = msg.type === 'hashed' && queue.length < parallel;
  const idle = running.size === 0 && queue.length === 0 && verifying === 0;
  if (starving || idle) flush();
  else if (!flushTimer) flushTimer = setTimeout(flush, REPORT_EVERY_MS);
}

function pump() {
  while (running.size < parallel && queue.length > 0) {
    start(queue.shift());
  }
}

function start(job) {
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

async function verify(job, status) {
  let msg;
  try {
    const res = await fetch(job.complete.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: job.complete.body,
    });
    msg = { type: 'verified', id: job.id, status, answer: res.status, body: await res.text() };
  } catch {
    // The page verifies it itself.
    msg = { type: 'done', id: job.id, status };
  }
  verifying -= 1;
  report(msg);
}

// Digests, two files at a time (each read whole: WebCrypto has no streaming
// digest), in the order asked, so tickets can be asked for in that order.
const HASHING = 2;
const toHash = [];
let hashingNow = 0;
function hash(job) {
  toHash.push(job);
  while (hashingNow < HASHING && toHash.length > 0) digestNext(toHash.shift());
}

async function digestNext(job) {
  hashingNow += 1;
  let sha256 = null;
  try {
    const digest = await crypto.subtle.digest('SHA-256', await job.file.arrayBuffer());
    sha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  } catch {
    // No WebCrypto (plain http on another host): the upload goes on unbound.
  }
  hashingNow -= 1;
  report({ type: 'hashed', id: job.id, sha256 });
  if (toHash.length > 0) digestNext(toHash.shift());
}

self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'hash') {
    hash(msg);
  } else if (msg.type === 'put') {
    queue.push(msg);
    pump();
  } else if (msg.type === 'abort') {
    const i = queue.findIndex((j) => j.id === msg.id);
    if (i >= 0) {
      queue.splice(i, 1);
      report({ type: 'aborted', id: msg.id });
    }
    running.get(msg.id)?.abort();
  } else if (msg.type === 'parallel') {
    parallel = Math.max(1, msg.n);
    pump();
  }
};
