//! ft-server, the alternative: one `Session` per connection, a method per
//! request, and a protocol violation as the one error that ends a session
//! with STATUS MALFORMED.

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use file_transfer_alternative::*;
use sha2::{Digest, Sha256};

struct Settings {
    root: PathBuf,
    max_size: u64,
}

/// Why a session ends.
enum End {
    /// The client broke the protocol: answer MALFORMED, drain, close.
    Violation(String),
    /// The connection failed or was cut: just close.
    Lost(String),
}

impl From<io::Error> for End {
    fn from(err: io::Error) -> End {
        End::Lost(err.to_string())
    }
}

impl From<RecvError> for End {
    fn from(err: RecvError) -> End {
        match err {
            RecvError::Bad(why) => End::Violation(why),
            other => End::Lost(other.to_string()),
        }
    }
}

struct Session<'a> {
    settings: &'a Settings,
    frames: Frames<TcpStream>,
    out: BufWriter<TcpStream>,
}

impl Session<'_> {
    fn run(&mut self) -> Result<(), End> {
        loop {
            let Some((kind, payload)) = self.frames.next()? else {
                return Ok(());
            };
            match kind {
                K_LIST if payload.is_empty() => self.list()?,
                K_GET => {
                    let name = payload.to_vec();
                    self.get(&name)?
                }
                K_PUT => {
                    let Some((size, name)) = sized(payload) else {
                        return Err(End::Violation("short PUT".into()));
                    };
                    let name = name.to_vec();
                    self.put(size, &name)?
                }
                other => {
                    return Err(End::Violation(format!(
                        "kind 0x{other:02x} is not a request"
                    )));
                }
            }
            self.out.flush()?;
        }
    }

    fn list(&mut self) -> Result<(), End> {
        let mut found: Vec<(String, u64)> = Vec::new();
        match fs::read_dir(&self.settings.root) {
            Ok(dir) => {
                for entry in dir.flatten() {
                    // file_type() does not follow a symbolic link.
                    let regular = entry.file_type().is_ok_and(|t| t.is_file());
                    let name = entry.file_name().into_string().unwrap_or_default();
                    if regular && valid_name(name.as_bytes()).is_ok() {
                        let size = entry.metadata().map_or(0, |m| m.len());
                        found.push((name, size));
                    }
                }
            }
            Err(err) => {
                put_status(&mut self.out, SERVER_ERROR, 0, &err.to_string())?;
                return Ok(());
            }
        }
        found.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for (name, size) in &found {
            put_frame(
                &mut self.out,
                K_ENTRY,
                &[&size.to_be_bytes(), name.as_bytes()],
            )?;
        }
        put_status(&mut self.out, OK, found.len() as u64, "")?;
        Ok(())
    }

    fn get(&mut self, raw: &[u8]) -> Result<(), End> {
        let name = match valid_name(raw) {
            Ok(name) => name,
            Err(why) => return Ok(put_status(&mut self.out, BAD_NAME, 0, why)?),
        };
        let path = self.settings.root.join(name);
        let is_file = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        let opened = if is_file {
            fs::File::open(&path).ok()
        } else {
            None
        };
        let Some(mut file) = opened else {
            return Ok(put_status(&mut self.out, NOT_FOUND, 0, name)?);
        };
        let size = file.metadata()?.len();
        put_status(&mut self.out, OK, size, "")?;
        let mut chunk = vec![0u8; MAX_PAYLOAD];
        let mut hash = Sha256::new();
        let mut sent = 0u64;
        while sent < size {
            let want = (size - sent).min(MAX_PAYLOAD as u64) as usize;
            let n = file.read(&mut chunk[..want])?;
            if n == 0 {
                return Err(End::Lost(format!("{name} shrank")));
            }
            hash.update(&chunk[..n]);
            put_frame(&mut self.out, K_DATA, &[&chunk[..n]])?;
            sent += n as u64;
        }
        let digest: [u8; 32] = hash.finalize().into();
        put_frame(&mut self.out, K_DONE, &[&digest])?;
        Ok(())
    }

    fn put(&mut self, size: u64, raw: &[u8]) -> Result<(), End> {
        let name = match valid_name(raw) {
            Ok(name) => name.to_string(),
            Err(why) => return Ok(put_status(&mut self.out, BAD_NAME, 0, why)?),
        };
        let max = self.settings.max_size;
        if size > max {
            return Ok(put_status(&mut self.out, TOO_LARGE, max, "too large")?);
        }
        let mut scratch = match Scratch::new(&self.settings.root, "upload") {
            Ok(scratch) => scratch,
            Err(err) => {
                return Ok(put_status(
                    &mut self.out,
                    SERVER_ERROR,
                    0,
                    &err.to_string(),
                )?);
            }
        };
        put_status(&mut self.out, OK, 0, "")?;
        self.out.flush()?;
        let mut hash = Sha256::new();
        let mut got = 0u64;
        let mut failed: Option<io::Error> = None;
        let digest: [u8; 32] = loop {
            let Some((kind, payload)) = self.frames.next()? else {
                return Err(End::Lost(format!("client left during {name}")));
            };
            match kind {
                K_DATA if !payload.is_empty() => {
                    got += payload.len() as u64;
                    if got > size {
                        return Err(End::Violation("more DATA than announced".into()));
                    }
                    hash.update(payload);
                    if failed.is_none() {
                        failed = scratch.write(payload).err();
                    }
                }
                K_DONE if payload.len() == 32 => {
                    if got != size {
                        return Err(End::Violation("DONE before the announced size".into()));
                    }
                    break payload.try_into().unwrap();
                }
                other => return Err(End::Violation(format!("kind 0x{other:02x} inside a PUT"))),
            }
        };
        let (code, value, text) = if let Some(err) = failed {
            (SERVER_ERROR, 0, err.to_string())
        } else if digest != <[u8; 32]>::from(hash.finalize()) {
            (BAD_DIGEST, 0, "digest mismatch".to_string())
        } else {
            match scratch.keep(&self.settings.root.join(&name)) {
                Ok(()) => (OK, size, String::new()),
                Err(err) => (SERVER_ERROR, 0, err.to_string()),
            }
        };
        put_status(&mut self.out, code, value, &text)?;
        Ok(())
    }

    /// MALFORMED, then FIN, then read what is left (bounded), then close.
    fn refuse(mut self, why: &str) {
        let _ = put_status(&mut self.out, MALFORMED, 0, why);
        let _ = self.out.flush();
        let mut stream: &TcpStream = self.frames.get_ref();
        let _ = stream.shutdown(Shutdown::Write);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut sink = [0u8; 16 * 1024];
        let mut total = 0usize;
        while total < 4 << 20 {
            match stream.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    }
}

fn serve(stream: TcpStream, settings: &Settings) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let Ok(reading) = stream.try_clone() else {
        return;
    };
    let mut session = Session {
        settings,
        frames: Frames::new(reading),
        out: BufWriter::with_capacity(128 * 1024, stream),
    };
    match session.run() {
        Ok(()) => {}
        Err(End::Lost(why)) => eprintln!("{peer}: {why}"),
        Err(End::Violation(why)) => {
            eprintln!("{peer}: protocol error: {why}");
            session.refuse(&why);
        }
    }
}

fn main() {
    let mut root = None;
    let mut listen = "127.0.0.1:7879".to_string();
    let mut max_size: u64 = 1 << 32;
    let mut args = std::env::args().skip(1);
    let usage = || -> ! {
        eprintln!("usage: ft-server --root DIR [--listen ADDR] [--max-size BYTES]");
        std::process::exit(2)
    };
    while let Some(arg) = args.next() {
        let (key, value) = match arg.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (arg.clone(), args.next().unwrap_or_else(|| usage())),
        };
        match key.as_str() {
            "--root" => root = Some(PathBuf::from(value)),
            "--listen" => listen = value,
            "--max-size" => max_size = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let root = root.unwrap_or_else(|| usage());
    if !root.is_dir() {
        eprintln!("root {} is not a folder", root.display());
        std::process::exit(1);
    }
    let listener = match TcpListener::bind(&listen) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("bind {listen}: {err}");
            std::process::exit(1);
        }
    };
    let local = listener
        .local_addr()
        .expect("a bound socket has an address");
    println!("listening on {local}");
    let settings = Arc::new(Settings { root, max_size });
    for stream in listener.incoming().flatten() {
        let settings = Arc::clone(&settings);
        std::thread::spawn(move || serve(stream, &settings));
    }
}
