//! The compare view of one image: the original and a chosen variant in the
//! same box at the same displayed size, a slider moving the line between
//! them, and a table of every version with format, pixels, exact bytes and
//! the true saving. It opens as a modal dialog (one per page) and loads
//! nothing until then (the original may be many megabytes).

use leptos::{html, prelude::*};

use super::page_state::ProductPageState;
use crate::{
    model::{ImageDto, VariantDto},
    validate::{ImageType, human_bytes},
};

fn format_name(content_type: &str) -> &'static str {
    match ImageType::parse(content_type) {
        Ok(ImageType::Jpeg) => "JPEG",
        Ok(ImageType::Png) => "PNG",
        Ok(ImageType::Webp) => "WebP",
        Ok(ImageType::Gif) => "GIF",
        Ok(ImageType::Avif) => "AVIF",
        Err(_) => "?",
    }
}

fn variant_format(v: &VariantDto) -> &'static str {
    if v.format == "avif" { "AVIF" } else { "WebP" }
}

/// `1234567` → "1,234,567 bytes": the exact figure, readable.
fn exact_bytes(n: i64) -> String {
    let digits = n.max(0).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} bytes")
}

/// How much smaller (or larger) a version is than the original, never rounded
/// into a false "100% smaller": past 99 % it says how many times smaller.
pub fn saving(original: i64, version: i64) -> String {
    let (original, version) = (original.max(1) as f64, version.max(1) as f64);
    let pct = 100.0 - version * 100.0 / original;
    if pct >= 99.0 {
        format!("{:.0}× smaller", original / version)
    } else if pct >= 0.0 {
        format!("{pct:.0}% smaller")
    } else {
        format!("{:.0}% larger", -pct)
    }
}

/// The button on a gallery card that opens the compare view of its image.
#[component]
pub fn Compare(img: ImageDto) -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    let label = format!("Compare {}", img.original_filename);
    view! {
        <button type="button" class="link" aria-label=label on:click=move |_| page.comparing.set(Some(img.clone()))>
            "Compare versions"
        </button>
    }
}

/// The page's one compare dialog, outside the gallery: cards come and go and
/// the gallery's Suspense moves the grid out of the page and back, and a modal
/// dialog inside a card fell out of the top layer with it (drawn in its card).
#[component]
pub fn CompareDialog() -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let wanted = page.comparing.with(Option::is_some);
        if let Some(d) = dialog.get() {
            match (wanted, d.open()) {
                (true, false) => {
                    let _ = d.show_modal();
                }
                (false, true) => d.close(),
                _ => {}
            }
        }
    });
    let title = move || {
        page.comparing
            .with(|i| i.as_ref().map(|i| format!("Compare {}", i.original_filename)))
            .unwrap_or_default()
    };
    view! {
        <dialog class="compare-view" node_ref=dialog aria-label=title on:close=move |_| page.comparing.set(None)>
            <header>
                <h2>{title}</h2>
                <button type="button" on:click=move |_| page.comparing.set(None)>"Close"</button>
            </header>
            {move || page.comparing.get().map(|img| view! { <Versions img/> })}
        </dialog>
    }
}

#[component]
fn Versions(img: ImageDto) -> impl IntoView {
    let name = img.original_filename.clone();
    let variants = img.variants.clone();
    // The 800-wide WebP first: the size a shopper's screen mostly gets.
    let first = variants
        .iter()
        .position(|v| v.format == "webp" && v.width >= 800)
        .unwrap_or(0);
    let chosen = RwSignal::new(first);
    let split = RwSignal::new(50.0_f64);
    let (w, h) = (img.width.unwrap_or(4), img.height.unwrap_or(3));
    let dims = match (img.width, img.height) {
        (Some(w), Some(h)) => format!("{w}×{h}"),
        _ => "?".into(),
    };
    let original_format = format_name(&img.content_type);
    // Signed when the view opens: listings carry no original URLs.
    let original = LocalResource::new({
        let id = img.id;
        move || crate::api::original_url(id)
    });
    let original_src = move || original.get().and_then(Result::ok);
    let shown = Memo::new({
        let variants = variants.clone();
        move |_| variants.get(chosen.get()).cloned()
    });
    let shown_label = Memo::new(move |_| {
        shown
            .get()
            .map(|v| format!("{} {}", variant_format(&v), v.width))
            .unwrap_or_default()
    });
    let over_alt = {
        let name = name.clone();
        move || format!("{} of {name}", shown_label.get())
    };
    let rows = variants
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, v)| {
            let label = format!("{} {}×{}", variant_format(&v), v.width, v.height);
            view! {
                <tr>
                    <th scope="row">{format!("{} {}", variant_format(&v), v.width)}</th>
                    <td>{variant_format(&v)}</td>
                    <td>{format!("{}×{}", v.width, v.height)}</td>
                    <td>{exact_bytes(v.byte_size)} <span class="muted">{format!(" ({})", human_bytes(v.byte_size as u64))}</span></td>
                    <td>{saving(img.byte_size, v.byte_size)}</td>
                    <td>
                        <button type="button" aria-pressed=move || (chosen.get() == i).to_string()
                            aria-label=format!("Compare with {label}") on:click=move |_| chosen.set(i)>
                            "Show"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
           <div class="compare-stage" style:aspect-ratio=format!("{w} / {h}")>
               <img src=original_src alt=format!("Original of {name}") width=w height=h/>
               <img class="over" src=move || shown.get().map(|v| v.url) alt=over_alt
                   width=w height=h style:clip-path=move || format!("inset(0 0 0 {}%)", split.get())/>
               <span class="seam" style:left=move || format!("{}%", split.get())></span>
            <span class="tag left">"Original"</span>
               <span class="tag right">{shown_label}</span>
           </div>
           <label class="split">
               "Compare position"
               <input type="range" min="0" max="100" step="1" prop:value=move || split.get()
                   on:input=move |ev| split.set(event_target_value(&ev).parse().unwrap_or(50.0))/>
           </label>
    <div class="versions-wrap">
           <table class="versions" aria-label=format!("Versions of {name}")>
               <thead>
                   <tr><th scope="col">"Version"</th><th scope="col">"Format"</th><th scope="col">"Pixels"</th>
                       <th scope="col">"Size"</th><th scope="col">"Saving"</th><th scope="col"><span class="sr-only">"Compare"</span></th></tr>
               </thead>
               <tbody>
                   <tr>
                       <th scope="row">"Original"</th>
                       <td>{original_format}</td>
                       <td>{dims}</td>
                       <td>{exact_bytes(img.byte_size)} <span class="muted">{format!(" ({})", human_bytes(img.byte_size as u64))}</span></td>
                       <td>"—"</td>
                       <td>{move || original_src().map(|u| view! { <a href=u target="_blank" rel="noopener">"Open"</a> })}</td>
                   </tr>
                   {rows}
               </tbody>
           </table>
           </div>
       }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savings_are_true_figures() {
        assert_eq!(saving(1000, 400), "60% smaller");
        assert_eq!(saving(1_000_000, 4_000), "250× smaller", "not '100% smaller'");
        assert_eq!(saving(1000, 1500), "50% larger");
        assert_eq!(saving(1000, 1000), "0% smaller");
    }

    #[test]
    fn exact_bytes_are_grouped() {
        assert_eq!(exact_bytes(0), "0 bytes");
        assert_eq!(exact_bytes(999), "999 bytes");
        assert_eq!(exact_bytes(1_234_567), "1,234,567 bytes");
    }
}
