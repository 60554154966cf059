//! File transfer server: lists, sends and receives the files directly in one
//! folder (the root), one thread per connection.
//!
//! Usage: `ft-server --root DIR [--listen ADDR] [--max-size BYTES]`
//! (default address `127.0.0.1:7879`, default limit 4 GiB).
//!
//! Every request and answer is a frame (see `lib.rs`). The server trusts
//! nothing it receives: names are checked before they touch the file system,
//! sizes before a byte is stored, and every upload is written under a
//! temporary name until its digest proves it complete.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use file_transfer_solution::{
    Code, DEFAULT_MAX_SIZE, DataFrame, FrameError, FrameReader, MAX_PAYLOAD, Message, TempFile,
    check_name, hex, read_full,
};
use sha2::{Digest, Sha256};

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7879";

/// Receive buffer per connection: 256 KiB, room for four DATA frames, so one
/// read() system call usually brings several frames.
const SOCKET_BUF: usize = 256 * 1024;

/// After answering MALFORMED, how long we keep reading (and discarding) what
/// the client still sends before we close. See `refuse`.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// At most this many bytes are discarded that way.
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// What the command line asks for.
struct Config {
    root: PathBuf,
    listen: String,
    max_size: u64,
}

fn main() {
    let config = parse_args();
    match fs::metadata(&config.root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => fail(&format!("root {}: not a folder", config.root.display())),
        Err(err) => fail(&format!("root {}: {err}", config.root.display())),
    }
    let listener = open_listener(&config.listen);
    serve_forever(listener, Arc::new(config));
}

/// Reads `--root DIR`, `--listen ADDR` and `--max-size BYTES` (each also as
/// `--flag=VALUE`).
fn parse_args() -> Config {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut listen = DEFAULT_LISTEN.to_string();
    let mut max_size = DEFAULT_MAX_SIZE;
    while let Some(arg) = args.next() {
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), value.to_string()),
            None => (arg, args.next().unwrap_or_else(|| usage())),
        };
        match flag.as_str() {
            "--root" => root = Some(PathBuf::from(value)),
            "--listen" => listen = value,
            "--max-size" => max_size = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let root = root.unwrap_or_else(|| usage());
    Config {
        root,
        listen,
        max_size,
    }
}

fn usage() -> ! {
    eprintln!("usage: ft-server --root DIR [--listen ADDR] [--max-size BYTES]");
    exit(2);
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    exit(1);
}

/// Create, bind and listen; then announce the address the kernel gave us.
fn open_listener(addr: &str) -> TcpListener {
    let listener =
        TcpListener::bind(addr).unwrap_or_else(|err| fail(&format!("bind {addr}: {err}")));
    match listener.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(err) => fail(&format!("listen {addr}: {err}")),
    }
    listener
}

/// Accept clients forever, each on its own thread.
fn serve_forever(listener: TcpListener, config: Arc<Config>) {
    for incoming in listener.incoming() {
        let stream = match incoming {
            Ok(stream) => stream,
            Err(err) => {
                eprintln!("accept: {err}");
                continue;
            }
        };
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "client".to_string(), |a| a.to_string());
        let config = Arc::clone(&config);
        let thread_peer = peer.clone();
        // A transfer can last minutes: serving connections one after another
        // would make every other client wait for it. A thread per connection
        // is the simplest fix; its cost (a stack, a kernel task) limits us to
        // thousands of clients, where an async runtime would take over.
        let spawned = thread::Builder::new()
            .name(format!("ft {peer}"))
            .spawn(move || {
                if let Err(err) = serve_connection(stream, &config) {
                    eprintln!("{thread_peer}: {err}");
                }
            });
        if let Err(err) = spawned {
            // Out of threads or memory: this client is dropped, the
            // server goes on.
            eprintln!("{peer}: cannot start a thread: {err}");
        }
    }
}

// ANCHOR: serve_connection
/// en: Answers requests, one after another, until the client closes.
/// ko: 클라이언트가 닫을 때까지 요청에 하나씩 차례로 답합니다.
fn serve_connection(stream: TcpStream, config: &Config) -> Result<(), FrameError> {
    // en: We write whole messages and flush them ourselves; Nagle's algorithm
    // would only hold our last small frame back waiting for an ACK.
    // ko: 우리는 메시지를 통째로 쓰고 직접 flush합니다. 네이글 알고리즘은 마지막 작은 프레임을
    // ACK을 기다리며 붙잡아 둘 뿐입니다.
    stream.set_nodelay(true)?;
    // en: Two handles on one socket: reads and writes have separate buffers.
    // ko: 소켓 하나에 핸들 두 개: 읽기와 쓰기는 버퍼가 따로 있습니다.
    let mut reader = FrameReader::new(BufReader::with_capacity(SOCKET_BUF, stream.try_clone()?));
    let mut writer = BufWriter::new(stream);
    loop {
        let result = match reader.read_message() {
            // en: The client closed between requests: the normal end.
            // ko: 클라이언트가 요청과 요청 사이에 닫았습니다. 정상적인 끝입니다.
            Ok(None) => return Ok(()),
            Ok(Some(Message::List)) => list(&config.root, &mut writer),
            Ok(Some(Message::Get { name })) => get(&config.root, name, &mut writer),
            Ok(Some(Message::Put { size, name })) => {
                // en: The name lives in the reader's buffer, which the file's
                // DATA frames will overwrite: copy it (at most 64 KiB,
                // once per request).
                // ko: 이름은 읽는 쪽의 버퍼에 있고, 파일의 DATA 프레임이 그 버퍼를 덮어쓸 것입니다.
                // 그래서 복사해 둡니다(많아야 64 KiB, 요청마다 한 번).
                let name = name.to_vec();
                put(config, size, &name, &mut reader, &mut writer)
            }
            Ok(Some(other)) => Err(FrameError::Malformed(format!(
                "{} frame where a request was expected",
                other.name()
            ))),
            Err(err) => Err(err),
        };
        match result {
            Ok(()) => writer.flush()?,
            Err(FrameError::Malformed(why)) => return refuse(writer, why),
            // en: A broken or truncated connection: nothing more to say to it.
            // ko: 끊기거나 중간에 잘린 연결입니다. 더 할 말이 없습니다.
            Err(err) => return Err(err),
        }
    }
}
// ANCHOR_END: serve_connection

/// Answers MALFORMED and closes. The client broke the protocol, so we can
/// no longer tell where its next frame starts: the connection is over.
fn refuse(mut writer: BufWriter<TcpStream>, why: String) -> Result<(), FrameError> {
    Message::status(Code::Malformed, 0, &why).write_to(&mut writer)?;
    writer.flush()?;
    let stream = writer.get_ref();
    // Closing a socket while unread bytes wait in its receive buffer makes
    // the kernel send a reset (RST) instead of a FIN, and a reset can destroy
    // our STATUS in the client's buffer before the client reads it. So: send
    // FIN after the STATUS, then read and drop what the client still sends,
    // for a bounded time, before closing.
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(DRAIN_TIME))?;
    let _ = io::copy(&mut stream.take(DRAIN_LIMIT), &mut io::sink());
    Err(FrameError::Malformed(why))
}

fn status<W: Write>(w: &mut W, code: Code, value: u64, message: &str) -> Result<(), FrameError> {
    Message::status(code, value, message).write_to(w)?;
    Ok(())
}

/// LIST: one ENTRY per regular file with a valid name, sorted, then OK.
fn list<W: Write>(root: &Path, w: &mut W) -> Result<(), FrameError> {
    let dir = match fs::read_dir(root) {
        Ok(dir) => dir,
        Err(err) => return status(w, Code::ServerError, 0, &format!("cannot list: {err}")),
    };
    let mut entries = Vec::new();
    for entry in dir.flatten() {
        let name = entry.file_name();
        // Files whose names a client could not ask for (temporary files,
        // non-UTF-8 names, …) are not listed.
        let Some(name) = name.to_str().filter(|n| check_name(n.as_bytes()).is_ok()) else {
            continue;
        };
        // DirEntry::metadata does not follow symbolic links: a link is not
        // a regular file, so a link to /etc/passwd is never served.
        match entry.metadata() {
            Ok(meta) if meta.is_file() => entries.push((name.to_string(), meta.len())),
            _ => continue,
        }
    }
    // Strings compare bytewise, which is the order the protocol promises.
    entries.sort();
    for (name, size) in &entries {
        Message::Entry {
            size: *size,
            name: name.as_bytes(),
        }
        .write_to(w)?;
    }
    status(w, Code::Ok, entries.len() as u64, "")
}

/// Opens `path` if it is a regular file (not a folder, not a link).
fn open_regular(path: &Path) -> io::Result<Option<(File, u64)>> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Ok(None),
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    }
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    Ok(Some((file, size)))
}

/// GET: OK with the size, the file in DATA frames, then DONE with its digest.
fn get<W: Write>(root: &Path, name: &[u8], w: &mut W) -> Result<(), FrameError> {
    let name = match check_name(name) {
        Ok(name) => name,
        Err(why) => return status(w, Code::BadName, 0, &why.to_string()),
    };
    let (mut file, size) = match open_regular(&root.join(name)) {
        Ok(Some(found)) => found,
        Ok(None) => return status(w, Code::NotFound, 0, &format!("no file named {name}")),
        Err(err) => {
            return status(
                w,
                Code::ServerError,
                0,
                &format!("cannot open {name}: {err}"),
            );
        }
    };
    status(w, Code::Ok, size, "")?;

    // Stream the file: 64 KiB in memory at a time, whatever its size. Each
    // chunk is read from the file straight into the frame that carries it.
    let mut frame = DataFrame::default();
    let mut hasher = Sha256::new();
    let mut left = size;
    while left > 0 {
        let want = left.min(MAX_PAYLOAD as u64) as usize;
        let n = read_full(&mut file, &mut frame.payload_mut()[..want])?;
        if n == 0 {
            // The file shrank after we announced its size. We cannot take
            // the announcement back: closing the connection is the only
            // honest answer, and the client will keep no file.
            return Err(FrameError::Io(io::Error::other(format!(
                "{name} shrank while being sent ({left} bytes missing)"
            ))));
        }
        hasher.update(&frame.payload_mut()[..n]);
        w.write_all(frame.frame(n))?;
        left -= n as u64;
    }
    Message::Done(hasher.finalize().into()).write_to(w)?;
    Ok(())
}

// ANCHOR: put
/// en: PUT: check, answer OK, receive DATA into a temporary file until DONE, and
/// keep the file under its name only if its length and digest are right.
/// ko: PUT: 검사하고, OK로 답하고, DONE까지 DATA를 임시 파일에 받은 뒤, 길이와 다이제스트가 맞을
/// 때만 그 이름으로 파일을 남깁니다.
fn put<R: Read, W: Write>(
    config: &Config,
    size: u64,
    name: &[u8],
    reader: &mut FrameReader<R>,
    w: &mut W,
) -> Result<(), FrameError> {
    let name = match check_name(name) {
        Ok(name) => name,
        Err(why) => return status(w, Code::BadName, 0, &why.to_string()),
    };
    if size > config.max_size {
        let why = format!(
            "{size} bytes is over the limit of {} bytes",
            config.max_size
        );
        return status(w, Code::TooLarge, config.max_size, &why);
    }
    let mut temp = match TempFile::create_in(&config.root) {
        Ok(temp) => temp,
        Err(err) => return status(w, Code::ServerError, 0, &format!("cannot store: {err}")),
    };
    // en: From here on, every `return` drops `temp`, which deletes the file,
    // unless `commit` renamed it.
    // ko: 여기서부터는 모든 `return`이 `temp`를 drop하고, `commit`이 이름을 바꾸지 않았다면 그때
    // 파일이 지워집니다.
    status(w, Code::Ok, 0, "")?;
    // en: The client waits for this answer before it sends the file.
    // ko: 클라이언트는 파일을 보내기 전에 이 답을 기다립니다.
    w.flush()?;

    let mut hasher = Sha256::new();
    let mut received = 0u64;
    // en: A full disk must not desynchronise us from the client: remember the
    // error, keep reading its frames, and report it at DONE.
    // ko: 디스크가 가득 차도 클라이언트와 어긋나면 안 됩니다. 오류를 기억해 두고, 클라이언트의
    // 프레임을 계속 읽고, DONE에서 알립니다.
    let mut disk_error = None;
    loop {
        match reader.read_message()? {
            Some(Message::Data(data)) => {
                received += data.len() as u64;
                if received > size {
                    return Err(FrameError::Malformed(format!(
                        "more DATA than the announced {size} bytes"
                    )));
                }
                hasher.update(data);
                if disk_error.is_none() {
                    disk_error = temp.write_all(data).err();
                }
            }
            Some(Message::Done(digest)) => {
                if received != size {
                    return Err(FrameError::Malformed(format!(
                        "DONE after {received} of the announced {size} bytes"
                    )));
                }
                if let Some(err) = disk_error {
                    return status(w, Code::ServerError, 0, &format!("cannot store: {err}"));
                }
                let ours: [u8; 32] = hasher.finalize().into();
                if digest != ours {
                    let why = format!("digest mismatch: received bytes hash to {}", hex(&ours));
                    return status(w, Code::BadDigest, 0, &why);
                }
                return match temp.commit(&config.root.join(name)) {
                    Ok(()) => status(w, Code::Ok, size, ""),
                    Err(err) => status(w, Code::ServerError, 0, &format!("cannot store: {err}")),
                };
            }
            Some(other) => {
                return Err(FrameError::Malformed(format!(
                    "{} frame in the middle of a PUT",
                    other.name()
                )));
            }
            None => {
                return Err(FrameError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("client left after {received} of {size} bytes of {name}"),
                )));
            }
        }
    }
}
// ANCHOR_END: put
