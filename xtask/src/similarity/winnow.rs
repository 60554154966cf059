//! Fingerprints by winnowing (Schleimer, Wilkerson, Aiken, "Winnowing: local
//! algorithms for document fingerprinting", SIGMOD 2003), the method of MOSS.
//!
//! Every run of `K` consecutive tokens of an item (a k-gram) is hashed; of
//! every `W` consecutive hashes, the smallest is kept. Any run of
//! `K + W - 1` tokens two documents share thus shares at least one kept hash,
//! while a document keeps only about 2/(W+1) of its hashes. A document's
//! fingerprints are the set of kept hashes: where they occur does not matter,
//! so moving code around costs nothing.

use super::tokens::Token;
use crate::grade::spec::fnv1a;

/// Tokens per k-gram. Below about 10, k-grams like `let V = V . V ( ) ?`
/// occur in every solution; above about 20, a copier's small edits (a
/// `match` for an `if let`, a statement added) break too many of them. Calibrated on the fixtures
/// (xtask/fixtures/similarity/README.md).
pub const K: usize = 12;
/// Hashes per window. The exercises' solutions are small (a few hundred
/// tokens once the starter is removed): a small window keeps more
/// fingerprints, so a copied function of `K + W - 1` = 17 tokens is seen.
pub const W: usize = 6;

/// A document's fingerprints: sorted, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprints(pub Vec<u64>);

impl Fingerprints {
    /// The winnowed fingerprints of a document's items.
    pub fn of(items: &[Vec<Token>]) -> Fingerprints {
        let mut kept = Vec::new();
        for item in items {
            winnow(&kgram_hashes(item), &mut kept);
        }
        Fingerprints::from(kept)
    }

    /// Every k-gram hash of a document, not only the winnowed ones: the
    /// starter's, removed from the students' (a fingerprint the starter has
    /// anywhere is no one's own work).
    pub fn every_kgram(items: &[Vec<Token>]) -> Fingerprints {
        Fingerprints::from(
            items
                .iter()
                .flat_map(|item| kgram_hashes(item))
                .collect::<Vec<_>>(),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds another document's fingerprints (one submission's files).
    pub fn extend(&mut self, other: &Fingerprints) {
        let mut all = std::mem::take(&mut self.0);
        all.extend(&other.0);
        *self = Fingerprints::from(all);
    }

    /// Drops the fingerprints `base` has.
    pub fn remove(&mut self, base: &Fingerprints) {
        self.0.retain(|h| base.0.binary_search(h).is_err());
    }

    /// How many fingerprints both have.
    pub fn shared(&self, other: &Fingerprints) -> usize {
        // Both are sorted: one merge.
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < self.0.len() && j < other.0.len() {
            match self.0[i].cmp(&other.0[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }
}

impl From<Vec<u64>> for Fingerprints {
    fn from(mut hashes: Vec<u64>) -> Fingerprints {
        hashes.sort_unstable();
        hashes.dedup();
        Fingerprints(hashes)
    }
}

/// The hash of each k-gram of `tokens`, in order. FNV-1a, not std's hasher:
/// the same on every machine and in every release, so reports compare.
fn kgram_hashes(tokens: &[Token]) -> Vec<u64> {
    let codes: Vec<[u8; 4]> = tokens.iter().map(|t| t.code().to_le_bytes()).collect();
    codes
        .windows(K)
        .map(|kgram| fnv1a(kgram.as_flattened()))
        .collect()
}

/// Pushes the smallest hash of each window of `W` hashes onto `kept`; a
/// sequence shorter than one window keeps its smallest, so a short function
/// leaves a trace too.
fn winnow(hashes: &[u64], kept: &mut Vec<u64>) {
    if hashes.len() < W {
        kept.extend(hashes.iter().min());
        return;
    }
    kept.extend(hashes.windows(W).filter_map(|window| window.iter().min()));
}

#[cfg(test)]
mod tests {
    use super::super::tokens::items;
    use super::*;

    const SERVER: &str = r#"
        fn serve(listener: TcpListener) {
            for incoming in listener.incoming() {
                match incoming {
                    Ok(stream) => { if let Err(err) = echo(stream) { eprintln!("{err}"); } }
                    Err(err) => eprintln!("accept: {err}"),
                }
            }
        }
        fn echo(mut stream: TcpStream) -> io::Result<()> {
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf)?;
                if n == 0 { break; }
                stream.write_all(&buf[..n])?;
            }
            stream.shutdown(Shutdown::Write)
        }
    "#;

    fn fingerprints(source: &str) -> Fingerprints {
        Fingerprints::of(&items(source).unwrap())
    }

    /// How much of `a` is in `b`.
    fn containment(a: &Fingerprints, b: &Fingerprints) -> f64 {
        a.shared(b) as f64 / a.len() as f64
    }

    #[test]
    fn renaming_changes_no_fingerprint() {
        let renamed = SERVER
            .replace("listener", "sock")
            .replace("stream", "conn")
            .replace("echo", "bounce")
            .replace("buf", "chunk")
            .replace("serve", "run_forever")
            .replace("4096", "8192");
        assert!(fingerprints(SERVER).len() > 5);
        assert_eq!(fingerprints(SERVER), fingerprints(&renamed));
    }

    #[test]
    fn reordering_functions_keeps_the_similarity() {
        let (serve, echo) = SERVER.split_at(SERVER.find("fn echo").unwrap());
        let reordered = format!("{echo}\n{serve}");
        let (a, b) = (fingerprints(SERVER), fingerprints(&reordered));
        let similarity = containment(&a, &b).min(containment(&b, &a));
        assert!(similarity >= 0.9, "{similarity}");
    }

    #[test]
    fn different_code_shares_little() {
        let other = r#"
            async fn run(addr: &str) -> std::io::Result<()> {
                let listener = TcpListener::bind(addr).await?;
                loop {
                    let (mut socket, _) = listener.accept().await?;
                    tokio::spawn(async move {
                        let (mut reader, mut writer) = socket.split();
                        let _ = tokio::io::copy(&mut reader, &mut writer).await;
                    });
                }
            }
        "#;
        let (a, b) = (fingerprints(SERVER), fingerprints(other));
        assert!(containment(&a, &b) < 0.2, "{}", containment(&a, &b));
        assert!(containment(&b, &a) < 0.2, "{}", containment(&b, &a));
    }

    #[test]
    fn the_base_removes_what_it_shares() {
        let mut a = fingerprints(SERVER);
        let base = Fingerprints::every_kgram(&items(SERVER).unwrap());
        a.remove(&base);
        assert_eq!(a.len(), 0);
    }
}
