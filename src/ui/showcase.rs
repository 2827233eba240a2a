//! One product as a shopper sees it: the chosen image large on a fixed-ratio
//! stage (mixed aspect ratios never leave ragged gaps), every image as a
//! thumbnail below it, the name and description beside it. Plain HTML that
//! works without script (a thumbnail is a link to `?image={id}`, the stage a
//! link to the largest rendition); `public/gallery.js` makes thumbnails swap
//! the stage in place and the stage open a lightbox. Each thumbnail carries
//! what the script needs to show its image (`data-*`), so no request is made
//! for it.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::model::{GalleryDto, PublicImageDto, VariantDto};

/// Layout width of the stage, for the browser's choice from `srcset`: the
/// whole width on phones, the stage column's width on wider screens.
const STAGE_SIZES: &str = "(max-width: 860px) 100vw, 720px";

fn srcset(variants: &[&VariantDto]) -> String {
    variants
        .iter()
        .map(|v| format!("{} {}w", v.url, v.width))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An image's renditions by format, narrowest first: WebP (every browser) and AVIF
/// (offered first where the server made it).
struct Renditions<'a> {
    webp: Vec<&'a VariantDto>,
    avif: Vec<&'a VariantDto>,
}

impl<'a> Renditions<'a> {
    fn of(img: &'a PublicImageDto) -> Self {
        let (avif, webp) = img.variants.iter().partition(|v| v.format == "avif");
        Self { webp, avif }
    }

    fn largest(&self) -> Option<&'a VariantDto> {
        self.webp.last().copied()
    }

    /// The stage's default `src`: 800 wide where there is one.
    fn medium(&self) -> Option<&'a VariantDto> {
        self.webp.iter().find(|v| v.width >= 800).copied().or(self.largest())
    }

    /// Intrinsic size for `width`/`height` (the aspect ratio before pixels arrive).
    fn size(&self) -> (i64, i64) {
        self.largest().map(|v| (v.width, v.height)).unwrap_or((4, 3))
    }
}

#[component]
pub fn Showcase(gallery: GalleryDto, index: usize) -> impl IntoView {
    let GalleryDto { product, images } = gallery;
    let count = images.len();
    let stage = images
        .get(index)
        .map(|img| view! { <Stage img=img.clone() index count/> });
    let empty = images
        .is_empty()
        .then(|| view! { <p class="empty">"No images yet."</p> });
    let thumbs = images
        .iter()
        .enumerate()
        .map(|(i, img)| view! { <Thumb img=img.clone() i count chosen=i == index/> })
        .collect_view();
    let images_text = if count == 1 {
        "1 image".to_string()
    } else {
        format!("{count} images")
    };
    view! {
        <Title text=format!("{} · Vitrine", product.name)/>
        <article class="showcase" data-gallery>
            <div class="stage-column">
                {stage}
                {empty}
                // One image needs no strip (CSS hides it; the script still reads it).
                <ul class="thumbs" class:single=count == 1 aria-label="Gallery">{thumbs}</ul>
            </div>
            <div class="info">
                <h1>{product.name}</h1>
                <p class="description">{product.description}</p>
                <p class="muted">{images_text}</p>
            </div>
        </article>
    }
    .into_any()
}

/// The chosen image, large. Its pixels are asked for early (`fetchpriority`):
/// it is what the visitor came for.
#[component]
fn Stage(img: PublicImageDto, index: usize, count: usize) -> impl IntoView {
    let r = Renditions::of(&img);
    let (w, h) = r.size();
    let avif = (!r.avif.is_empty()).then(|| {
        view! { <source type="image/avif" srcset=srcset(&r.avif) sizes=STAGE_SIZES/> }
    });
    let caption = [img.title.as_str(), img.description.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" — ");
    let no_caption = caption.is_empty();
    view! {
        <figure class="stage">
            <a class="stage-open" href=r.largest().map(|v| v.url.clone())
                aria-label=format!("Open image {} of {count} full size", index + 1)>
                <picture>
                    {avif}
                    <img
                        src=r.medium().map(|v| v.url.clone())
                        srcset=srcset(&r.webp)
                        sizes=STAGE_SIZES
                        width=w
                        height=h
                        alt=img.alt.clone()
                        loading="eager"
                        fetchpriority="high"
                        decoding="async"
                        data-thumbhash=img.thumbhash.clone()
                    />
                </picture>
            </a>
            <figcaption class:empty=no_caption>{caption}</figcaption>
        </figure>
    }
    .into_any()
}

/// A thumbnail: a link to the page with its image on the stage, carrying what
/// the script needs to show it without a request.
#[component]
fn Thumb(img: PublicImageDto, i: usize, count: usize, chosen: bool) -> impl IntoView {
    let r = Renditions::of(&img);
    let (w, h) = r.size();
    let small = r.webp.first().map(|v| v.url.clone());
    let avif = (!r.avif.is_empty()).then(|| srcset(&r.avif));
    view! {
        <li>
            <a
                class="thumb"
                href=format!("?image={}", img.id)
                aria-label=format!("Show image {} of {count}", i + 1)
                aria-current=chosen.then_some("true")
                data-id=img.id.to_string()
                data-srcset=srcset(&r.webp)
                data-avif=avif
                data-title=(!img.title.is_empty()).then(|| img.title.clone())
                data-description=(!img.description.is_empty()).then(|| img.description.clone())
            >
                <img src=small alt=img.alt.clone() width=w height=h loading="lazy" decoding="async"
                    data-thumbhash=img.thumbhash.clone()/>
            </a>
        </li>
    }
    .into_any()
}
