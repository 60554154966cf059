// Socket Lab: the language switch and Korean search for both books.
//
// Loaded by head.hbs on every page, after mdBook's own scripts (it is `defer`).
// window.socketLab = { page: "exercises/echo.md", root: "../", lang: "en" } comes
// from head.hbs. Works from file:// and http(s):// alike: no fetch(), only
// relative links and <script> tags. See book/README.md.
(function () {
    'use strict';

    const here = window.socketLab;
    if (!here || !here.page) {
        return; // toc.html (the sidebar frame) has no page of its own
    }

    const LANGS = { en: 'English', ko: '한국어' };
    const other = here.lang === 'ko' ? 'en' : 'ko';
    const STORAGE_KEY = 'socket-lab-lang';

    // ---- The language switch -------------------------------------------------
    // en/exercises/echo.html <-> ko/exercises/echo.html: both books sit side by
    // side (target/book/en, target/book/ko) and have the same files. The
    // builder writes the link into every page's menu bar, so it is there
    // without JavaScript (book/builder/src/pages.rs); this script remembers the
    // choice, and makes the same link on a page built by a plain `mdbook`.
    function addLanguageSwitch() {
        let link = document.getElementById('socket-lab-lang');
        if (!link) {
            const page = here.page.replace(/\\/g, '/').replace(/\.md$/, '.html');
            link = document.createElement('a');
            link.className = 'socket-lab-lang';
            link.id = 'socket-lab-lang';
            link.href = here.root + '../' + other + '/' + page;
            link.hreflang = other;
            link.lang = other;
            link.textContent = LANGS[other];
            link.title = other === 'ko' ? '이 페이지를 한국어로 읽기' : 'Read this page in English';
            link.setAttribute('aria-label', link.title);
            const buttons = document.querySelector('#mdbook-menu-bar .right-buttons');
            if (buttons) {
                buttons.insertBefore(link, buttons.firstChild);
            } else {
                document.body.insertBefore(link, document.body.firstChild);
            }
        }
        link.addEventListener('click', function () {
            try {
                localStorage.setItem(STORAGE_KEY, other);
            } catch (e) {
                // storage may be off; the link works all the same
            }
        });
        try {
            localStorage.setItem(STORAGE_KEY, here.lang);
        } catch (e) {
            // as above
        }
    }

    // ---- Korean (CJK) search ----------------------------------------------------
    // mdBook's elasticlunr index drops Hangul (rust-lang/mdBook#1081), so for a
    // query with CJK characters we answer from search-cjk.js, written by
    // book/builder: every section's title, heading, text and URL. A section
    // matches when it contains every word of the query as a substring, so
    // "소켓" finds "소켓을", "소켓은", "소켓(socket)". Spaces do not count, on
    // either side: Korean compounds are written with or without them, so
    // "포트번호" finds "포트 번호" and "흐름 제어" finds "흐름제어".
    const CJK = /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
    const SPACE = /\s/;
    const MAX_RESULTS = 30;
    const TEASER = 80; // characters of context on each side of the first hit

    const bar = document.getElementById('mdbook-searchbar');
    const list = document.getElementById('mdbook-searchresults');
    const header = document.getElementById('mdbook-searchresults-header');
    const outer = document.getElementById('mdbook-searchresults-outer');
    let docs = null; // the index, lowercased, once loaded
    let loading = false;
    let shown = null; // { header, count } of what render() last wrote

    function escapeHtml(s) {
        return s.replace(/[&<>"']/g, function (c) {
            return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }[c];
        });
    }

    function escapeRegExp(s) {
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }

    // `s` without its white space, and where each of its characters was in `s`.
    function compact(s) {
        let text = '';
        const at = [];
        for (let i = 0; i < s.length; i++) {
            if (!SPACE.test(s[i])) {
                text += s[i];
                at.push(i);
            }
        }
        return { text: text, at: at };
    }

    function loadIndex() {
        if (docs || loading) {
            return;
        }
        loading = true;
        const script = document.createElement('script');
        script.src = here.root + 'search-cjk.js';
        script.onload = function () {
            docs = (window.socketLabSearch || { docs: [] }).docs.map(function (d, i) {
                const text = d.text.normalize('NFC');
                const body = compact(text.toLowerCase());
                return {
                    order: i,
                    url: d.url,
                    title: d.title,
                    heading: d.heading,
                    text: text,
                    lt: compact(d.title.normalize('NFC').toLowerCase()).text,
                    lh: compact(d.heading.normalize('NFC').toLowerCase()).text,
                    lb: body.text,
                    at: body.at, // lb[i] is text[at[i]]
                };
            });
            refresh();
        };
        document.head.appendChild(script);
    }

    function count(hay, needle) {
        let n = 0;
        let at = hay.indexOf(needle);
        while (at !== -1 && n < 10) {
            n++;
            at = hay.indexOf(needle, at + needle.length);
        }
        return n;
    }

    // The query's words, lowercased; each is searched for without spaces.
    function termsOf(query) {
        return query.normalize('NFC').toLowerCase().split(/\s+/).filter(Boolean);
    }

    function search(query) {
        const terms = termsOf(query);
        const hits = [];
        for (const d of docs) {
            let score = 0;
            let all = true;
            for (const t of terms) {
                const inTitle = d.lt.includes(t);
                const inHeading = d.lh.includes(t);
                const inBody = count(d.lb, t);
                if (!inTitle && !inHeading && inBody === 0) {
                    all = false;
                    break;
                }
                // A chapter whose title matches comes first, led by its opening section.
                const opening = inTitle && d.heading === d.title;
                score += (inTitle ? 20 : 0) + (inHeading ? 10 : 0) + (opening ? 15 : 0) + inBody;
            }
            if (all) {
                hits.push({ doc: d, score: score });
            }
        }
        hits.sort(function (a, b) {
            return b.score - a.score || a.doc.order - b.doc.order;
        });
        return { terms: terms, hits: hits.slice(0, MAX_RESULTS), total: hits.length };
    }

    // Where the first occurrence of `term` is in the section's text, spaces
    // included: [start, end) of doc.text, or null.
    function place(doc, term) {
        const at = doc.lb.indexOf(term);
        if (at === -1) {
            return null;
        }
        return [doc.at[at], doc.at[at + term.length - 1] + 1];
    }

    // The words to mark on the page (mdBook's ?highlight=, split at spaces):
    // each term as the section writes it ("포트번호" -> "포트 번호").
    function marks(doc, terms) {
        const words = [];
        for (const t of terms) {
            const p = place(doc, t);
            const written = p ? doc.text.slice(p[0], p[1]) : t;
            for (const w of written.split(/\s+/)) {
                if (w && words.indexOf(w) === -1) {
                    words.push(w);
                }
            }
        }
        return words;
    }

    function teaser(doc, terms) {
        let first = -1;
        for (const t of terms) {
            const p = place(doc, t);
            if (p && (first === -1 || p[0] < first)) {
                first = p[0];
            }
        }
        const start = Math.max(0, first - TEASER);
        const end = Math.min(doc.text.length, (first === -1 ? 0 : first) + TEASER * 2);
        let snippet = escapeHtml(doc.text.slice(start, end));
        for (const t of terms) {
            // The term's characters with any white space between them.
            const re = new RegExp(Array.from(t).map(function (c) {
                return escapeRegExp(escapeHtml(c));
            }).join('\\s*'), 'gi');
            snippet = snippet.replace(re, function (m) {
                return '<em>' + m + '</em>';
            });
        }
        return (start > 0 ? '… ' : '') + snippet + (end < doc.text.length ? ' …' : '');
    }

    function heading(total, query) {
        if (here.lang === 'ko') {
            return total === 0
                ? '\'' + query + '\'에 대한 검색 결과가 없습니다.'
                : '\'' + query + '\' 검색 결과 ' + total + '건:';
        }
        return total === 0
            ? 'No search results for \'' + query + '\'.'
            : total + ' search result' + (total === 1 ? '' : 's') + ' for \'' + query + '\':';
    }

    function render(query) {
        const found = search(query);
        while (list.firstChild) {
            list.removeChild(list.firstChild);
        }
        found.hits.forEach(function (hit, i) {
            const d = hit.doc;
            const mark = encodeURIComponent(marks(d, found.terms).join(' ')).replace(/'/g, '%27');
            const parts = d.url.split('#');
            const li = document.createElement('li');
            li.className = 'socket-lab-hit';
            const crumbs = d.heading && d.heading !== d.title ? d.title + ' » ' + d.heading : d.title;
            li.innerHTML = '<a href="' + here.root + parts[0] + '?highlight=' + mark
                + (parts[1] ? '#' + parts[1] : '') + '" aria-details="socket-lab-teaser-' + i + '">'
                + escapeHtml(crumbs) + '</a><span class="teaser" id="socket-lab-teaser-' + i
                + '" aria-label="Search Result Teaser">' + teaser(d, found.terms) + '</span>';
            list.appendChild(li);
        });
        header.textContent = heading(Math.min(found.total, MAX_RESULTS), query);
        shown = { header: header.textContent, count: found.hits.length };
        outer.classList.remove('hidden');
    }

    // Called on every keystroke and whenever mdBook rewrites the result list
    // (it does so late, once its own index has loaded): for a CJK query our
    // results replace mdBook's empty ones.
    function refresh() {
        const query = bar.value.trim();
        if (query === '' || !CJK.test(query)) {
            return;
        }
        if (!docs) {
            loadIndex();
            return;
        }
        const ours = shown !== null
            && header.textContent === shown.header
            && list.children.length === shown.count
            && Array.prototype.every.call(list.children, function (li) {
                return li.classList.contains('socket-lab-hit');
            });
        if (!ours) {
            render(query);
        }
    }

    function setUpSearch() {
        if (!bar || !list || !header || !outer) {
            return; // search is off in book.toml
        }
        if (here.lang === 'ko') {
            bar.placeholder = '이 책에서 찾기 …';
        }
        bar.addEventListener('input', refresh);
        bar.addEventListener('keyup', refresh);
        new MutationObserver(refresh).observe(list, { childList: true });
        new MutationObserver(refresh).observe(header, { childList: true, characterData: true, subtree: true });
        refresh(); // a ?search=소켓 URL has filled the bar already
    }

    addLanguageSwitch();
    setUpSearch();
})();
