//! The book's figure of `bench concurrent --sweep`: p99 latency and
//! connections held against the room size, one line per server design,
//! drawn as plain SVG from target/bench/concurrent.json, once with English
//! and once with Korean words (book/{en,ko}/src/images/concurrent-bench.svg).
//!
//! The x axis is logarithmic (100 to 10 000 clients), so are the other two;
//! a p99 the run could not measure (over 1 % of deliveries lost or later than
//! the run) is a cross on a band above the latency axis, not a point.
//!
//! Its pieces (axes, grid, lines, markers) also draw `reliable-udp`'s
//! figure ([`super::reliable_udp`]).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::concurrent::{Run, Sweep};

pub(super) const FILE: &str = "concurrent-bench.svg";

pub(super) const FONT: &str =
    "'Noto Sans KR','Noto Sans CJK KR','Apple SD Gothic Neo','Malgun Gothic',sans-serif";
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 720.0;
/// The plot areas' left and right edges.
pub(super) const LEFT: f64 = 84.0;
pub(super) const RIGHT: f64 = 600.0;
/// Panel 1 (latency): the band for "beyond the run", then the log axis.
const BAND: f64 = 150.0;
const LAT_TOP: f64 = 172.0;
const LAT_BOTTOM: f64 = 372.0;
/// Panel 2 (held).
const HELD_TOP: f64 = 452.0;
const HELD_BOTTOM: f64 = 642.0;
const GOAL_MS: f64 = 50.0;
pub(super) const COLOURS: [&str; 4] = ["#1d4ed8", "#c2410c", "#15803d", "#7c3aed"];

#[derive(Clone, Copy)]
enum Lang {
    En,
    Ko,
}

/// The figure's words in one language.
struct Words {
    lang: &'static str,
    title: &'static str,
    subtitle: fn(&Sweep) -> String,
    latency: &'static str,
    held: &'static str,
    clients: &'static str,
    beyond_tick: &'static str,
    beyond_note: &'static str,
    goal: &'static str,
    all_held: &'static str,
    tokio: &'static str,
    threads: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            lang: "en",
            title: "One chat room under load: tokio vs. a thread per client",
            subtitle: |s| {
                format!(
                    "{rate} messages/s into the room for {secs} s, over 127.0.0.1, on {cpus} CPUs",
                    rate = s.rate,
                    secs = s.secs,
                    cpus = s.cpus
                )
            },
            latency: "p99 delivery latency (ms, log scale)",
            held: "connections held at the end (log scale)",
            clients: "clients in the room (log scale)",
            beyond_tick: "beyond",
            beyond_note: "×: p99 beyond the run (over 1 % of deliveries lost)",
            goal: "goal 50 ms",
            all_held: "every client held",
            tokio: "tokio tasks (chat-server)",
            threads: "thread per client (chat-server-threads)",
        },
        Lang::Ko => Words {
            lang: "ko",
            title: "부하를 받는 채팅방 하나: tokio와 클라이언트당 스레드",
            subtitle: |s| {
                format!(
                    "{secs}초 동안 방에 초당 메시지 {rate}개, 127.0.0.1에서, CPU {cpus}개",
                    rate = s.rate,
                    secs = s.secs,
                    cpus = s.cpus
                )
            },
            latency: "p99 전달 지연(ms, 로그 눈금)",
            held: "끝까지 유지된 연결 수(로그 눈금)",
            clients: "방의 클라이언트 수(로그 눈금)",
            beyond_tick: "초과",
            beyond_note: "×: p99가 측정 범위를 넘음(전달의 1 % 넘게 유실)",
            goal: "목표 50 ms",
            all_held: "모든 클라이언트 유지",
            tokio: "tokio 태스크(chat-server)",
            threads: "클라이언트당 스레드(chat-server-threads)",
        },
    }
}

/// Reads the sweep at `json` and writes both figures under `book`.
pub(super) fn write(json: &Path, book: &Path) -> Result<()> {
    let text = std::fs::read_to_string(json).with_context(|| {
        format!(
            "no sweep at {}: run `cargo xtask bench concurrent --sweep` first",
            json.display()
        )
    })?;
    let sweep: Sweep = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a sweep", json.display()))?;
    for lang in [Lang::En, Lang::Ko] {
        let dir = book.join(words(lang).lang).join("src/images");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(FILE);
        std::fs::write(&path, figure(&sweep, lang))?;
        println!("  wrote {}", path.display());
    }
    Ok(())
}

/// The runs of one design, by room size.
struct Series<'a> {
    design: &'a str,
    runs: Vec<&'a Run>,
}

fn series(sweep: &Sweep) -> Vec<Series<'_>> {
    let mut all: Vec<Series> = Vec::new();
    for run in &sweep.runs {
        match all.iter_mut().find(|s| s.design == run.design) {
            Some(series) => series.runs.push(run),
            None => all.push(Series {
                design: &run.design,
                runs: vec![run],
            }),
        }
    }
    for series in &mut all {
        series.runs.sort_by_key(|run| run.clients);
    }
    all
}

fn figure(sweep: &Sweep, lang: Lang) -> String {
    let w = words(lang);
    let all = series(sweep);
    let mut sizes: Vec<usize> = sweep.runs.iter().map(|r| r.clients.max(1)).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let (min_n, max_n) = (
        *sizes.first().unwrap_or(&100) as f64,
        *sizes.last().unwrap_or(&10_000) as f64,
    );
    let (min_n, max_n) = if max_n > min_n {
        (min_n, max_n)
    } else {
        (min_n / 2.0, min_n * 2.0)
    };
    let x = |n: f64| {
        let span = max_n.ln() - min_n.ln();
        LEFT + 20.0 + (n.ln() - min_n.ln()) / span * (RIGHT - LEFT - 40.0)
    };
    // Latency decades: at least 0.1 ms to 1 s, wider if the data is.
    let measured: Vec<f64> = sweep.runs.iter().filter_map(|r| r.p99_ms).collect();
    let lo = measured
        .iter()
        .fold(0.1f64, |lo, &v| lo.min(v.max(1e-3)))
        .log10()
        .floor();
    let hi = measured
        .iter()
        .fold(1000.0f64, |hi, &v| hi.max(v))
        .log10()
        .ceil();
    let y_lat = |ms: f64| {
        let t = (ms.max(1e-3).log10() - lo) / (hi - lo);
        LAT_BOTTOM - t * (LAT_BOTTOM - LAT_TOP)
    };
    // Held, on a log axis like x: "every client held" is the diagonal, and
    // a line between two full rooms stays on it. Below the axis (0 held) is
    // drawn at its foot.
    let floor = min_n / 2.0;
    let y_held = |n: f64| {
        let t = (n.max(floor).ln() - floor.ln()) / (max_n.ln() - floor.ln());
        HELD_BOTTOM - t * (HELD_BOTTOM - HELD_TOP)
    };

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="t" font-family="{FONT}">"##
    );
    let _ = writeln!(svg, r#"<title id="t">{}</title>"#, escape(w.title));
    let _ = writeln!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" rx="14" fill="#ffffff"/>"##
    );
    let mid = WIDTH / 2.0;
    let _ = writeln!(
        svg,
        r##"<text x="{mid}" y="32" font-size="18" text-anchor="middle" fill="#111827" font-weight="bold">{}</text>"##,
        escape(w.title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{mid}" y="54" font-size="13" text-anchor="middle" fill="#475569">{}</text>"##,
        escape(&(w.subtitle)(sweep))
    );
    // The legend: one entry per design, one per line.
    for (i, series) in all.iter().enumerate() {
        let y = 80.0 + 20.0 * i as f64;
        let colour = COLOURS[i % COLOURS.len()];
        let _ = writeln!(
            svg,
            r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2.5"{}/>"##,
            LEFT,
            LEFT + 28.0,
            if i == 0 {
                ""
            } else {
                r#" stroke-dasharray="8 5""#
            }
        );
        svg.push_str(&marker(i, LEFT + 14.0, y, colour));
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" font-size="13" fill="#111827">{}</text>"##,
            LEFT + 38.0,
            y + 4.5,
            escape(&design_name(&w, series.design))
        );
    }

    // Panel 1: p99 latency.
    panel_title(&mut svg, LAT_TOP - 42.0, w.latency);
    let _ = writeln!(
        svg,
        r##"<text x="{RIGHT}" y="{}" font-size="11" text-anchor="end" fill="#475569">{}</text>"##,
        LAT_TOP - 42.0,
        escape(w.beyond_note)
    );
    for decade in (lo as i32)..=(hi as i32) {
        let ms = 10f64.powi(decade);
        let y = y_lat(ms);
        grid(&mut svg, y);
        tick_label(&mut svg, y, &format_ms(ms));
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{BAND}" x2="{RIGHT}" y2="{BAND}" stroke="#fca5a5" stroke-width="1" stroke-dasharray="4 3"/>"##
    );
    tick_label(&mut svg, BAND, w.beyond_tick);
    let goal = y_lat(GOAL_MS);
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{goal:.1}" x2="{RIGHT}" y2="{goal:.1}" stroke="#15803d" stroke-width="1.5" stroke-dasharray="6 4"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#15803d">{}</text>"##,
        RIGHT - 4.0,
        goal - 5.0,
        escape(w.goal)
    );
    axes(&mut svg, LAT_TOP, LAT_BOTTOM, &sizes, &x);
    for (i, series) in all.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<Option<(f64, f64)>> = series
            .runs
            .iter()
            .map(|r| r.p99_ms.map(|ms| (x(r.clients as f64), y_lat(ms))))
            .collect();
        lines(&mut svg, i, &points, colour);
        for (run, point) in series.runs.iter().zip(&points) {
            match point {
                Some((px, py)) => svg.push_str(&marker(i, *px, *py, colour)),
                None => svg.push_str(&cross(x(run.clients as f64), BAND, colour)),
            }
        }
    }

    // Panel 2: connections held.
    panel_title(&mut svg, HELD_TOP - 22.0, w.held);
    for &n in &sizes {
        let y = y_held(n as f64);
        grid(&mut svg, y);
        tick_label(&mut svg, y, &group(n as u64));
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#94a3b8" stroke-width="1.5" stroke-dasharray="5 4"/>"##,
        x(min_n),
        y_held(min_n),
        x(max_n),
        y_held(max_n)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#64748b">{}</text>"##,
        x(max_n) - 12.0,
        y_held(max_n) - 8.0,
        escape(w.all_held)
    );
    axes(&mut svg, HELD_TOP, HELD_BOTTOM, &sizes, &x);
    for (i, series) in all.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<Option<(f64, f64)>> = series
            .runs
            .iter()
            .map(|r| Some((x(r.clients as f64), y_held(r.held as f64))))
            .collect();
        lines(&mut svg, i, &points, colour);
        for (run, point) in series.runs.iter().zip(&points) {
            let Some((px, py)) = point else { continue };
            svg.push_str(&marker(i, *px, *py, colour));
            // A design that lost clients says how many it kept.
            if run.held < run.clients {
                let _ = writeln!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{colour}" font-weight="bold">{}</text>"##,
                    px,
                    py + 20.0,
                    group(run.held as u64)
                );
            }
        }
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{}" font-size="13" text-anchor="middle" fill="#111827">{}</text>"##,
        (LEFT + RIGHT) / 2.0,
        HELD_BOTTOM + 46.0,
        escape(w.clients)
    );
    svg.push_str("</svg>\n");
    svg
}

fn design_name(w: &Words, design: &str) -> String {
    match design {
        "chat-server" => w.tokio.to_string(),
        "chat-server-threads" => w.threads.to_string(),
        other => other.to_string(),
    }
}

pub(super) fn panel_title(svg: &mut String, y: f64, text: &str) {
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="{y}" font-size="14" fill="#111827" font-weight="bold">{}</text>"##,
        escape(text)
    );
}

pub(super) fn grid(svg: &mut String, y: f64) {
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{RIGHT}" y2="{y:.1}" stroke="#e5e7eb" stroke-width="1"/>"##
    );
}

pub(super) fn tick_label(svg: &mut String, y: f64, text: &str) {
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#334155">{}</text>"##,
        LEFT - 8.0,
        y + 4.0,
        escape(text)
    );
}

/// The frame of a panel, and a tick with its label at every room size.
pub(super) fn axes(
    svg: &mut String,
    top: f64,
    bottom: f64,
    sizes: &[usize],
    x: &dyn Fn(f64) -> f64,
) {
    let _ = writeln!(
        svg,
        r##"<path d="M{LEFT},{top} V{bottom} H{RIGHT}" fill="none" stroke="#334155" stroke-width="1.5"/>"##
    );
    for &n in sizes {
        let px = x(n as f64);
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{bottom}" x2="{px:.1}" y2="{}" stroke="#334155" stroke-width="1.5"/>"##,
            bottom + 5.0
        );
        let _ = writeln!(
            svg,
            r##"<text x="{px:.1}" y="{}" font-size="12" text-anchor="middle" fill="#334155">{}</text>"##,
            bottom + 20.0,
            group(n as u64)
        );
    }
}

/// Polylines through consecutive measured points; a gap breaks the line.
/// Every series after the first is dashed, so one drawn over another (two
/// designs that both held every client) still shows both colours.
pub(super) fn lines(svg: &mut String, series: usize, points: &[Option<(f64, f64)>], colour: &str) {
    let dashes = if series == 0 {
        ""
    } else {
        r#" stroke-dasharray="8 5""#
    };
    for run in points.split(Option::is_none) {
        if run.len() < 2 {
            continue;
        }
        let coords: Vec<String> = run
            .iter()
            .flatten()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"{dashes}/>"##,
            coords.join(" ")
        );
    }
}

/// A circle for the first design, a square for the second, then a diamond.
pub(super) fn marker(series: usize, x: f64, y: f64, colour: &str) -> String {
    match series % 3 {
        0 => {
            format!(
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="#ffffff" stroke="{colour}" stroke-width="2.5"/>"##
            ) + "\n"
        }
        1 => {
            format!(
                r##"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="#ffffff" stroke="{colour}" stroke-width="2.5"/>"##,
                x - 4.5,
                y - 4.5
            ) + "\n"
        }
        _ => {
            format!(
                r##"<path d="M{x:.1},{:.1} l5.5,5.5 l-5.5,5.5 l-5.5,-5.5 z" fill="#ffffff" stroke="{colour}" stroke-width="2.5"/>"##,
                y - 5.5
            ) + "\n"
        }
    }
}

fn cross(x: f64, y: f64, colour: &str) -> String {
    format!(
        r##"<path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" stroke="{colour}" stroke-width="3" stroke-linecap="round"/>"##,
        x - 5.0,
        y - 5.0
    ) + "\n"
}

/// 0.1, 1, 10, 100, 1000 (ms).
pub(super) fn format_ms(ms: f64) -> String {
    if ms >= 1.0 {
        group(ms.round() as u64)
    } else {
        let digits = (-ms.log10()).ceil() as usize;
        format!("{ms:.digits$}")
    }
}

/// 10000 → "10,000".
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_on_the_axes() {
        assert_eq!(group(10_000), "10,000");
        assert_eq!(group(100), "100");
        assert_eq!(format_ms(0.1), "0.1");
        assert_eq!(format_ms(1000.0), "1,000");
    }
}
