//! en:
//! # Exercise 2 · File transfer server
//!
//! A folder on this machine, the *root*, holds files. Clients connect to
//! list them, download them (GET) and upload new ones (PUT), many requests
//! per connection, many clients at once. Your server answers every request
//! with frames (see `lib.rs`), and trusts nothing it receives: it checks
//! names before they touch the file system, sizes before it stores a byte,
//! and writes every upload under a temporary name until its digest proves
//! it complete.
//!
//! Usage: `ft-server --root DIR [--listen ADDR] [--max-size BYTES]`
//! (default address `127.0.0.1:7879`, default limit 4 GiB). Once it accepts
//! connections it prints exactly one line to stdout, `listening on
//! <ip>:<port>`. Diagnostics go to stderr. Command-line parsing is given; fill
//! in the `todo!()`s from top to bottom.
//!
//! ko:
//! # 실습 2 · 파일 전송 서버
//!
//! 이 컴퓨터의 폴더 하나, *루트*(root)에 파일이 있습니다. 클라이언트는 연결해서 파일 목록을
//! 보고(LIST), 내려받고(GET), 새 파일을 올립니다(PUT). 연결 하나에 요청 여럿, 한꺼번에
//! 클라이언트 여럿입니다. 서버는 모든 요청에 프레임(frame)으로 답하고(`lib.rs` 참고), 받은
//! 것은 아무것도 믿지 않습니다. 이름은 파일 시스템에 닿기 전에, 크기는 한 바이트라도 저장하기
//! 전에 검사하고, 올라오는 파일은 다이제스트(digest)로 온전함이 증명될 때까지 임시 이름으로
//! 씁니다.
//!
//! 사용법: `ft-server --root DIR [--listen ADDR] [--max-size BYTES]`(기본 주소
//! `127.0.0.1:7879`, 기본 한도 4 GiB). 연결을 받을 준비가 되면 표준 출력(stdout)에 정확히 한
//! 줄, `listening on <ip>:<port>`를 찍습니다. 진단 메시지는 표준 오류(stderr)로 보냅니다.
//! 명령줄 파싱은 주어집니다. `todo!()`를 위에서부터 차례로 채우세요.

// en: Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
// ko: `todo!()`를 채우기 전까지는 이 파일의 많은 부분이 쓰이지 않습니다. 다 채우면 이 줄을
// 지우세요. 그러면 컴파일러가 남은 것을 짚어 줍니다.
#![allow(dead_code, unused_imports)]

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use file_transfer::{
    Code, DEFAULT_MAX_SIZE, DataFrame, FrameError, FrameReader, MAX_PAYLOAD, Message, TempFile,
    check_name, hex, read_full,
};
use sha2::{Digest, Sha256};

/// en: Where the server listens unless `--listen` says otherwise.
/// ko: `--listen`으로 따로 정하지 않을 때 서버가 리슨(listen)하는 주소입니다.
const DEFAULT_LISTEN: &str = "127.0.0.1:7879";

/// en: Receive buffer per connection: 256 KiB, room for four DATA frames, so one
/// read() system call usually brings several frames.
/// ko: 연결마다 두는 받기 버퍼: 256 KiB, DATA 프레임 네 개가 들어가므로 read() 시스템 호출
/// 한 번에 보통 프레임 여러 개가 옵니다.
const SOCKET_BUF: usize = 256 * 1024;

/// en: After answering MALFORMED, how long we keep reading (and discarding) what
/// the client still sends before we close. See `refuse`.
/// ko: MALFORMED로 답한 뒤, 닫기 전에 클라이언트가 아직 보내는 것을 읽어서 버리는 시간입니다.
/// `refuse`를 보세요.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// en: At most this many bytes are discarded that way.
/// ko: 그렇게 버리는 바이트의 최대 수입니다.
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// en: What the command line asks for.
/// ko: 명령줄이 요청하는 것입니다.
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

/// en: Reads `--root DIR`, `--listen ADDR` and `--max-size BYTES` (each also as
/// `--flag=VALUE`).
/// ko: `--root DIR`, `--listen ADDR`, `--max-size BYTES`를 읽습니다(각각 `--flag=VALUE`
/// 형태도 됩니다).
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

/// en: Steps 1–3: create a socket, bind it to `addr`, and listen (as in the
/// echo exercise): `TcpListener::bind(addr)`; on error `fail("bind <addr>:
/// <error>")`. Then print `listening on <ip>:<port>` from
/// `listener.local_addr()`.
///
/// ko: 1–3단계: 소켓(socket)을 만들고, `addr`에 바인드(bind)하고, 리슨합니다(에코 실습과
/// 같습니다): `TcpListener::bind(addr)`. 오류가 나면 `fail("bind <addr>:
/// <error>")`. 그다음 `listener.local_addr()`로 `listening on <ip>:<port>`를 찍습니다.
#[allow(unused_variables)]
fn open_listener(addr: &str) -> TcpListener {
    // ko: 1–3단계: TcpListener::bind 다음 println!("listening on {}", local_addr)
    todo!("steps 1–3: TcpListener::bind, then println!(\"listening on {{}}\", local_addr)")
}

/// en: Step 4: accept clients forever, **each on its own thread**, so that a
/// slow transfer does not make the next client wait.
///
/// - `for incoming in listener.incoming()`; on `Err`, `eprintln!` and go on.
/// - `thread::spawn(move || …)` with the stream and an `Arc::clone(&config)`;
///   in the thread call `serve_connection` and `eprintln!` its error, if any.
///
/// ko: 4단계: 클라이언트를 끝없이 수락(accept)하되, 느린 전송 하나 때문에 다음 클라이언트가
/// 기다리지 않도록 **클라이언트마다 스레드를 하나씩** 둡니다.
///
/// - `for incoming in listener.incoming()`. `Err`이면 `eprintln!`하고 계속합니다.
/// - 스트림과 `Arc::clone(&config)`를 가지고 `thread::spawn(move || …)`. 그 스레드에서
///   `serve_connection`을 부르고, 오류가 있으면 `eprintln!`합니다.
#[allow(unused_variables)]
fn serve_forever(listener: TcpListener, config: Arc<Config>) {
    // ko: 4단계: 수락한 스트림마다 thread::spawn으로 serve_connection
    todo!("step 4: for each accepted stream, thread::spawn a serve_connection")
}

/// en: Answers requests one after another until the client closes.
///
/// - `stream.set_nodelay(true)`: we flush whole messages ourselves.
/// - Reads: `FrameReader::new(BufReader::with_capacity(SOCKET_BUF,
///   stream.try_clone()?))`. Writes: `BufWriter::new(stream)`.
/// - Loop on `reader.read_message()`: `Ok(None)` is the client's clean
///   goodbye, return `Ok(())`. LIST → `list`, GET → `get`, PUT → `put` (copy
///   the name first with `name.to_vec()`: the reader's buffer is reused by the
///   next frame). Any other frame is `FrameError::Malformed`.
/// - After each request `writer.flush()?`: the answer leaves now. On
///   `Err(FrameError::Malformed(why))` call `refuse`; other errors end the
///   connection: return them.
///
/// ko: 클라이언트가 닫을 때까지 요청에 하나씩 차례로 답합니다.
///
/// - `stream.set_nodelay(true)`: 메시지 단위로 직접 flush하기 때문입니다.
/// - 읽기: `FrameReader::new(BufReader::with_capacity(SOCKET_BUF,
///   stream.try_clone()?))`. 쓰기: `BufWriter::new(stream)`.
/// - `reader.read_message()`를 반복합니다. `Ok(None)`은 클라이언트의 깨끗한 작별이니
///   `Ok(())`를 돌려줍니다. LIST → `list`, GET → `get`, PUT → `put`(먼저
///   `name.to_vec()`으로 이름을 복사하세요. reader의 버퍼는 다음 프레임이 다시 씁니다).
///   다른 프레임은 모두 `FrameError::Malformed`입니다.
/// - 요청마다 끝에 `writer.flush()?`: 응답이 이때 나갑니다.
///   `Err(FrameError::Malformed(why))`이면 `refuse`를 부르고, 다른 오류는 연결을 끝냅니다.
///   그대로 돌려주세요.
#[allow(unused_variables, dead_code)]
fn serve_connection(stream: TcpStream, config: &Config) -> Result<(), FrameError> {
    // ko: read_message를 반복, LIST/GET/PUT으로 나누기, 응답마다 flush
    todo!("read_message in a loop, dispatch LIST/GET/PUT, flush after each answer")
}

/// en: Answers STATUS MALFORMED (value 0, message `why`) and closes: after a
/// broken frame we cannot tell where the next one starts.
///
/// Write the STATUS and flush. Then `shutdown(Shutdown::Write)` on
/// `writer.get_ref()`, and read and discard what the client still sends for a
/// short while (`set_read_timeout(Some(DRAIN_TIME))`, `io::copy` of
/// `stream.take(DRAIN_LIMIT)` into `io::sink()`): closing with unread bytes
/// makes the kernel send a reset, which can destroy the STATUS before the
/// client reads it. Return `Err(FrameError::Malformed(why))` so it gets
/// logged.
///
/// ko: STATUS MALFORMED(값 0, 메시지 `why`)로 답하고 닫습니다. 깨진 프레임 뒤에서는 다음
/// 프레임이 어디서 시작하는지 알 수 없기 때문입니다.
///
/// STATUS를 쓰고 flush합니다. 그다음 `writer.get_ref()`에 `shutdown(Shutdown::Write)`를 하고,
/// 클라이언트가 아직 보내는 것을 잠시 읽어서 버립니다(`set_read_timeout(Some(DRAIN_TIME))`,
/// `stream.take(DRAIN_LIMIT)`를 `io::sink()`로 `io::copy`). 읽지 않은 바이트를 남긴 채 닫으면
/// 커널이 리셋(RST)을 보내고, 리셋은 클라이언트가 읽기 전의 STATUS를 없앨 수 있습니다.
/// 기록되도록 `Err(FrameError::Malformed(why))`를 돌려주세요.
#[allow(unused_variables, unused_mut, dead_code)]
fn refuse(mut writer: BufWriter<TcpStream>, why: String) -> Result<(), FrameError> {
    // ko: refuse: STATUS MALFORMED 쓰기, flush, shutdown(Write), 버리며 읽기, 오류 돌려주기
    todo!("refuse: write STATUS MALFORMED, flush, shutdown(Write), drain, return the error")
}

fn status<W: Write>(w: &mut W, code: Code, value: u64, message: &str) -> Result<(), FrameError> {
    Message::status(code, value, message).write_to(w)?;
    Ok(())
}

/// en: LIST: one ENTRY per regular file directly in `root` whose name passes
/// `check_name`, sorted by name, then STATUS OK with value = their number.
///
/// `fs::read_dir(root)` (on error answer SERVER_ERROR); for each entry,
/// `entry.file_name().to_str()` and `entry.metadata()` (it does not follow
/// symbolic links: keep `meta.is_file()` only). Sort a `Vec<(String, u64)>`:
/// strings compare bytewise, the order the protocol wants.
///
/// ko: LIST: `root` 바로 아래에 있고 이름이 `check_name`을 통과하는 일반 파일마다 ENTRY를
/// 하나씩 이름순으로 보내고, 그다음 값이 그 개수인 STATUS OK를 보냅니다.
///
/// `fs::read_dir(root)`(오류가 나면 SERVER_ERROR로 답합니다). 항목마다
/// `entry.file_name().to_str()`와 `entry.metadata()`(심볼릭 링크를 따라가지 않습니다.
/// `meta.is_file()`인 것만 남기세요). `Vec<(String, u64)>`를 정렬하세요. 문자열은 바이트
/// 단위로 비교되고, 그것이 프로토콜이 원하는 순서입니다.
#[allow(unused_variables, dead_code)]
fn list<W: Write>(root: &Path, w: &mut W) -> Result<(), FrameError> {
    // ko: list: read_dir, 일반 파일의 올바른 이름만, 정렬, 각각 ENTRY, STATUS OK
    todo!("list: read_dir, keep valid names of regular files, sort, ENTRY each, STATUS OK")
}

/// en: Opens `path` if it is a regular file (not a folder, not a link).
/// ko: `path`가 일반 파일(폴더도 링크도 아닌 파일)이면 엽니다.
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

/// en: GET: STATUS OK with the size, the file in DATA frames, then DONE with the
/// SHA-256 of the bytes sent.
///
/// - `check_name` (else BAD_NAME, value 0), then `open_regular(&root.join(name))`
///   (`None` is NOT_FOUND, an error SERVER_ERROR).
/// - Stream it: never hold the whole file. A `DataFrame::default()` holds one
///   frame; `read_full(&mut file, &mut frame.payload_mut()[..want])` with `want`
///   at most `MAX_PAYLOAD` and the bytes still owed; `hasher.update` those
///   bytes; `w.write_all(frame.frame(n))`. Stop after exactly `size` bytes.
/// - If the file ends early, return an error: that closes the connection.
/// - `Message::Done(hasher.finalize().into()).write_to(w)`.
///
/// ko: GET: 크기를 담은 STATUS OK, DATA 프레임에 담은 파일, 그다음 보낸 바이트의 SHA-256을
/// 담은 DONE을 보냅니다.
///
/// - `check_name`(아니면 BAD_NAME, 값 0), 그다음 `open_regular(&root.join(name))`
///   (`None`은 NOT_FOUND, 오류는 SERVER_ERROR).
/// - 흘려보내세요. 파일 전체를 메모리에 담지 마세요. `DataFrame::default()`에 프레임
///   하나가 들어갑니다. `read_full(&mut file, &mut frame.payload_mut()[..want])`에서
///   `want`는 `MAX_PAYLOAD`와 아직 보낼 바이트 수 중 작은 값입니다. 그 바이트로
///   `hasher.update`, 그리고 `w.write_all(frame.frame(n))`. 정확히 `size`바이트 뒤에 멈춥니다.
/// - 파일이 일찍 끝나면 오류를 돌려주세요. 그러면 연결이 닫힙니다.
/// - `Message::Done(hasher.finalize().into()).write_to(w)`.
#[allow(unused_variables, dead_code)]
fn get<W: Write>(root: &Path, name: &[u8], w: &mut W) -> Result<(), FrameError> {
    // ko: get: 검사, open_regular, 크기를 담은 STATUS OK, read_full로 DATA 프레임, DONE
    todo!("get: check, open_regular, STATUS OK size, DATA frames with read_full, DONE")
}

/// en: PUT: check the request, answer, receive the file into a temporary file,
/// keep it only if length and digest match.
///
/// - `check_name` (else BAD_NAME, value 0); `size > config.max_size` is
///   TOO_LARGE with value = the limit. Nothing is stored in either case.
/// - `TempFile::create_in(&config.root)` (an error is SERVER_ERROR), then
///   STATUS OK value 0 and `w.flush()`: the client waits for it before it
///   sends the file.
/// - Loop on `reader.read_message()?`: DATA → count (more than `size` is
///   Malformed), `hasher.update`, `temp.write_all` (keep its first error and
///   go on reading); DONE → the count must be `size` (else Malformed), a
///   write error is SERVER_ERROR, the digest must equal yours (else
///   BAD_DIGEST, value 0), then `temp.commit(&config.root.join(name))`: STATUS
///   OK with value = size, or SERVER_ERROR if it fails (a folder may have that
///   name). These answers keep the connection. Any other frame is Malformed;
///   `None` (the client left) is an error. Every `return` before the commit
///   drops `temp`: the file is gone.
///
/// ko: PUT: 요청을 검사하고, 답하고, 파일을 임시 파일(temporary file)로 받아서 길이와
/// 다이제스트가 맞을 때만 남깁니다.
///
/// - `check_name`(아니면 BAD_NAME, 값 0). `size > config.max_size`이면 값이 한도인
///   TOO_LARGE입니다. 두 경우 모두 아무것도 저장하지 않습니다.
/// - `TempFile::create_in(&config.root)`(오류는 SERVER_ERROR), 그다음 값 0의 STATUS OK와
///   `w.flush()`: 클라이언트는 이 응답을 기다린 뒤에 파일을 보냅니다.
/// - `reader.read_message()?`를 반복합니다. DATA → 바이트 수를 세고(`size`보다 많으면
///   Malformed), `hasher.update`, `temp.write_all`(첫 오류를 기억해 두고 계속 읽습니다).
///   DONE → 센 수가 `size`여야 하고(아니면 Malformed), 쓰기 오류가 있었으면 SERVER_ERROR,
///   다이제스트가 여러분의 것과 같아야 하고(아니면 BAD_DIGEST, 값 0), 그다음
///   `temp.commit(&config.root.join(name))`: 값이 크기인 STATUS OK, 실패하면(그 이름의
///   폴더가 있을 수 있습니다) SERVER_ERROR. 이 응답들 뒤에도 연결은 유지됩니다. 다른
///   프레임은 모두 Malformed이고, `None`(클라이언트가 떠남)은 오류입니다. commit 전의 모든
///   `return`은 `temp`를 drop하므로 파일은 사라집니다.
#[allow(unused_variables, dead_code)]
fn put<R: Read, W: Write>(
    config: &Config,
    size: u64,
    name: &[u8],
    reader: &mut FrameReader<R>,
    w: &mut W,
) -> Result<(), FrameError> {
    // ko: put: 검사, TempFile, STATUS OK, DONE까지 DATA, 확인, commit
    todo!("put: check, TempFile, STATUS OK, DATA until DONE, verify, commit")
}
