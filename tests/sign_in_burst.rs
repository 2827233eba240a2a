//! Sign-in under a burst of guesses: the password checks it costs are bounded,
//! memory stays near idle and comes back, and the owner signing in from
//! another address gets in meanwhile. One test at a time in this binary, so
//! the process's memory is this test's alone.

mod common;

use std::{net::IpAddr, time::Duration};

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestApp};
use serde_json::json;
use vitrine::server::web::session::SESSION_COOKIE;

const MIB: u64 = 1 << 20;
/// What may stay resident after the burst: one argon2 buffer (19 MiB) plus slack.
/// Usually 1–3 MiB stay; in about a third of runs one 19 MiB block stays although
/// `malloc_trim` runs after every check (cause not found yet, see the closing note).
const RETAINED_AFTER: u64 = 24 * MIB;

/// A field of /proc/self/status in bytes (VmRSS now, VmHWM the peak).
fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with(field)).expect("field");
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Starts a new peak (VmHWM) measurement from the current RSS.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset peak RSS");
}

/// A browser-like client connecting from its own loopback address.
fn client_from(app: &TestApp, addr: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, app.url.parse().unwrap());
    reqwest::Client::builder()
        .local_address(addr.parse::<IpAddr>().unwrap())
        .default_headers(headers)
        .build()
        .unwrap()
}

#[test]
fn a_burst_of_guesses_is_bounded_and_the_owner_still_signs_in() {
    // The server's allocator settings, as `vitrine serve` sets them before any thread.
    vitrine::imaging::tune_malloc();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        rt.block_on(burst(backend));
    }
}

async fn burst(backend: Backend) {
    // Arrange: the app idles after its own first sign-in.
    let app = TestApp::spawn(backend).await;
    let attacker = client_from(&app, "127.0.0.3");
    let owner = client_from(&app, "127.0.0.2");
    let login = format!("{}/api/login", app.url);
    tokio::time::sleep(Duration::from_millis(300)).await;
    vitrine::imaging::release_memory();
    let idle = proc_status("VmRSS:");
    reset_peak();
    let checks_before = app.state.sign_in_limits.checks_done();

    // Act: 50 wrong passwords at once, and the owner signing in from elsewhere meanwhile.
    let guesses = (0..50).map(|_| {
        attacker
            .post(&login)
            .json(&json!({ "email": ADMIN_EMAIL, "password": "a wrong guess, again" }))
            .send()
    });
    let owner_signs_in = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        owner
            .post(&login)
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap()
    };
    let (answers, owner_res) = tokio::join!(futures::future::join_all(guesses), owner_signs_in);
    // …and the attacker goes on, one guess after another.
    let mut later = Vec::new();
    for _ in 0..10 {
        let res = attacker
            .post(&login)
            .json(&json!({ "email": ADMIN_EMAIL, "password": "a wrong guess, again" }))
            .send()
            .await
            .unwrap();
        later.push(res.status().as_u16());
    }
    let peak = proc_status("VmHWM:");
    let checks = app.state.sign_in_limits.checks_done() - checks_before;

    eprintln!(
        "{backend:?}: {checks} password checks; RSS idle {} MiB, peak {} MiB",
        idle / MIB,
        peak / MIB
    );

    // Assert
    let statuses: Vec<u16> = answers.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
    assert!(later.iter().all(|s| [401, 429].contains(s)), "{later:?}");
    assert!(
        later.iter().rev().take(5).all(|s| *s == 429),
        "the guesser is slowed: {later:?}"
    );
    assert_eq!(owner_res.status(), 200, "the owner gets in during the attack");
    assert!(
        owner_res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with(SESSION_COOKIE),
        "the owner gets a session"
    );
    // 3 free failures for the guessing pair, plus the owner's one check.
    assert!(checks <= 4, "{checks} password checks for 60 guesses and one sign-in");
    assert!(
        peak <= idle + 64 * MIB,
        "peak RSS {} MiB over idle {} MiB",
        peak / MIB,
        idle / MIB
    );
    // The clients live in this process too: close their connections (and the
    // server's side of them) so what remains is the server's own memory.
    drop((attacker, owner));
    let mut after = proc_status("VmRSS:");
    let mut waited = Duration::ZERO;
    while after > idle + RETAINED_AFTER && waited < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        waited += Duration::from_millis(250);
        after = proc_status("VmRSS:");
    }
    eprintln!("{backend:?}: RSS {} MiB {waited:?} after the burst", after / MIB);
    assert!(
        after <= idle + RETAINED_AFTER,
        "RSS {} MiB five seconds after the burst, idle was {} MiB",
        after / MIB,
        idle / MIB
    );
}
