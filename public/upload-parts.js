// Big files in parts (S3 multipart), for the upload worker: a job whose
// ticket carries a part plan sends its missing parts, PART_PARALLEL at a time.
// Each part is digested (the URL binds its SHA-256), signed by the server on
// demand, and retried on its own; progress counts stored parts plus the bytes
// of those on their way. The job ends like a single PUT: verified, failed or
// aborted.
'use strict';

const PART_PARALLEL = 4;
const PART_TRIES = 4;
const PART_BACKOFF_MS = 300;

function startParts(job) {
  const plan = job.multipart;
  const size = job.file.size;
  const partLen = (n) => Math.min(plan.part_size, size - (n - 1) * plan.part_size);
  const todo = [];
  let stored = 0;
  for (let n = 1; n <= plan.parts; n++) {
    if (plan.done.includes(n)) stored += partLen(n);
    else todo.push(n);
  }
  const inflight = new Map();
  let stopped = false;
  let ended = false;
  let last = 0;
  const end = (msg) => {
    if (ended) return;
    ended = true;
    running.delete(job.id);
    pump();
    report(msg);
  };
  const halt = () => {
    stopped = true;
    for (const slot of inflight.values()) slot.xhr?.abort();
  };
  running.set(job.id, { abort: () => { halt(); end({ type: 'aborted', id: job.id }); } });
  report({ type: 'started', id: job.id });
  const progress = () => {
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    let loaded = stored;
    for (const slot of inflight.values()) loaded += slot.loaded;
    report({ type: 'progress', id: job.id, loaded });
  };
  const lane = async () => {
    while (!stopped && todo.length > 0) {
      const n = todo.shift();
      const slot = { xhr: null, loaded: 0 };
      inflight.set(n, slot);
      const ok = await sendPart(job, n, partLen(n), slot, progress, () => stopped);
      inflight.delete(n);
      if (!ok) {
        halt();
        return false;
      }
      stored += partLen(n);
    }
    return !stopped;
  };
  const lanes = Math.max(1, Math.min(PART_PARALLEL, todo.length));
  Promise.all(Array.from({ length: lanes }, lane)).then((results) => {
    if (ended) return;
    if (!results.every(Boolean)) {
      end({ type: 'failed', id: job.id });
      return;
    }
    // Every part is stored: the server joins them when it verifies the file.
    ended = true;
    running.delete(job.id);
    verifying += 1;
    pump();
    verify(job, 200);
  });
}

// Digests, signs and PUTs part `n`; false when it cannot be stored.
async function sendPart(job, n, len, slot, progress, stopped) {
  const from = (n - 1) * job.multipart.part_size;
  const blob = job.file.slice(from, from + len);
  let sha256;
  try {
    sha256 = hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  } catch {
    return false;
  }
  for (let attempt = 1; attempt <= PART_TRIES; attempt++) {
    if (stopped()) return false;
    let ticket = null;
    try {
      const res = await fetch(job.parts_url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ image_id: job.image_id, parts: [{ number: n, sha256 }] }),
      });
      // A refusal (the upload was cancelled or finished) will not change on retry.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) return false;
      if (res.ok) ticket = (await res.json())[0] ?? null;
    } catch {
      // Network trouble: retried below.
    }
    if (ticket) {
      const status = await putPart(ticket, blob, slot, progress);
      if (status >= 200 && status < 300) return true;
      if (status === -1) return false;
    }
    slot.loaded = 0;
    await new Promise((r) => setTimeout(r, PART_BACKOFF_MS << (attempt - 1)));
  }
  return false;
}

// The HTTP status of one part's PUT, 0 for a network error, -1 when aborted.
function putPart(ticket, blob, slot, progress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    slot.xhr = xhr;
    xhr.open('PUT', ticket.url);
    for (const [name, value] of ticket.headers) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        slot.loaded = e.loaded;
        progress();
      }
    };
    xhr.onload = () => resolve(xhr.status);
    xhr.onerror = () => resolve(0);
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => resolve(-1);
    xhr.send(blob);
  });
}
