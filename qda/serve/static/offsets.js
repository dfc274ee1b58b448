// Offsets in the stored text are counted in code points (Python's str indices); a
// JavaScript string counts UTF-16 units, in which a character outside the Basic
// Multilingual Plane (an emoji, a historic script) is two. Every conversion between the
// two goes through these functions. Combining marks are code points of their own in
// both, so they need nothing special.
"use strict";
const QdaOffsets = (() => {
  // Code points in the first `units` UTF-16 units of `s`, rounding a position that falls
  // inside a surrogate pair forward (end of a selection) or back (start).
  function codePoints(s, units, roundUp) {
    let count = 0;
    let i = 0;
    while (i < units && i < s.length) {
      const c = s.charCodeAt(i);
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
        (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair && i + 1 === units && !roundUp) break;   // inside a pair, rounding back
      i += pair ? 2 : 1;
      count += 1;
    }
    return count;
  }

  // UTF-16 units of the first `points` code points of `s`.
  function units(s, points) {
    let i = 0;
    for (let n = 0; n < points && i < s.length; n++) {
      const c = s.charCodeAt(i);
      i += (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) ? 2 : 1;
    }
    return i;
  }

  // Length of `s` in code points.
  function length(s) { return codePoints(s, s.length, true); }

  // A DOM point (node, offset) inside a piece of text drawn by the reader (an element with
  // data-start, the code-point offset of its first character) -> offset in the stored text.
  function fromDom(node, offset, roundUp) {
    if (node.nodeType === Node.TEXT_NODE) {
      const piece = node.parentElement.closest("[data-start]");
      if (!piece || !piece.classList.contains("piece")) return null;
      return Number(piece.dataset.start) + codePoints(node.data, offset, roundUp);
    }
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    if (!el) return null;
    const child = el.childNodes[offset];
    if (child) {
      const first = child.nodeType === Node.ELEMENT_NODE
        ? (child.classList.contains("piece") ? child : child.querySelector(".piece")) : null;
      if (first) return Number(first.dataset.start);
      if (child.nodeType === Node.TEXT_NODE) return fromDom(child, 0, roundUp);
    }
    // after the last child: the end of the last piece inside el
    const pieces = el.querySelectorAll ? el.querySelectorAll(".piece") : [];
    const last = pieces.length ? pieces[pieces.length - 1]
      : (el.classList && el.classList.contains("piece") ? el : null);
    if (!last) return null;
    return Number(last.dataset.start) + length(last.textContent);
  }

  return { codePoints, units, length, fromDom };
})();
