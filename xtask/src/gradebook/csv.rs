//! The gradebook's CSV: a row per student, a column per test (hidden ones
//! headed `ID (hidden)`), each exercise's total, `public` (the points of
//! the public tests: what GitHub Classroom's score counts), `total` (every
//! test) and the flags.

use super::Row;
use crate::grade::ExerciseInfo;

pub fn render_csv(catalog: &[ExerciseInfo], rows: &[Row]) -> String {
    let mut header = vec!["student".to_string()];
    for exercise in catalog {
        header.extend(exercise.tests.iter().map(|t| {
            if t.hidden {
                format!("{} (hidden)", t.id)
            } else {
                t.id.to_string()
            }
        }));
        header.push(exercise.name.to_string());
    }
    header.push("public".into());
    header.push("total".into());
    header.push("flags".into());
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        let mut cells = vec![csv_cell(&row.student)];
        let (mut public, mut total) = (0, 0);
        for exercise in catalog {
            let mut sum = 0;
            for test in &exercise.tests {
                let score = row.scores.as_ref().and_then(|s| s.get(test.id)).copied();
                sum += score.unwrap_or(0);
                if !test.hidden {
                    public += score.unwrap_or(0);
                }
                cells.push(score.map(|s| s.to_string()).unwrap_or_default());
            }
            total += sum;
            cells.push(
                row.scores
                    .as_ref()
                    .map(|_| sum.to_string())
                    .unwrap_or_default(),
            );
        }
        for sum in [public, total] {
            cells.push(
                row.scores
                    .as_ref()
                    .map(|_| sum.to_string())
                    .unwrap_or_default(),
            );
        }
        cells.push(csv_cell(&row.flags.join(" ")));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// RFC 4180: quote a cell that holds a comma, a quote or a line break.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
