// Visitors' pages are plain HTML (no WASM). This draws each image's ThumbHash
// (`data-thumbhash`, ≈ 30 bytes of base64) as its background while the image
// loads, instead of the server sending a ≈ 2 KB PNG per image in the page.
// The decoder follows the ThumbHash reference (thumbhash crate, `thumb_hash_to_rgba`):
// the end-to-end suite compares its pixels with the server's PNG.
'use strict';

function thumbHashToRGBA(hash) {
  const { PI, max, cos, round } = Math;
  const header24 = hash[0] | (hash[1] << 8) | (hash[2] << 16);
  const header16 = hash[3] | (hash[4] << 8);
  const lDc = (header24 & 63) / 63;
  const pDc = ((header24 >> 6) & 63) / 31.5 - 1;
  const qDc = ((header24 >> 12) & 63) / 31.5 - 1;
  const lScale = ((header24 >> 18) & 31) / 31;
  const hasAlpha = header24 >> 23 !== 0;
  const pScale = ((header16 >> 3) & 63) / 63;
  const qScale = ((header16 >> 9) & 63) / 63;
  const isLandscape = header16 >> 15 !== 0;
  const lMax = hasAlpha ? 5 : 7;
  const lx = max(3, isLandscape ? lMax : header16 & 7);
  const ly = max(3, isLandscape ? header16 & 7 : lMax);
  const aDc = hasAlpha ? (hash[5] & 15) / 15 : 1;
  const aScale = hasAlpha ? (hash[5] >> 4) / 15 : 1;
  let at = hasAlpha ? 6 : 5;
  let nibble = 0;
  // Two 4-bit factors per byte, low nibble first.
  const channel = (nx, ny, scale) => {
    const ac = [];
    for (let cy = 0; cy < ny; cy++) {
      for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
        const bits = (hash[at] >> (nibble << 2)) & 15;
        if (nibble) at++;
        nibble ^= 1;
        ac.push((bits / 7.5 - 1) * scale);
      }
    }
    return ac;
  };
  const lAc = channel(lx, ly, lScale);
  const pAc = channel(3, 3, pScale * 1.25);
  const qAc = channel(3, 3, qScale * 1.25);
  const aAc = hasAlpha ? channel(5, 5, aScale) : [];
  const ratio = (isLandscape ? lMax : header16 & 7) / (isLandscape ? header16 & 7 : lMax);
  const w = ratio > 1 ? 32 : round(32 * ratio);
  const h = ratio > 1 ? round(32 / ratio) : 32;
  // Cosines per column and per row, computed once (not per pixel).
  const nx = max(lx, hasAlpha ? 5 : 3);
  const ny = max(ly, hasAlpha ? 5 : 3);
  const fxs = [];
  for (let x = 0; x < w; x++) for (let cx = 0; cx < nx; cx++) fxs.push(cos((PI / w) * (x + 0.5) * cx));
  const fys = [];
  for (let y = 0; y < h; y++) for (let cy = 0; cy < ny; cy++) fys.push(cos((PI / h) * (y + 0.5) * cy));
  const rgba = new Uint8ClampedArray(w * h * 4);
  const byte = (v) => Math.trunc(Math.min(1, Math.max(0, v)) * 255);
  for (let y = 0, i = 0; y < h; y++) {
    const fy = (cy) => fys[y * ny + cy] * 2;
    for (let x = 0; x < w; x++, i += 4) {
      const fx = (cx) => fxs[x * nx + cx];
      let l = lDc, p = pDc, q = qDc, a = aDc;
      for (let cy = 0, j = 0; cy < ly; cy++) {
        for (let cx = cy ? 0 : 1; cx * ly < lx * (ly - cy); cx++, j++) l += lAc[j] * fx(cx) * fy(cy);
      }
      for (let cy = 0, j = 0; cy < 3; cy++) {
        for (let cx = cy ? 0 : 1; cx < 3 - cy; cx++, j++) {
          const f = fx(cx) * fy(cy);
          p += pAc[j] * f;
          q += qAc[j] * f;
        }
      }
      if (hasAlpha) {
        for (let cy = 0, j = 0; cy < 5; cy++) {
          for (let cx = cy ? 0 : 1; cx < 5 - cy; cx++, j++) a += aAc[j] * fx(cx) * fy(cy);
        }
      }
      const b = l - (2 / 3) * p;
      const r = (3 * l - b + q) / 2;
      const g = r - q;
      rgba[i] = byte(r);
      rgba[i + 1] = byte(g);
      rgba[i + 2] = byte(b);
      rgba[i + 3] = byte(a);
    }
  }
  return { w, h, rgba };
}

function thumbHashToDataURL(base64) {
  const hash = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (hash.length < 5) return null;
  const { w, h, rgba } = thumbHashToRGBA(hash);
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d').putImageData(new ImageData(rgba, w, h), 0, 0);
  return canvas.toDataURL();
}

for (const img of document.querySelectorAll('img[data-thumbhash]')) {
  try {
    const url = thumbHashToDataURL(img.dataset.thumbhash);
    if (url) img.style.backgroundImage = `url(${url})`;
  } catch {
    // A malformed hash only costs its placeholder.
  }
}
