// A product's gallery for visitors (plain HTML, no WASM): choosing a thumbnail
// shows its image on the stage; the stage opens a lightbox (previous/next with
// buttons, arrow keys and swipes; Escape or Close ends it, focus returns to
// where it was). The address follows: `?image={id}` names the image on the
// stage, `&view=full` the open lightbox, so either can be shared. The lightbox
// asks for the largest rendition only when it opens. Without this script the
// same links still work (each thumbnail is a page, the stage links its image).
'use strict';

(() => {
  const root = document.querySelector('[data-gallery]');
  const stage = root?.querySelector('a.stage-open');
  if (!stage) return;
  const thumbs = Array.from(root.querySelectorAll('a.thumb'));
  const stageImg = stage.querySelector('img');
  const caption = root.querySelector('.stage figcaption');
  let current = Math.max(0, thumbs.findIndex((t) => t.getAttribute('aria-current') === 'true'));

  // Placeholders go once the pixels are in: a ThumbHash's ratio is only close
  // to the image's, and its edges would show beside a contained picture.
  const settle = (img) => {
    const clear = () => { img.style.backgroundImage = ''; };
    img.addEventListener('load', clear);
    if (img.complete && img.naturalWidth) clear();
  };
  settle(stageImg);

  const widest = (srcset) => (srcset || '').split(', ').pop().split(' ')[0];
  const text = (t) => [t.dataset.title, t.dataset.description].filter(Boolean).join(' — ');

  function address(view) {
    const url = new URL(location.href);
    url.searchParams.set('image', thumbs[current].dataset.id);
    if (view) url.searchParams.set('view', view);
    else url.searchParams.delete('view');
    history.replaceState(null, '', url);
  }

  /** Puts image `i` on the stage (the placeholder first, from its thumbnail). */
  function show(i) {
    const t = thumbs[i];
    const img = t.querySelector('img');
    thumbs[current].removeAttribute('aria-current');
    t.setAttribute('aria-current', 'true');
    current = i;
    stageImg.style.backgroundImage = img.style.backgroundImage;
    stageImg.setAttribute('width', img.getAttribute('width'));
    stageImg.setAttribute('height', img.getAttribute('height'));
    stageImg.alt = img.alt;
    stageImg.srcset = t.dataset.srcset;
    stageImg.src = widest(t.dataset.srcset);
    const avif = stage.querySelector('source');
    if (avif) avif.srcset = t.dataset.avif || '';
    stage.href = widest(t.dataset.srcset);
    stage.setAttribute('aria-label', `Open image ${i + 1} of ${thumbs.length} full size`);
    caption.textContent = text(t);
    caption.classList.toggle('empty', !caption.textContent);
  }

  for (const [i, t] of thumbs.entries()) {
    t.addEventListener('click', (e) => {
      e.preventDefault();
      show(i);
      address(null);
    });
  }

  // The lightbox, made once: a modal dialog keeps focus inside and the page inert.
  const box = document.createElement('dialog');
  box.className = 'lightbox';
  box.setAttribute('aria-label', 'Image viewer');
  box.innerHTML = `
    <figure><picture><source type="image/avif"><img alt=""></picture>
      <figcaption><span class="count"></span> <span class="text"></span></figcaption></figure>
    <button type="button" class="prev" aria-label="Previous image">‹</button>
    <button type="button" class="next" aria-label="Next image">›</button>
    <button type="button" class="close" aria-label="Close">×</button>`;
  document.body.append(box);
  const [boxSource, boxImg] = [box.querySelector('source'), box.querySelector('img')];
  // A press and move on the picture is a swipe, not a drag of the image file.
  boxImg.draggable = false;
  settle(boxImg);
  const buttons = Array.from(box.querySelectorAll('button'));
  let opener = null;

  function draw() {
    const t = thumbs[current];
    const img = t.querySelector('img');
    boxImg.style.backgroundImage = img.style.backgroundImage;
    boxSource.srcset = widest(t.dataset.avif);
    boxImg.setAttribute('width', img.getAttribute('width'));
    boxImg.setAttribute('height', img.getAttribute('height'));
    boxImg.alt = img.alt;
    boxImg.src = widest(t.dataset.srcset);
    box.querySelector('.count').textContent = `${current + 1} / ${thumbs.length}`;
    box.querySelector('.text').textContent = text(t);
    const alone = thumbs.length < 2;
    buttons[0].hidden = alone;
    buttons[1].hidden = alone;
  }

  function step(by) {
    show((current + by + thumbs.length) % thumbs.length);
    draw();
    address('full');
  }

  function open() {
    opener = document.activeElement;
    draw();
    box.showModal();
    buttons[2].focus();
    address('full');
  }

  stage.addEventListener('click', (e) => {
    e.preventDefault();
    open();
  });
  buttons[0].addEventListener('click', () => step(-1));
  buttons[1].addEventListener('click', () => step(1));
  buttons[2].addEventListener('click', () => box.close());
  box.addEventListener('close', () => {
    address(null);
    (opener && opener !== document.body ? opener : stage).focus();
  });
  // A click on the backdrop (outside the picture and buttons) closes it too.
  let swiped = false;
  box.addEventListener('click', (e) => {
    if (e.target === box && !swiped) box.close();
    swiped = false;
  });
  box.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') step(-1);
    else if (e.key === 'ArrowRight') step(1);
    else if (e.key === 'Tab') {
      // Focus stays among the viewer's own buttons.
      const shown = buttons.filter((b) => !b.hidden);
      const at = shown.indexOf(document.activeElement);
      const next = (at + (e.shiftKey ? -1 : 1) + shown.length) % shown.length;
      shown[next].focus();
    } else return;
    e.preventDefault();
  });
  // Swipes: a horizontal move of 40 px or more between press and release.
  let downX = null;
  box.addEventListener('pointerdown', (e) => { downX = e.clientX; });
  box.addEventListener('pointerup', (e) => {
    if (downX === null) return;
    const dx = e.clientX - downX;
    downX = null;
    swiped = Math.abs(dx) >= 40;
    if (swiped) step(dx < 0 ? 1 : -1);
  });

  if (new URL(location.href).searchParams.get('view') === 'full') open();
})();
