//! The two programs over 127.0.0.1: every test starts its own server on
//! port 0 in its own root folder, bounds every wait, and kills the server
//! when it ends, even when it fails.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use file_transfer_solution::{Code, FrameReader, Message};

/// Longest any one program may run before the test gives up on it.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A running `ft-server`, killed on drop.
struct Server {
    child: Child,
    addr: String,
    root: PathBuf,
    /// Scratch folder for the client's files, beside the root.
    work: PathBuf,
}

impl Server {
    fn start(test: &str) -> Server {
        let base = std::env::temp_dir().join(format!("ft-rt-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let root = base.join("root");
        let work = base.join("work");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&work).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ft-server"))
            .args(["--root", root.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start ft-server");
        // Read the readiness line on a thread, so a silent server cannot
        // hang the test.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Server {
            child,
            addr: String::new(),
            root,
            work,
        };
        let line = rx.recv_timeout(TIMEOUT).expect("listening line");
        server.addr = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("readiness line: {line:?}"))
            .to_string();
        server
    }

    /// Runs `ft-client ADDR args…` in the work folder.
    fn client(&self, args: &[&str]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ft-client"))
            .arg(&self.addr)
            .args(args)
            .current_dir(&self.work)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ft-client");
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > TIMEOUT {
                let _ = child.kill();
                panic!("ft-client {args:?} ran over {TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(5));
        }
        child.wait_with_output().unwrap()
    }

    /// A raw connection, for frames the client would never send.
    fn connect(&self) -> (TcpStream, FrameReader<TcpStream>) {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let reader = FrameReader::new(stream.try_clone().unwrap());
        (stream, reader)
    }

    fn root_entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(base) = self.root.parent() {
            let _ = fs::remove_dir_all(base);
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
}

/// Deterministic pseudo-random bytes (xorshift64).
fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

fn read_status(reader: &mut FrameReader<TcpStream>) -> (Code, u64) {
    match reader.read_message().unwrap() {
        Some(Message::Status { code, value, .. }) => (code, value),
        other => panic!("expected STATUS, got {other:?}"),
    }
}

#[test]
fn put_then_get_returns_the_same_bytes() {
    let server = Server::start("roundtrip");
    let files = [
        ("empty.bin", Vec::new()),
        ("one.bin", vec![0x42]),
        ("mib.bin", random_bytes(1 << 20, 0x9E37_79B9_7F4A_7C15)),
    ];
    for (name, bytes) in &files {
        fs::write(server.work.join(name), bytes).unwrap();
        assert_exit(&server.client(&["put", name]), 0);
        assert_eq!(
            &fs::read(server.root.join(name)).unwrap(),
            bytes,
            "{name} on the server"
        );
        let copy = format!("copy-{name}");
        assert_exit(&server.client(&["get", name, "-o", &copy]), 0);
        assert_eq!(
            &fs::read(server.work.join(&copy)).unwrap(),
            bytes,
            "{name} fetched"
        );
    }
    // GET without -o saves under the file's name in the current folder.
    fs::remove_file(server.work.join("one.bin")).unwrap();
    assert_exit(&server.client(&["get", "one.bin"]), 0);
    assert_eq!(fs::read(server.work.join("one.bin")).unwrap(), [0x42]);

    let out = server.client(&["list"]);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "0\tempty.bin\n1048576\tmib.bin\n1\tone.bin\n"
    );
}

#[test]
fn list_shows_only_valid_regular_files_sorted() {
    let server = Server::start("list");
    assert_eq!(server.client(&["list"]).stdout, b"");
    fs::write(server.root.join("b.txt"), "bb").unwrap();
    fs::write(server.root.join("a.txt"), "a").unwrap();
    fs::write(server.root.join(".hidden"), "x").unwrap();
    fs::create_dir(server.root.join("folder")).unwrap();
    let out = server.client(&["list"]);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "1\ta.txt\n2\tb.txt\n"
    );
}

#[test]
fn errors_have_their_exit_codes() {
    let server = Server::start("errors");
    let out = server.client(&["get", "missing.txt"]);
    assert_exit(&out, 3);
    assert!(
        stderr(&out).starts_with("server: NOT_FOUND: "),
        "{}",
        stderr(&out)
    );
    assert!(!server.work.join("missing.txt").exists());

    assert_exit(&server.client(&["get"]), 2);
    assert_exit(&server.client(&["put", "no-such-file.txt"]), 1);

    let refused = Command::new(env!("CARGO_BIN_EXE_ft-client"))
        .args(["127.0.0.1:1", "list"])
        .output()
        .unwrap();
    assert_exit(&refused, 1);
    assert!(stderr(&refused).starts_with("connect 127.0.0.1:1: "));
}

#[test]
fn traversal_names_are_rejected_and_nothing_escapes_the_root() {
    let server = Server::start("traversal");
    fs::write(server.work.join("x.txt"), "escape").unwrap();
    for name in ["../x.txt", "/tmp/x.txt", "a/b", "..", ".x.txt"] {
        let out = server.client(&["put", "x.txt", "--as", name]);
        assert_exit(&out, 3);
        assert!(
            stderr(&out).starts_with("server: BAD_NAME: "),
            "{name}: {}",
            stderr(&out)
        );
        let out = server.client(&["get", name, "-o", "got.txt"]);
        assert_exit(&out, 3);
    }
    assert!(server.root_entries().is_empty());
    let base = server.root.parent().unwrap();
    assert!(!base.join("x.txt").exists(), "written outside the root");

    // A NUL byte can only be sent raw; the connection stays usable after it.
    let (mut stream, mut reader) = server.connect();
    Message::Put {
        size: 1,
        name: b"a\0b",
    }
    .write_to(&mut stream)
    .unwrap();
    assert_eq!(read_status(&mut reader), (Code::BadName, 0));
    Message::List.write_to(&mut stream).unwrap();
    assert_eq!(read_status(&mut reader), (Code::Ok, 0));
}

#[test]
fn a_digest_mismatch_leaves_no_file() {
    let server = Server::start("digest");
    let (mut stream, mut reader) = server.connect();
    Message::Put {
        size: 5,
        name: b"bad.txt",
    }
    .write_to(&mut stream)
    .unwrap();
    assert_eq!(read_status(&mut reader), (Code::Ok, 0));
    Message::Data(b"hello").write_to(&mut stream).unwrap();
    Message::Done([0; 32]).write_to(&mut stream).unwrap();
    assert_eq!(read_status(&mut reader), (Code::BadDigest, 0));
    assert!(
        server.root_entries().is_empty(),
        "{:?}",
        server.root_entries()
    );
    // The connection is still usable.
    Message::Get { name: b"bad.txt" }
        .write_to(&mut stream)
        .unwrap();
    assert_eq!(read_status(&mut reader), (Code::NotFound, 0));
}

#[test]
fn a_client_leaving_mid_file_leaves_no_file() {
    let server = Server::start("vanish");
    {
        let (mut stream, mut reader) = server.connect();
        Message::Put {
            size: 1000,
            name: b"half.txt",
        }
        .write_to(&mut stream)
        .unwrap();
        assert_eq!(read_status(&mut reader), (Code::Ok, 0));
        Message::Data(&[1; 400]).write_to(&mut stream).unwrap();
        stream.flush().unwrap();
    }
    // The server notices the close, deletes its temporary file, and serves
    // the next client.
    let start = Instant::now();
    while !server.root_entries().is_empty() {
        assert!(start.elapsed() < TIMEOUT, "{:?}", server.root_entries());
        thread::sleep(Duration::from_millis(10));
    }
    assert_exit(&server.client(&["list"]), 0);
}

#[test]
fn malformed_frames_get_malformed_and_a_close() {
    let server = Server::start("malformed");
    let frames: [&[u8]; 4] = [
        &[0, 0, 0, 0],                      // length 0
        &[0xFF, 0xFF, 0xFF, 0xFF],          // far too long
        &[0, 0, 0, 1, 0x42],                // unknown kind
        &[0, 0, 0, 6, 0x10, 1, 2, 3, 4, 5], // DATA outside a PUT
    ];
    for frame in frames {
        let (mut stream, mut reader) = server.connect();
        stream.write_all(frame).unwrap();
        assert_eq!(read_status(&mut reader).0, Code::Malformed, "{frame:02x?}");
        assert!(
            reader.read_message().unwrap().is_none(),
            "closed after {frame:02x?}"
        );
    }
    // More DATA than announced, in a PUT.
    let (mut stream, mut reader) = server.connect();
    Message::Put {
        size: 2,
        name: b"two.txt",
    }
    .write_to(&mut stream)
    .unwrap();
    assert_eq!(read_status(&mut reader), (Code::Ok, 0));
    Message::Data(b"abc").write_to(&mut stream).unwrap();
    assert_eq!(read_status(&mut reader).0, Code::Malformed);
    assert!(server.root_entries().is_empty());
    // The server is still there for the next client.
    assert_exit(&server.client(&["list"]), 0);
}

#[test]
fn too_large_is_refused_before_any_data() {
    let server = Server::start("toolarge");
    let (mut stream, mut reader) = server.connect();
    Message::Put {
        size: 1 << 40,
        name: b"huge.iso",
    }
    .write_to(&mut stream)
    .unwrap();
    assert_eq!(read_status(&mut reader), (Code::TooLarge, 4 << 30));
    assert!(server.root_entries().is_empty());
}
