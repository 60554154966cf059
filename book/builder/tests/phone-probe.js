// The phone probe of tests/browser.rs: loads chapters, one after the other,
// in an iframe the size of a phone's screen and writes what it measured into
// <pre id="out"> as JSON, for `chromium --dump-dom` to hand back.
//
// ?pages=ko/osi-model.html,en/socket.html  the pages (relative to the site root)
// &width=390&height=844                    the iframe's size (a phone's, in CSS px)
//
// For each page:
// - breaks: every place where a table cell's text goes on to a new line
//   without a space or <br> there (a word broken in two), as "before|after".
//   Each character's box comes from Range.getClientRects(); a character whose
//   box starts below the previous one's bottom starts a new line.
// - figures: for each zoomable figure (mdBook's <label class="checkbox-label">),
//   its width on the page and the smallest text in it at that width; then the
//   probe taps it (a click) and measures the opened copy the same way, checks
//   that the overlay lets the reader scroll to every part of it, and taps
//   again to close it. The text size is the SVG's own: the file is fetched,
//   drawn inline at the measured width, and each <text>'s font size
//   multiplied by its scale to the screen (getScreenCTM).
(function () {
    'use strict';
    const params = new URLSearchParams(location.search);
    const pages = params.get('pages').split(',');
    const width = +(params.get('width') || 390);
    const height = +(params.get('height') || 844);
    const out = document.getElementById('out');
    const frame = document.createElement('iframe');
    frame.style.cssText = 'width:' + width + 'px;height:' + height + 'px;border:0;display:block';
    document.body.appendChild(frame);
    const svgs = {};

    function wait(ms) {
        return new Promise(function (resolve) { setTimeout(resolve, ms); });
    }

    function load(url) {
        return new Promise(function (resolve) {
            frame.onload = function () { resolve(); };
            frame.src = url;
        });
    }

    // The width an image draws at: its box without padding and border.
    function contentWidth(win, el) {
        const s = win.getComputedStyle(el);
        return el.getBoundingClientRect().width
            - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)
            - parseFloat(s.borderLeftWidth) - parseFloat(s.borderRightWidth);
    }

    async function smallestText(src, w) {
        if (!svgs[src]) {
            const text = await (await fetch(src)).text();
            svgs[src] = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
        }
        const box = document.createElement('div');
        box.style.cssText = 'position:absolute;left:0;top:0;visibility:hidden;width:' + w + 'px';
        const svg = document.importNode(svgs[src], true);
        svg.setAttribute('width', String(w));
        svg.removeAttribute('height');
        svg.style.display = 'block';
        box.appendChild(svg);
        document.body.appendChild(box);
        let px = Infinity;
        let which = '';
        for (const t of svg.querySelectorAll('text, tspan')) {
            if (!t.textContent.trim()) {
                continue;
            }
            const m = t.getScreenCTM();
            const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
            if (size < px) {
                px = size;
                which = t.textContent.trim().slice(0, 40);
            }
        }
        box.remove();
        return { px: Math.round(px * 100) / 100, text: which };
    }

    // The box of characters [i, j) of a text node: one rect per line they
    // lie on.
    function rects(doc, node, i, j) {
        const range = doc.createRange();
        range.setStart(node, i);
        range.setEnd(node, j);
        return range.getClientRects();
    }

    // A word (a run without spaces) is measured whole: only one that lies
    // on more than one line is measured a character at a time, to find
    // where it breaks. A word that goes on into the next text node (an
    // inline element between) is checked at that node's first character.
    function cellBreaks(doc, cell) {
        const found = [];
        const walker = doc.createTreeWalker(cell, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
        let prev = null; // the box of the last character that has one
        let space = false; // a space or <br> since then
        let before = '';
        let node;
        // Character i of `node`, with `box`, follows `prev`: a break there?
        function step(s, i, box) {
            if (prev && box.top >= prev.bottom - 2 && !space) {
                found.push(before.slice(-16) + '|' + s.slice(i, i + 16));
            }
            prev = box;
            space = false;
        }
        while ((node = walker.nextNode())) {
            if (node.nodeType === 1) {
                if (node.tagName === 'BR') {
                    space = true;
                }
                continue;
            }
            const s = node.data;
            const words = /\S+|\s+/g;
            let m;
            while ((m = words.exec(s))) {
                const [i, j] = [m.index, m.index + m[0].length];
                if (/\s/.test(m[0][0])) {
                    space = true;
                    before += ' '.repeat(j - i);
                    continue;
                }
                const whole = rects(doc, node, i, j);
                const oneLine = whole.length > 0
                    && Array.prototype.every.call(whole, (r) => r.top < whole[0].bottom - 2);
                if (!oneLine) {
                    for (let k = i; k < j; k++) {
                        const box = rects(doc, node, k, k + 1)[0];
                        if (box) {
                            step(s, k, box);
                        }
                        before += s[k];
                    }
                    continue;
                }
                const first = rects(doc, node, i, i + 1)[0];
                if (first) {
                    step(s, i, first);
                }
                prev = rects(doc, node, j - 1, j)[0] || prev;
                before += m[0];
            }
        }
        return found;
    }

    async function measure(page) {
        await load(page);
        await wait(300);
        const doc = frame.contentDocument;
        const win = frame.contentWindow;
        const res = { page: page, cells: 0, breaks: [], figures: [] };
        for (const cell of doc.querySelectorAll('main td, main th')) {
            res.cells++;
            res.breaks.push.apply(res.breaks, cellBreaks(doc, cell));
        }
        for (const label of doc.querySelectorAll('main label.checkbox-label')) {
            const thumb = label.querySelector(':scope > img');
            const box = label.querySelector('.checkbox-img');
            const wrapper = label.querySelector('.img-wrapper');
            const zoom = wrapper.querySelector('img');
            const src = new URL(thumb.getAttribute('src'), win.location.href).href;
            const fig = { src: new URL(src).pathname, page: page };
            fig.width = contentWidth(win, thumb);
            fig.text = await smallestText(src, fig.width);
            thumb.click(); // a tap
            await wait(100);
            fig.opened = box.checked && win.getComputedStyle(wrapper).display !== 'none';
            fig.openedWidth = contentWidth(win, zoom);
            fig.openedText = await smallestText(src, fig.openedWidth);
            // Every part of the opened figure can be scrolled to: nothing is
            // cut off to the left or above, and the overlay scrolls as far as it reaches.
            const w = wrapper.getBoundingClientRect();
            const z = zoom.getBoundingClientRect();
            fig.reachable = z.left >= w.left - 0.5 && z.top >= w.top - 0.5
                && wrapper.scrollWidth >= Math.floor(z.width) && wrapper.scrollHeight >= Math.floor(z.height)
                && (z.width <= w.width + 0.5 || win.getComputedStyle(wrapper).overflowX === 'auto');
            zoom.click(); // a tap closes it
            await wait(100);
            fig.closed = !box.checked;
            res.figures.push(fig);
        }
        return res;
    }

    (async function () {
        const results = [];
        for (const page of pages) {
            results.push(await measure(page));
        }
        out.textContent = JSON.stringify({ pages: results });
    })().catch(function (e) {
        out.textContent = JSON.stringify({ error: String((e && e.stack) || e) });
    });
})();
