//! The figure: goodput (log scale) against the loss rate, one line per
//! sender, drawn with the pieces of [`plot`] in English or Korean
//! (book/{en,ko}/src/images/rdt-goodput.svg).
//!
//! [`plot`]: crate::bench::plot

use std::fmt::Write as _;

use super::report::{Results, Sender};
use crate::bench::plot::{
    COLOURS, FONT, LEFT, RIGHT, axes, escape, format_ms, grid, lines, marker, panel_title,
    tick_label,
};
use crate::grade::lang::Lang;

pub(super) const FILE: &str = "rdt-goodput.svg";

const WIDTH: f64 = 640.0;

pub(super) fn figure(results: &Results, lang: Lang) -> String {
    let tr = |en: &'static str, ko: &'static str| lang.pick(en, ko);
    let series: Vec<(String, Vec<Option<f64>>)> = (results.senders.iter().enumerate())
        .map(|(i, sender)| {
            let values = results.points.iter().map(|p| p.goodput[i]).collect();
            (name(results, sender, lang), values)
        })
        .collect();
    // The legend, one line per sender, then the ratios at 5 %; the plot below.
    let legend_end = 80.0 + 20.0 * (series.len() as f64 - 1.0);
    let top = legend_end + 70.0;
    let bottom = top + 230.0;
    let height = bottom + 74.0;

    let losses: Vec<usize> = results.points.iter().map(|p| p.loss as usize).collect();
    let most = losses.iter().copied().max().unwrap_or(20).max(1) as f64;
    let x = |loss: f64| LEFT + 20.0 + loss / most * (RIGHT - LEFT - 40.0);
    let values = series.iter().flat_map(|(_, v)| v.iter().flatten());
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (low, high) = if low <= high {
        (low, high)
    } else {
        (1.0, 10.0)
    };
    let lo = low.max(1e-3).log10().floor();
    let hi = high.max(1e-3).log10().ceil().max(lo + 1.0);
    let y = |v: f64| bottom - (v.max(1e-3).log10() - lo) / (hi - lo) * (bottom - top);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="t" font-family="{FONT}">"##
    );
    let title = tr(
        "Goodput against loss: rdt and TCP over one link",
        "손실률에 따른 유효 처리량: 같은 링크를 지나는 이 장의 프로토콜과 TCP",
    );
    let _ = writeln!(svg, r#"<title id="t">{}</title>"#, escape(title));
    let _ = writeln!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" rx="14" fill="#ffffff"/>"##
    );
    let mid = WIDTH / 2.0;
    let _ = writeln!(
        svg,
        r##"<text x="{mid}" y="32" font-size="18" text-anchor="middle" fill="#111827" font-weight="bold">{}</text>"##,
        escape(title)
    );
    let mib = results.size as f64 / 1_048_576.0;
    let (delay, rounds, cpus) = (results.delay_ms, results.rounds, results.cpus);
    let subtitle = match lang {
        Lang::En if rounds == 1 => format!(
            "{mib} MiB a run, {delay} ms of delay and the loss each way; one run each, {cpus} CPUs"
        ),
        Lang::En => format!(
            "{mib} MiB a run, {delay} ms of delay and the loss each way; median of {rounds} runs, {cpus} CPUs"
        ),
        Lang::Ko => format!(
            "전송마다 {mib} MiB, 방향마다 지연 {delay} ms와 손실; {rounds}회 측정의 중앙값, CPU {cpus}개"
        ),
    };
    let _ = writeln!(
        svg,
        r##"<text x="{mid}" y="54" font-size="13" text-anchor="middle" fill="#475569">{}</text>"##,
        escape(&subtitle)
    );
    for (i, (name, _)) in series.iter().enumerate() {
        let ly = 80.0 + 20.0 * i as f64;
        let colour = COLOURS[i % COLOURS.len()];
        let dashes = match i {
            0 => "",
            _ => r#" stroke-dasharray="8 5""#,
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2.5"{dashes}/>"##,
            LEFT + 28.0
        );
        svg.push_str(&marker(i, LEFT + 14.0, ly, colour));
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" font-size="13" fill="#111827">{}</text>"##,
            LEFT + 38.0,
            ly + 4.5,
            escape(name)
        );
    }
    // The ratios where the issue sets its goal: 5 % loss.
    let ratios: Vec<String> = (results.ratios(5).into_iter())
        .filter(|(rdt, _, _)| rdt.name == "reference")
        .map(|(_, tcp, ratio)| match lang {
            Lang::En => format!("{ratio:.2}× TCP {}'s", tcp.display()),
            Lang::Ko => format!("TCP {}의 {ratio:.2}배", tcp.display()),
        })
        .collect();
    if !ratios.is_empty() {
        let text = match lang {
            Lang::En => format!(
                "at 5 % loss the reference's goodput is {}",
                ratios.join(", ")
            ),
            Lang::Ko => format!(
                "손실 5 %에서 참고 답안의 유효 처리량은 {}",
                ratios.join(", ")
            ),
        };
        let _ = writeln!(
            svg,
            r##"<text x="{LEFT}" y="{}" font-size="13" fill="{}" font-weight="bold">{}</text>"##,
            legend_end + 28.0,
            COLOURS[0],
            escape(&text)
        );
    }

    panel_title(
        &mut svg,
        top - 14.0,
        tr(
            "goodput (MiB/s, log scale)",
            "유효 처리량(MiB/s, 로그 눈금)",
        ),
    );
    // 1, 2 and 5 in each decade; only the decades when there are many.
    let steps: &[f64] = if hi - lo <= 2.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    for decade in (lo as i32)..(hi as i32) {
        for &step in steps {
            let v = step * 10f64.powi(decade);
            grid(&mut svg, y(v));
            tick_label(&mut svg, y(v), &format_ms(v));
        }
    }
    let ceiling = 10f64.powi(hi as i32);
    grid(&mut svg, y(ceiling));
    tick_label(&mut svg, y(ceiling), &format_ms(ceiling));
    axes(&mut svg, top, bottom, &losses, &x);
    for (i, (_, values)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<Option<(f64, f64)>> = (losses.iter().zip(values))
            .map(|(&loss, v)| v.map(|v| (x(loss as f64), y(v))))
            .collect();
        lines(&mut svg, i, &points, colour);
        for (px, py) in points.iter().flatten() {
            svg.push_str(&marker(i, *px, *py, colour));
        }
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{}" font-size="13" text-anchor="middle" fill="#111827">{}</text>"##,
        (LEFT + RIGHT) / 2.0,
        bottom + 44.0,
        escape(tr(
            "datagrams or segments lost in each direction (%)",
            "방향마다 잃는 데이터그램이나 세그먼트의 비율(%)",
        ))
    );
    if results.points.iter().any(|p| p.cut.contains(&true)) {
        let secs = results.bound_secs;
        let note = lang
            .pick(
                "a run cut at {secs} s counts what had arrived by then",
                "{secs}초에서 끊은 전송은 그때까지 도착한 만큼으로 셉니다",
            )
            .replace("{secs}", &secs.to_string());
        let _ = writeln!(
            svg,
            r##"<text x="{RIGHT}" y="{}" font-size="11" text-anchor="end" fill="#475569">{}</text>"##,
            height - 12.0,
            escape(&note)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A sender's name in the legend.
fn name(results: &Results, sender: &Sender, lang: Lang) -> String {
    let cc = sender.display();
    match (sender.tcp, sender.name.as_str(), lang) {
        (false, "reference", Lang::En) => "rdt: the reference (solutions/reliable-udp)".into(),
        (false, "reference", Lang::Ko) => "참고 답안(solutions/reliable-udp)".into(),
        (false, _, Lang::En) => "rdt: yours (--path)".into(),
        (false, _, Lang::Ko) => "여러분의 크레이트(--path)".into(),
        (true, _, _) if !results.tcp_through_link => lang
            .pick(
                "TCP on 127.0.0.1, no loss, no delay",
                "127.0.0.1의 TCP, 손실과 지연 없음",
            )
            .into(),
        (true, _, Lang::En) => format!("TCP ({cc}) through the same link"),
        (true, _, Lang::Ko) => format!("같은 링크를 지나는 TCP({cc})"),
    }
}
