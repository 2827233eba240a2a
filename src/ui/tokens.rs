//! `/admin/tokens`: the API tokens scripts use on the REST door. Create one
//! (its secret is shown once, here), see when each was last used, revoke.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::{CreateToken, RevokeToken, list_tokens},
    model::TokenDto,
};

/// A time from the schema (ms since the epoch) as `YYYY-MM-DD HH:MM UTC`: the
/// same text on the server and in the browser, so hydration matches.
fn utc(ms: i64) -> String {
    let (days, secs) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000) / 1000);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs / 3600, secs / 60 % 60)
}

#[component]
pub fn AdminTokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let name = NodeRef::<leptos::html::Input>::new();
    let scope = NodeRef::<leptos::html::Select>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(n), Some(s)) = (name.get(), scope.get()) {
            create.dispatch(CreateToken {
                name: n.value(),
                scope: s.value(),
            });
        }
    };
    let created = move || {
        create.value().get().map(|r| match r {
            Ok(c) => view! {
                <div class="secret" role="status">
                    <p>"Token “" {c.token.name} "” created. Copy its secret now: it is not shown again."</p>
                    <code aria-label="New token's secret">{c.secret}</code>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p role="alert" class="error">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <div class="title-row">
            <h1>"API tokens"</h1>
            <A href="/admin">"Products"</A>
        </div>
        <p class="muted">
            "Scripts and shop back-ends send a token as " <code>"Authorization: Bearer …"</code>
            " to the REST API at " <code>"/api/v1"</code> ". Read tokens list and read; write tokens also change."
        </p>
        <form class="create" on:submit=on_submit>
            <label>"Token name" <input node_ref=name name="name" required maxlength="120"/></label>
            <label>"Scope"
                <select node_ref=scope name="scope">
                    <option value="read">"Read"</option>
                    <option value="write">"Write"</option>
                </select>
            </label>
            <button type="submit" disabled=move || create.pending().get()>"Create token"</button>
        </form>
        {created}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"No tokens yet. Create one above for each script or system that needs the API."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="table-scroll"><table class="tokens">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Scope"</th><th scope="col">"Created"</th>
                                <th scope="col">"Last used"</th><th scope="col">"State"</th>
                            </tr></thead>
                            <tbody>{list.into_iter().map(|t| row(t, revoke)).collect_view()}</tbody>
                        </table></div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn row(t: TokenDto, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let id = t.id;
    let label = format!("Revoke {}", t.name);
    view! {
        <tr>
            <th scope="row">{t.name}</th>
            <td>{t.scope}</td>
            <td>{utc(t.created_at)}</td>
            <td>{t.last_used_at.map_or_else(|| "never".to_string(), utc)}</td>
            <td>{match t.revoked_at {
                Some(at) => format!("revoked {}", utc(at)).into_any(),
                None => view! {
                    "live "
                    <button type="button" aria-label=label on:click=move |_| { revoke.dispatch(RevokeToken { id }); }>"Revoke"</button>
                }.into_any(),
            }}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_796_231_045_000), "2026-12-02 17:04 UTC");
    }
}
