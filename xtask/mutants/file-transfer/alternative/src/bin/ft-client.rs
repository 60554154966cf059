//! ft-client, the alternative: every failure is an `Exit` carrying its
//! code and its line, decided where it happens.

use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use file_transfer_alternative::*;
use sha2::{Digest, Sha256};

/// A failure: the exit code and the line for stderr.
struct Exit(i32, String);

struct Link {
    addr: String,
    frames: Frames<TcpStream>,
    out: BufWriter<TcpStream>,
}

impl Link {
    fn open(addr: &str) -> Result<Link, Exit> {
        let fail = |err: std::io::Error| Exit(1, format!("connect {addr}: {err}"));
        let stream = TcpStream::connect(addr).map_err(fail)?;
        stream.set_nodelay(true).map_err(fail)?;
        Ok(Link {
            addr: addr.to_string(),
            frames: Frames::new(stream.try_clone().map_err(fail)?),
            out: BufWriter::with_capacity(128 * 1024, stream),
        })
    }

    fn send(&mut self, kind: u8, parts: &[&[u8]], flush: bool) -> Result<(), Exit> {
        let mut result = put_frame(&mut self.out, kind, parts);
        if flush && result.is_ok() {
            result = self.out.flush();
        }
        result.map_err(|err| Exit(1, format!("send to {}: {err}", self.addr)))
    }

    /// The next frame; `in_file` makes a cut stream an integrity failure.
    fn recv(&mut self, in_file: bool) -> Result<(u8, Vec<u8>), Exit> {
        let addr = self.addr.clone();
        match self.frames.next() {
            Ok(Some((kind, payload))) => Ok((kind, payload.to_vec())),
            Ok(None) | Err(RecvError::Cut) if in_file => Err(Exit(
                4,
                format!("receive from {addr}: the file was cut short"),
            )),
            Ok(None) => Err(Exit(1, format!("receive from {addr}: connection closed"))),
            Err(err) => Err(Exit(1, format!("receive from {addr}: {err}"))),
        }
    }

    /// Waits for a STATUS: its value if OK, else the server's refusal.
    fn verdict(&mut self) -> Result<u64, Exit> {
        let (kind, payload) = self.recv(false)?;
        let status = (kind == K_STATUS).then(|| status_of(&payload)).flatten();
        match status {
            Some((OK, value, _)) => Ok(value),
            Some((code, _, text)) => {
                let exit = if code == BAD_DIGEST { 4 } else { 3 };
                Err(Exit(exit, format!("server: {}: {text}", code_name(code))))
            }
            None => Err(Exit(
                1,
                format!("receive from {}: expected STATUS", self.addr),
            )),
        }
    }
}

fn list(link: &mut Link) -> Result<(), Exit> {
    link.send(K_LIST, &[], true)?;
    let mut lines = String::new();
    loop {
        let (kind, payload) = link.recv(false)?;
        if kind == K_STATUS {
            match status_of(&payload) {
                Some((OK, _, _)) => break,
                Some((code, _, text)) => {
                    return Err(Exit(3, format!("server: {}: {text}", code_name(code))));
                }
                None => return Err(Exit(1, format!("receive from {}: bad STATUS", link.addr))),
            }
        }
        match sized(&payload) {
            Some((size, name)) if kind == K_ENTRY => {
                lines.push_str(&format!("{size}\t{}\n", String::from_utf8_lossy(name)));
            }
            _ => {
                return Err(Exit(
                    1,
                    format!("receive from {}: unexpected frame", link.addr),
                ));
            }
        }
    }
    std::io::stdout()
        .write_all(lines.as_bytes())
        .map_err(|err| Exit(1, format!("stdout: {err}")))
}

fn get(link: &mut Link, name: &str, target: &Path) -> Result<(), Exit> {
    link.send(K_GET, &[name.as_bytes()], true)?;
    let size = link.verdict()?;
    let folder = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut scratch = Scratch::new(&folder, "download")
        .map_err(|err| Exit(1, format!("create in {}: {err}", folder.display())))?;
    let mut hash = Sha256::new();
    let mut got = 0u64;
    loop {
        let (kind, payload) = link.recv(true)?;
        match kind {
            K_DATA => {
                got += payload.len() as u64;
                if got > size {
                    return Err(Exit(4, format!("more than the announced {size} bytes")));
                }
                hash.update(&payload);
                scratch
                    .write(&payload)
                    .map_err(|err| Exit(1, format!("write {}: {err}", target.display())))?;
            }
            K_DONE => {
                let ours: [u8; 32] = hash.finalize().into();
                if got != size || payload[..] != ours[..] {
                    return Err(Exit(4, format!("{name}: length or digest does not match")));
                }
                return scratch
                    .keep(target)
                    .map_err(|err| Exit(1, format!("rename to {}: {err}", target.display())));
            }
            _ => {
                return Err(Exit(
                    1,
                    format!("receive from {}: unexpected frame", link.addr),
                ));
            }
        }
    }
}

fn put(link: &mut Link, path: &Path, name: &[u8]) -> Result<(), Exit> {
    let fail = |err: std::io::Error| Exit(1, format!("read {}: {err}", path.display()));
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let size = file.metadata().map_err(fail)?.len();
    link.send(K_PUT, &[&size.to_be_bytes(), name], true)?;
    link.verdict()?;
    let mut chunk = vec![0u8; MAX_PAYLOAD];
    let mut hash = Sha256::new();
    let mut sent = 0u64;
    while sent < size {
        let want = (size - sent).min(MAX_PAYLOAD as u64) as usize;
        let n = file.read(&mut chunk[..want]).map_err(fail)?;
        if n == 0 {
            return Err(Exit(4, format!("{} shrank", path.display())));
        }
        hash.update(&chunk[..n]);
        link.send(K_DATA, &[&chunk[..n]], false)?;
        sent += n as u64;
    }
    let digest: [u8; 32] = hash.finalize().into();
    link.send(K_DONE, &[&digest], true)?;
    link.verdict().map(drop)
}

fn usage() -> ! {
    eprintln!("usage: ft-client ADDR list | get NAME [-o PATH] | put PATH [--as NAME]");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some((&addr, command)) = words.split_first() else {
        usage()
    };
    let valid = matches!(
        command,
        ["list"] | ["get", _] | ["get", _, "-o", _] | ["put", _] | ["put", _, "--as", _]
    );
    if !valid {
        usage();
    }
    let result = Link::open(addr).and_then(|mut link| match command {
        ["get", name] => get(&mut link, name, Path::new(name)),
        ["get", name, "-o", out] => get(&mut link, name, Path::new(out)),
        ["put", path] => match Path::new(path).file_name() {
            Some(name) => put(&mut link, Path::new(path), name.as_encoded_bytes()),
            None => Err(Exit(1, format!("{path}: no file name"))),
        },
        ["put", path, "--as", name] => put(&mut link, Path::new(path), name.as_bytes()),
        _ => list(&mut link),
    });
    if let Err(Exit(code, line)) = result {
        eprintln!("{line}");
        std::process::exit(code);
    }
}
