//! en:
//! # Exercise 2 · File transfer client
//!
//! `ft-client ADDR list` shows the server's files; `get NAME [-o PATH]`
//! downloads one; `put PATH [--as NAME]` uploads one. A download is written
//! under a temporary name and renamed only once its length and digest are
//! right: a failed transfer never leaves a file under its final name.
//!
//! Exit codes: 0 success, 1 connection or I/O error, 2 usage error, 3 the
//! server answered an error status, 4 integrity failure (the bytes received
//! do not match what was announced). Command-line parsing and the exit codes
//! are given; fill in the `todo!()`s from top to bottom.
//!
//! ko:
//! # 실습 2 · 파일 전송 클라이언트
//!
//! `ft-client ADDR list`는 서버의 파일 목록을 보여 주고, `get NAME [-o PATH]`는 파일 하나를
//! 내려받고, `put PATH [--as NAME]`은 파일 하나를 올립니다. 내려받는 파일은 임시 이름으로
//! 쓰고, 길이와 다이제스트(digest)가 맞을 때만 이름을 바꿉니다. 실패한 전송은 최종 이름으로
//! 파일을 남기지 않습니다.
//!
//! 종료 코드: 0 성공, 1 연결 또는 입출력 오류, 2 사용법 오류, 3 서버가 오류 상태로 응답함,
//! 4 무결성 실패(받은 바이트가 알린 것과 맞지 않음). 명령줄 파싱과 종료 코드는 주어집니다.
//! `todo!()`를 위에서부터 차례로 채우세요.

// en: Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
// ko: `todo!()`를 채우기 전까지는 이 파일의 많은 부분이 쓰이지 않습니다. 다 채우면 이 줄을
// 지우세요. 그러면 컴파일러가 남은 것을 짚어 줍니다.
#![allow(dead_code, unused_imports)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::exit;

use file_transfer::{
    Code, DataFrame, FrameError, FrameReader, MAX_PAYLOAD, Message, TempFile, hex, read_full,
};
use sha2::{Digest, Sha256};

/// en: Receive buffer: 256 KiB, room for four DATA frames per read() call.
/// ko: 받기 버퍼: 256 KiB, read() 호출 한 번에 DATA 프레임(frame) 네 개가 들어갑니다.
const SOCKET_BUF: usize = 256 * 1024;

/// en: What the command line asks for.
/// ko: 명령줄이 요청하는 것입니다.
enum Command {
    List,
    Get { name: String, out: PathBuf },
    Put { path: PathBuf, name: Vec<u8> },
}

/// en: Why the client failed; each kind has its exit code.
/// ko: 클라이언트가 실패한 이유입니다. 종류마다 종료 코드가 있습니다.
enum Failure {
    /// en: Exit 1: connecting, sending, receiving or a local file failed. The
    /// text names the step and the address or path.
    /// ko: 종료 코드 1: 연결, 보내기, 받기, 또는 로컬 파일이 실패했습니다. 글에 단계와 주소나
    /// 경로를 적습니다.
    Io(String),
    /// en: Exit 3 (4 for BAD_DIGEST): the server answered this status.
    /// ko: 종료 코드 3(BAD_DIGEST는 4): 서버가 이 상태로 응답했습니다.
    Status(Code, String),
    /// en: Exit 4: the file received is not the file announced.
    /// ko: 종료 코드 4: 받은 파일이 알린 파일과 다릅니다.
    Integrity(String),
}

fn main() {
    let (addr, command) = parse_args();
    let result = connect(&addr).and_then(|mut conn| match command {
        Command::List => list(&mut conn),
        Command::Get { name, out } => get(&mut conn, &name, &out),
        Command::Put { path, name } => put(&mut conn, &path, &name),
    });
    match result {
        Ok(()) => {}
        Err(Failure::Io(message)) => {
            eprintln!("{message}");
            exit(1);
        }
        Err(Failure::Status(code, message)) => {
            eprintln!("server: {}: {message}", code.name());
            // en: The server found that the bytes we sent do not match our own
            // digest: an integrity failure, like a bad download.
            // ko: 우리가 보낸 바이트가 우리 다이제스트와 맞지 않는다고 서버가 알렸습니다.
            // 잘못 내려받은 것과 같은 무결성 실패입니다.
            exit(if code == Code::BadDigest { 4 } else { 3 });
        }
        Err(Failure::Integrity(message)) => {
            eprintln!("integrity: {message}");
            exit(4);
        }
    }
}

/// en: Reads `ADDR list`, `ADDR get NAME [-o PATH]` or `ADDR put PATH [--as NAME]`.
/// ko: `ADDR list`, `ADDR get NAME [-o PATH]`, `ADDR put PATH [--as NAME]`을 읽습니다.
fn parse_args() -> (String, Command) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let command = match args.get(1..).unwrap_or_else(|| usage()) {
        ["list"] => Command::List,
        ["get", name] => Command::Get {
            name: name.to_string(),
            out: PathBuf::from(name),
        },
        ["get", name, "-o", out] => Command::Get {
            name: name.to_string(),
            out: PathBuf::from(out),
        },
        ["put", path] => {
            let path = PathBuf::from(path);
            let name = path.file_name().unwrap_or_else(|| usage());
            let name = name.as_encoded_bytes().to_vec();
            Command::Put { path, name }
        }
        ["put", path, "--as", name] => Command::Put {
            path: PathBuf::from(path),
            name: name.as_bytes().to_vec(),
        },
        _ => usage(),
    };
    (args[0].to_string(), command)
}

fn usage() -> ! {
    eprintln!("usage: ft-client ADDR list | get NAME [-o PATH] | put PATH [--as NAME]");
    exit(2);
}

/// en: One connection to the server, with a buffer on each direction.
/// ko: 서버와의 연결 하나입니다. 방향마다 버퍼가 하나씩 있습니다.
struct Conn {
    addr: String,
    reader: FrameReader<BufReader<TcpStream>>,
    writer: BufWriter<TcpStream>,
}

/// en: Create a socket and connect: `TcpStream::connect(addr)`; an error becomes
/// `Failure::Io("connect <addr>: <error>")`. Then `set_nodelay(true)`, and a
/// `Conn` with `FrameReader::new(BufReader::with_capacity(SOCKET_BUF,
/// stream.try_clone()?))` for reading and `BufWriter::new(stream)` for writing.
///
/// ko: 소켓(socket)을 만들고 연결(connect)합니다: `TcpStream::connect(addr)`. 오류는
/// `Failure::Io("connect <addr>: <error>")`가 됩니다. 그다음 `set_nodelay(true)`, 그리고
/// 읽기에는 `FrameReader::new(BufReader::with_capacity(SOCKET_BUF,
/// stream.try_clone()?))`, 쓰기에는 `BufWriter::new(stream)`을 담은 `Conn`을 만듭니다.
#[allow(unused_variables)]
fn connect(addr: &str) -> Result<Conn, Failure> {
    // ko: connect: TcpStream::connect, set_nodelay, 복제본에 FrameReader, BufWriter
    todo!("connect: TcpStream::connect, set_nodelay, FrameReader on a clone, BufWriter")
}

impl Conn {
    /// en: Queues one frame; it leaves at the next `flush`.
    /// ko: 프레임 하나를 쌓아 둡니다. 다음 `flush` 때 나갑니다.
    fn send(&mut self, message: &Message) -> Result<(), Failure> {
        message
            .write_to(&mut self.writer)
            .map_err(|err| self.send_error(err))
    }

    /// en: Sends everything queued: the server sees the request only now.
    /// ko: 쌓아 둔 것을 모두 보냅니다. 서버는 이제야 요청을 봅니다.
    fn flush(&mut self) -> Result<(), Failure> {
        self.writer.flush().map_err(|err| self.send_error(err))
    }

    fn send_error(&self, err: io::Error) -> Failure {
        Failure::Io(format!("send {}: {err}", self.addr))
    }

    /// en: The next frame: `self.reader.read_message()`. Outside a file transfer the
    /// server never closes first, so `Ok(None)` is an error too: both become
    /// `Failure::Io("receive <addr>: …")`.
    ///
    /// ko: 다음 프레임: `self.reader.read_message()`. 파일 전송 중이 아닐 때 서버는 먼저
    /// 닫지 않으므로 `Ok(None)`도 오류입니다. 둘 다 `Failure::Io("receive <addr>: …")`가
    /// 됩니다.
    #[allow(unused_variables)]
    fn receive(&mut self) -> Result<Message<'_>, Failure> {
        // ko: receive: read_message, None과 오류는 Failure::Io
        todo!("receive: read_message; None and errors become Failure::Io")
    }

    /// en: The next frame of a file. A connection that ends here (`Ok(None)` or
    /// `FrameError::Truncated`) means the file is shorter than announced:
    /// `Failure::Integrity`. Other errors are `Failure::Io`.
    ///
    /// ko: 파일의 다음 프레임입니다. 여기서 연결이 끝나면(`Ok(None)`이나
    /// `FrameError::Truncated`) 파일이 알린 것보다 짧다는 뜻입니다: `Failure::Integrity`.
    /// 다른 오류는 `Failure::Io`입니다.
    #[allow(unused_variables)]
    fn receive_data(&mut self, received: u64, size: u64) -> Result<Message<'_>, Failure> {
        // ko: receive_data: read_message, 스트림 끝은 Failure::Integrity
        todo!("receive_data: read_message; an end of stream is Failure::Integrity")
    }

    fn unexpected(&self, kind: &str) -> Failure {
        Failure::Io(format!(
            "receive {}: protocol error: unexpected {kind} frame",
            self.addr
        ))
    }
}

/// en: Receives one STATUS: OK gives its value; any other code is
/// `Failure::Status(code, message)`; any other frame is `conn.unexpected(..)`.
/// ko: STATUS 하나를 받습니다. OK이면 그 값을 돌려주고, 다른 코드는
/// `Failure::Status(code, message)`, 다른 프레임은 `conn.unexpected(..)`입니다.
#[allow(unused_variables)]
fn expect_ok(conn: &mut Conn) -> Result<u64, Failure> {
    // ko: expect_ok: STATUS 받기, OK는 그 값, 다른 코드는 Failure::Status
    todo!("expect_ok: receive a STATUS; OK gives its value, other codes Failure::Status")
}

/// en: LIST: send it and flush; then print `<size>\t<name>` for each ENTRY
/// (`String::from_utf8_lossy(name)`) until the STATUS: OK ends the list, any
/// other code is `Failure::Status`.
/// ko: LIST: 보내고 flush합니다. 그다음 ENTRY마다 `<size>\t<name>`을 찍다가
/// (`String::from_utf8_lossy(name)`) STATUS를 받으면 멈춥니다. OK는 목록의 끝이고, 다른
/// 코드는 `Failure::Status`입니다.
#[allow(unused_variables)]
fn list(conn: &mut Conn) -> Result<(), Failure> {
    // ko: list: LIST 보내기, flush, STATUS OK까지 ENTRY마다 찍기
    todo!("list: send LIST, flush, print each ENTRY until STATUS OK")
}

/// en: GET: send it, flush, `expect_ok` gives the size. Then `Sink::open(out)`
/// (given: a temporary file beside `out`), and receive with `receive_data`:
/// DATA → count (more than the size is `Failure::Integrity`),
/// `hasher.update`, `sink.write_all`; DONE → the count must equal the size and
/// the digest yours (else `Failure::Integrity`), then `sink.finish(out)`
/// renames the file. Returning early drops the sink: the file is deleted.
///
/// ko: GET: 보내고 flush하면 `expect_ok`가 크기를 줍니다. 그다음 `Sink::open(out)`이 `out`
/// 옆에 임시 파일(temporary file)을 열고(주어진 코드입니다), `receive_data`로 받습니다.
/// DATA → 바이트 수를 세고(크기보다 많으면 `Failure::Integrity`), `hasher.update`,
/// `sink.write_all`. DONE → 센 수가 크기와 같고 다이제스트가 여러분의 것과 같아야 하며(아니면
/// `Failure::Integrity`), 그다음 `sink.finish(out)`이 파일 이름을 바꿉니다. 일찍 돌아가면
/// sink가 drop되어 파일이 지워집니다.
#[allow(unused_variables)]
fn get(conn: &mut Conn, name: &str, out: &Path) -> Result<(), Failure> {
    // ko: get: GET, expect_ok, Sink::open, DONE까지 DATA, 확인, finish
    todo!("get: GET, expect_ok, Sink::open, DATA until DONE, verify, finish")
}

/// en: Where a download goes.
/// ko: 내려받은 파일이 가는 곳입니다.
enum Sink {
    /// en: A temporary file in the folder of the target, renamed at the end.
    /// ko: 대상과 같은 폴더의 임시 파일이며, 끝에 이름을 바꿉니다.
    Temp(TempFile),
    /// en: An existing device or pipe (`/dev/null`, `/dev/stdout`), written
    /// directly: renaming a file over it would replace the device itself.
    /// ko: 이미 있는 장치나 파이프(`/dev/null`, `/dev/stdout`)이며, 바로 씁니다. 그 위로
    /// 파일 이름을 바꾸면 장치 자체가 바뀌어 버립니다.
    Direct(File),
}

impl Sink {
    fn open(out: &Path) -> Result<Sink, Failure> {
        if let Ok(meta) = fs::metadata(out)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let file = OpenOptions::new().write(true).open(out);
            let file = file.map_err(|err| Failure::Io(format!("open {}: {err}", out.display())))?;
            return Ok(Sink::Direct(file));
        }
        // en: Same folder as `out`: rename() cannot move a file to another
        // file system, and within one folder it is atomic.
        // ko: `out`과 같은 폴더입니다. rename()은 파일을 다른 파일 시스템으로 옮기지
        // 못하고, 한 폴더 안에서는 원자적입니다.
        let dir = match out.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = TempFile::create_in(dir)
            .map_err(|err| Failure::Io(format!("create {}: {err}", dir.display())))?;
        Ok(Sink::Temp(temp))
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Sink::Temp(temp) => temp.write_all(data),
            Sink::Direct(file) => file.write_all(data),
        }
    }

    /// en: The file is verified: give it its final name.
    /// ko: 파일을 확인했으니 최종 이름을 붙입니다.
    fn finish(self, out: &Path) -> io::Result<()> {
        match self {
            Sink::Temp(temp) => temp.commit(out),
            Sink::Direct(_) => Ok(()),
        }
    }
}

/// en: PUT: `File::open(path)` and its `metadata().len()`; send PUT with that
/// size and flush; `expect_ok` (the server may refuse). Then stream the file:
/// `DataFrame::default()`, `read_full` into `frame.payload_mut()`,
/// `hasher.update`, `conn.writer.write_all(frame.frame(n))`, until `size`
/// bytes are sent. Then DONE with the digest, flush, and `expect_ok` for the
/// server's verdict.
///
/// ko: PUT: `File::open(path)`와 그 `metadata().len()`. 그 크기로 PUT을 보내고 flush한 뒤
/// `expect_ok`(서버가 거절할 수 있습니다). 그다음 파일을 흘려보냅니다:
/// `DataFrame::default()`, `frame.payload_mut()`로 `read_full`, `hasher.update`,
/// `conn.writer.write_all(frame.frame(n))`를 `size`바이트를 다 보낼 때까지. 그다음
/// 다이제스트를 담은 DONE, flush, 그리고 서버의 판정을 `expect_ok`로 받습니다.
#[allow(unused_variables)]
fn put(conn: &mut Conn, path: &Path, name: &[u8]) -> Result<(), Failure> {
    // ko: put: 크기와 이름을 담은 PUT, expect_ok, DATA 프레임 흘려보내기, DONE, expect_ok
    todo!("put: PUT size name, expect_ok, stream DATA frames, DONE, expect_ok")
}
