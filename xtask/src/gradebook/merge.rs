//! `gradebook merge --csv FILE SHARD_CSV...`: the shards' CSVs (each with
//! its sidecar, `shard.rs`) into the one gradebook a single machine would
//! have written, byte for byte: the header, then every student's row in
//! name order. It refuses shards that do not belong together: a shard
//! missing or given twice, another seed, grader, rustc, template, class or
//! set of columns, a CSV that disagrees with its sidecar, a student in two
//! shards or in the wrong one, a student of the class in none. With
//! `--submissions`, the similarity report goes beside it, as the one-machine
//! gradebook writes it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::shard::{self, Shard, Sidecar};

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The shards' CSVs, one per shard, each with its FILE.shard.json beside it.
    #[arg(required = true, value_name = "SHARD_CSV")]
    shards: Vec<PathBuf>,
    /// Write the merged gradebook here.
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    /// The folder of student repositories: the similarity report goes beside
    /// the CSV, as a one-machine gradebook writes it (left out without it).
    #[arg(long, value_name = "DIR")]
    submissions: Option<PathBuf>,
}

/// One shard as read: where from (for messages), its sidecar and its CSV.
pub struct Part {
    pub name: String,
    pub sidecar: Sidecar,
    pub csv: String,
}

pub fn run(root: &Path, args: MergeArgs) -> Result<()> {
    let mut parts = Vec::new();
    for csv in &args.shards {
        let sidecar_path = shard::sidecar_path(csv);
        let sidecar = fs::read(&sidecar_path).with_context(|| {
            format!(
                "reading {} (a shard writes it when it finishes)",
                sidecar_path.display()
            )
        })?;
        let sidecar: Sidecar = serde_json::from_slice(&sidecar)
            .with_context(|| format!("{} is not a shard's sidecar", sidecar_path.display()))?;
        let text = fs::read_to_string(csv).with_context(|| format!("reading {}", csv.display()))?;
        parts.push(Part {
            name: csv.display().to_string(),
            sidecar,
            csv: text,
        });
    }
    let merged = merge(&parts)?;
    super::write_atomically(&args.csv, &merged)?;
    let first = &parts[0].sidecar;
    eprintln!(
        "merged {} shards, {} students, seed {}, into {}",
        first.shards,
        first.roster.len(),
        first.seed,
        args.csv.display()
    );
    match &args.submissions {
        Some(submissions) => {
            let graded: Vec<&str> = crate::grade::catalog()
                .iter()
                .map(|e| e.name)
                .filter(|name| first.exercise.as_deref().is_none_or(|e| e == *name))
                .collect();
            crate::similarity::beside_gradebook(root, submissions, &args.csv, &graded);
        }
        None => eprintln!("no similarity report: give --submissions DIR for one"),
    }
    Ok(())
}

/// The merged CSV, or why the parts are not one gradebook.
pub fn merge(parts: &[Part]) -> Result<String> {
    let Some(first) = parts.first() else {
        bail!("no shard to merge");
    };
    let n = first.sidecar.shards;
    // Each part on its own: a known format, and a CSV that is what its
    // sidecar says.
    let mut rows: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    let mut by_shard: BTreeMap<u32, &str> = BTreeMap::new();
    for part in parts {
        let (name, side) = (part.name.as_str(), &part.sidecar);
        if side.format != shard::FORMAT {
            bail!(
                "{name}: sidecar format {} is not {}",
                side.format,
                shard::FORMAT
            );
        }
        let records =
            records(&part.csv).with_context(|| format!("{name} is not a gradebook CSV"))?;
        let Some((header, body)) = records.split_first() else {
            bail!("{name} is empty");
        };
        if header.raw.trim_end_matches('\n') != side.columns {
            bail!("{name}: its header is not the one its sidecar records");
        }
        let students: Vec<&str> = body.iter().map(|r| r.cells[0].as_str()).collect();
        if students != side.students {
            bail!("{name}: its rows are not the students its sidecar records");
        }
        for record in body {
            if record.cells.len() != header.cells.len() {
                bail!(
                    "{name}: the row of {} has {} cells, the header {}",
                    record.cells[0],
                    record.cells.len(),
                    header.cells.len()
                );
            }
        }
        // Against the first: the same gradebook, split.
        let same = |what: &str, ours: String, theirs: String| -> Result<()> {
            if ours != theirs {
                bail!(
                    "{name} was graded with {what} {ours}, {} with {theirs}: shards of one gradebook share it",
                    first.name
                );
            }
            Ok(())
        };
        same("N =", side.shards.to_string(), n.to_string())?;
        same("seed", side.seed.clone(), first.sidecar.seed.clone())?;
        same(
            "--exercise",
            format!("{:?}", side.exercise),
            format!("{:?}", first.sidecar.exercise),
        )?;
        same("--only", side.only.join(","), first.sidecar.only.join(","))?;
        same("grader", side.grader.clone(), first.sidecar.grader.clone())?;
        same("rustc", side.rustc.clone(), first.sidecar.rustc.clone())?;
        same(
            "template",
            side.template.clone(),
            first.sidecar.template.clone(),
        )?;
        if side.columns != first.sidecar.columns {
            bail!("{name} and {} have different test columns", first.name);
        }
        if side.roster != first.sidecar.roster {
            bail!(
                "{name} and {} were graded from different class lists",
                first.name
            );
        }
        if side.shard == 0 || side.shard > n {
            bail!("{name}: shard {}/{n} does not exist", side.shard);
        }
        if let Some(other) = by_shard.insert(side.shard, name) {
            bail!(
                "shard {}/{n} is given twice: {other} and {name}",
                side.shard
            );
        }
        for record in body {
            let student = record.cells[0].as_str();
            if let Some((other, _)) = rows.insert(student.to_string(), (name, record.raw)) {
                bail!("{student} is in two shards: {other} and {name}");
            }
        }
    }
    if let Some(k) = (1..=n).find(|k| !by_shard.contains_key(k)) {
        bail!("shard {k}/{n} is missing: merge needs all {n} shards' CSVs");
    }
    // Every student of the class once, in the shard the split gives them.
    let roster = &first.sidecar.roster;
    for (index, student) in roster.iter().enumerate() {
        let k = Shard::of(index, n);
        match rows.get(student) {
            None => bail!("{student} of the class is in no shard's CSV"),
            Some((name, _)) if *name != by_shard[&k] => {
                bail!("{name} holds {student}, who belongs to shard {k}/{n}")
            }
            Some(_) => {}
        }
    }
    if let Some(stranger) = rows.keys().find(|s| !roster.contains(s)) {
        bail!("{stranger} is not in the class the shards were graded from");
    }
    let mut out = format!("{}\n", first.sidecar.columns);
    for (_, raw) in rows.values() {
        out.push_str(raw);
    }
    Ok(out)
}

/// One CSV record: its text as written (line break included) and its cells.
struct Record<'a> {
    raw: &'a str,
    cells: Vec<String>,
}

/// RFC 4180 records, as `csv.rs` writes them: cells quoted when they hold a
/// comma, a quote or a line break, every record ended by `\n`.
fn records(text: &str) -> Result<Vec<Record<'_>>> {
    let mut records = Vec::new();
    let (mut start, mut cells, mut cell) = (0, Vec::new(), String::new());
    let mut chars = text.char_indices().peekable();
    // Whether the cell being read was quoted, and is still open.
    let (mut quoted, mut open) = (false, false);
    while let Some((at, c)) = chars.next() {
        if open {
            match c {
                '"' if chars.peek().is_some_and(|&(_, next)| next == '"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => open = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() && !quoted => (quoted, open) = (true, true),
            '"' => bail!("a stray quote at byte {at}"),
            ',' => {
                cells.push(std::mem::take(&mut cell));
                quoted = false;
            }
            '\n' => {
                cells.push(std::mem::take(&mut cell));
                quoted = false;
                records.push(Record {
                    raw: &text[start..=at],
                    cells: std::mem::take(&mut cells),
                });
                start = at + 1;
            }
            _ if quoted => bail!("text after a closing quote at byte {at}"),
            c => cell.push(c),
        }
    }
    if open {
        bail!("a quote that never closes");
    }
    if start != text.len() {
        bail!("the last line has no line break");
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &str = "student,echo.server.short,echo,public,total,flags";
    const CLASS: &[&str] = &["ada", "bo", "cy", "di", "ed"];

    /// A row as the gradebook writes it; `cy` has a flag that needs quoting.
    fn row(student: &str) -> String {
        match student {
            "cy" => "cy,0,0,0,0,\"symlink:a,b \"\"c\"\"\nd\"\n".to_string(),
            _ => format!("{student},10,10,10,10,\n"),
        }
    }

    /// Shard `k` of `n` of CLASS, honest.
    fn part(k: u32, n: u32) -> Part {
        let roster: Vec<String> = CLASS.iter().map(|s| s.to_string()).collect();
        let students: Vec<String> = Shard { k, n }.part(&roster).into_iter().cloned().collect();
        let mut csv = format!("{COLUMNS}\n");
        for student in &students {
            csv.push_str(&row(student));
        }
        Part {
            name: format!("grades-{k}.csv"),
            sidecar: Sidecar {
                format: shard::FORMAT,
                shard: k,
                shards: n,
                seed: "1234abcd".into(),
                exercise: Some("echo".into()),
                only: vec!["short".into()],
                grader: "g".into(),
                rustc: "rustc 1.95.0".into(),
                template: "t".into(),
                columns: COLUMNS.into(),
                roster,
                students,
            },
            csv,
        }
    }

    fn one_machine() -> String {
        let mut csv = format!("{COLUMNS}\n");
        for student in CLASS {
            csv.push_str(&row(student));
        }
        csv
    }

    fn refused(parts: &[Part], says: &str) {
        let err = format!("{:#}", merge(parts).unwrap_err());
        assert!(err.contains(says), "wanted `{says}`, got: {err}");
    }

    #[test]
    fn honest_shards_merge_into_the_one_machine_csv() {
        for n in 1..=6 {
            // In any order.
            let parts: Vec<Part> = (1..=n).rev().map(|k| part(k, n)).collect();
            assert_eq!(merge(&parts).unwrap(), one_machine(), "{n} shards");
        }
    }

    #[test]
    fn a_missing_shard_is_refused() {
        refused(&[part(1, 3), part(3, 3)], "shard 2/3 is missing");
        refused(&[], "no shard to merge");
    }

    #[test]
    fn a_shard_given_twice_is_refused() {
        let mut again = part(2, 3);
        again.name = "copy/grades-2.csv".into();
        refused(
            &[part(1, 3), part(2, 3), again, part(3, 3)],
            "shard 2/3 is given twice: grades-2.csv and copy/grades-2.csv",
        );
    }

    #[test]
    fn another_seed_grader_or_class_is_refused() {
        let mut other = part(2, 3);
        other.sidecar.seed = "00000001".into();
        refused(
            &[part(1, 3), other, part(3, 3)],
            "grades-2.csv was graded with seed 00000001, grades-1.csv with 1234abcd",
        );
        let mut other = part(3, 3);
        other.sidecar.shards = 4;
        refused(&[part(1, 3), part(2, 3), other], "with N = 4");
        let mut other = part(3, 3);
        other.sidecar.only.clear();
        refused(&[part(1, 3), part(2, 3), other], "--only");
        let mut other = part(3, 3);
        other.sidecar.rustc = "rustc 1.96.0".into();
        refused(&[part(1, 3), part(2, 3), other], "rustc");
        let mut other = part(3, 3);
        other.sidecar.roster.push("zed".into());
        refused(&[part(1, 3), part(2, 3), other], "different class lists");
    }

    #[test]
    fn different_columns_are_refused() {
        let mut other = part(2, 3);
        let columns = COLUMNS.replace("short", "fragmented");
        other.csv = other.csv.replace(COLUMNS, &columns);
        other.sidecar.columns = columns;
        refused(
            &[part(1, 3), other, part(3, 3)],
            "grades-2.csv and grades-1.csv have different test columns",
        );
    }

    #[test]
    fn a_student_in_two_shards_is_refused() {
        // Shard 2 (bo, di) also grades ada, who is shard 1's.
        let mut other = part(2, 3);
        other.sidecar.students.insert(0, "ada".into());
        other.csv = other
            .csv
            .replace(COLUMNS, &format!("{COLUMNS}\n{}", row("ada").trim_end()));
        refused(
            &[part(1, 3), other, part(3, 3)],
            "ada is in two shards: grades-1.csv and grades-2.csv",
        );
        // ... or only shard 2 has her: the wrong shard.
        let mut first = part(1, 3);
        first.sidecar.students.retain(|s| s != "ada");
        first.csv = first.csv.replace(&row("ada"), "");
        let mut other = part(2, 3);
        other.sidecar.students.insert(0, "ada".into());
        other.csv = other
            .csv
            .replace(COLUMNS, &format!("{COLUMNS}\n{}", row("ada").trim_end()));
        refused(
            &[first, other, part(3, 3)],
            "grades-2.csv holds ada, who belongs to shard 1/3",
        );
    }

    #[test]
    fn a_csv_that_disagrees_with_its_sidecar_is_refused() {
        // A student of the class left out of both.
        let mut other = part(3, 3);
        other.sidecar.students.clear();
        other.csv = format!("{COLUMNS}\n");
        refused(
            &[part(1, 3), part(2, 3), other],
            "cy of the class is in no shard's CSV",
        );
        // A row the sidecar does not list.
        let mut other = part(3, 3);
        other.csv.push_str(&row("zed"));
        refused(
            &[part(1, 3), part(2, 3), other],
            "not the students its sidecar records",
        );
        // A row cut short, a quote left open.
        let mut other = part(1, 3);
        other.csv = other.csv.replace("ada,10,10,10,10,\n", "ada,10,10\n");
        refused(
            &[other, part(2, 3), part(3, 3)],
            "has 3 cells, the header 6",
        );
        let mut other = part(3, 3);
        other.csv.push_str("\"zed,1\n");
        refused(
            &[part(1, 3), part(2, 3), other],
            "a quote that never closes",
        );
    }
}
