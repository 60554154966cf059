//! en:
//! # Exercise 4 · Reliable transfer over UDP: the receiver
//!
//! `rdt-recv [--listen ADDR] OUT` (default `127.0.0.1:7881`) binds one UDP
//! socket, prints `listening on <ip>:<port>`, and receives one file from
//! `rdt-send`. It answers every valid DATA and FIN with a cumulative ACK,
//! keeps chunks that arrive early until the gap before them fills, writes the
//! bytes to `OUT.part`, and renames it to OUT only when the FIN's size and
//! SHA-256 match. Exit codes: 0 the file arrived and was verified, 1 a
//! run-time failure, 2 a bad command line.
//!
//! Given: the command line, the socket and its readiness line, `run`, and
//! `PartFile`. Fill in the `todo!()`s from top to bottom.
//!
//! ko:
//! # 실습 4 · UDP 위의 신뢰성 있는 전송: 수신자
//!
//! `rdt-recv [--listen ADDR] OUT`(기본값 `127.0.0.1:7881`)은 UDP 소켓(socket) 하나를
//! 바인드(bind)하고 `listening on <ip>:<port>`를 찍은 뒤, `rdt-send`에게서 파일 하나를
//! 받습니다. 올바른 DATA와 FIN마다 누적 확인 응답(ACK)으로 답하고, 먼저 도착한 조각은 그
//! 앞의 빈틈이 찰 때까지 보관하고, 바이트를 `OUT.part`에 쓴 뒤, FIN의 크기와 SHA-256이
//! 맞을 때만 OUT으로 이름을 바꿉니다. 종료 코드: 0 파일이 도착했고 검증됨, 1 실행 중 실패,
//! 2 잘못된 명령줄.
//!
//! 주어진 것: 명령줄, 소켓과 준비 완료 줄, `run`, `PartFile`. `todo!()`를 위에서부터
//! 차례로 채우세요.

// en: Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
// ko: `todo!()`를 채우기 전까지는 이 파일의 많은 부분이 쓰이지 않습니다. 다 채우면 이 줄을
// 지우세요. 그러면 컴파일러가 남은 것을 짚어 줍니다.
#![allow(dead_code, unused_imports, unused_variables, unreachable_code)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::{Duration, Instant};

use reliable_udp::wire::{DIGEST_LEN, Datagram};
use reliable_udp::{GIVE_UP, LINGER, RECV_BUF, WINDOW, hex, is_refused, is_timeout};
use sha2::{Digest, Sha256};

/// en: Where the receiver listens unless `--listen` says otherwise.
/// ko: `--listen`으로 따로 정하지 않을 때 수신자가 기다리는 주소입니다.
const DEFAULT_LISTEN: &str = "127.0.0.1:7881";

/// en: Buffer between us and `OUT.part`: 64 KiB.
/// ko: 우리와 `OUT.part` 사이의 버퍼: 64 KiB입니다.
const FILE_BUF: usize = 64 * 1024;

fn main() {
    let (listen, out) = parse_args();
    let socket = open_socket(&listen);
    // en: `run` returns before we exit, so its `PartFile` is dropped (and
    // `OUT.part` removed) on every failure: `exit` would skip destructors.
    // ko: `run`이 끝난 뒤에 종료하므로, 실패하면 언제나 `PartFile`이 drop되어 `OUT.part`가
    // 지워집니다. `exit`는 소멸자를 건너뜁니다.
    match run(&socket, &out) {
        Ok(stats) => {
            eprintln!(
                "received {} bytes in {} chunks ({} duplicates, {} early, {} invalid) into {}",
                stats.bytes,
                stats.chunks,
                stats.duplicates,
                stats.early,
                stats.invalid,
                out.display()
            );
            exit(0);
        }
        Err(message) => {
            eprintln!("{message}");
            exit(1);
        }
    }
}

/// en: Reads `[--listen ADDR] OUT` (or `--listen=ADDR`).
/// ko: `[--listen ADDR] OUT`(또는 `--listen=ADDR`)을 읽습니다.
fn parse_args() -> (String, PathBuf) {
    let mut listen = DEFAULT_LISTEN.to_string();
    let mut out = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--listen") => match args.next().and_then(|a| a.into_string().ok()) {
                Some(value) => listen = value,
                None => usage(),
            },
            Some(text) if text.starts_with("--listen=") => {
                listen = text["--listen=".len()..].to_string();
            }
            Some(text) if text.starts_with('-') && text != "-" => usage(),
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => usage(),
        }
    }
    (listen, out.unwrap_or_else(|| usage()))
}

fn usage() -> ! {
    eprintln!("usage: rdt-recv [--listen ADDR] OUT");
    exit(2);
}

/// en: Creates the socket, binds it to `addr`, and prints the readiness line.
/// UDP has no `listen` and no `accept`: from `bind` on, the kernel queues
/// every datagram sent to this port, from anyone.
/// ko: 소켓을 만들어 `addr`에 바인드하고 준비 완료 줄을 찍습니다. UDP에는 `listen`도
/// `accept`도 없습니다. `bind`부터 커널은 누가 보냈든 이 포트로 온 데이터그램(datagram)을
/// 모두 큐에 쌓습니다.
fn open_socket(addr: &str) -> UdpSocket {
    let socket = match UdpSocket::bind(addr) {
        Ok(socket) => socket,
        Err(err) => {
            eprintln!("bind {addr}: {err}");
            exit(1);
        }
    };
    match socket.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(err) => {
            eprintln!("bind {addr}: {err}");
            exit(1);
        }
    }
    socket
}

/// en: What the receiver counts, for its last line on stderr.
/// ko: 수신자가 세는 것으로, 표준 오류(stderr)의 마지막 줄에 씁니다.
#[derive(Default)]
struct Stats {
    bytes: u64,
    chunks: u32,
    duplicates: u32,
    early: u32,
    invalid: u32,
}

/// en: Receives the file, verifies it, acknowledges the FIN and lingers.
/// ko: 파일을 받고, 검증하고, FIN에 확인 응답을 보낸 뒤 남아 있습니다.
fn run(socket: &UdpSocket, out: &Path) -> Result<Stats, String> {
    let mut part = PartFile::create(out)?;
    let mut rx = Receiver {
        socket,
        sender: None,
        ack: 0,
        early: BTreeMap::new(),
        stats: Stats::default(),
    };
    let (chunks, size, digest) = rx.receive_chunks(&mut part)?;
    let ours = part.digest();
    if size != part.written || digest != ours {
        return Err(format!(
            "digest mismatch: the FIN announces {size} bytes with SHA-256 {}, \
             we wrote {} bytes with SHA-256 {}; {} removed",
            hex(&digest),
            part.written,
            hex(&ours),
            part.path.display()
        ));
    }
    rx.stats.bytes = part.written;
    rx.stats.chunks = chunks;
    part.commit(out)?;
    rx.ack = chunks + 1;
    rx.send_ack()?;
    rx.linger()?;
    Ok(rx.stats)
}

/// en: The receiver's state between datagrams.
/// ko: 데이터그램 사이에 수신자가 기억하는 상태입니다.
struct Receiver<'a> {
    socket: &'a UdpSocket,
    /// en: The source of the first valid datagram: the one sender we serve.
    /// ko: 첫 올바른 데이터그램의 출발지: 우리가 상대하는 단 하나의 송신자입니다.
    sender: Option<SocketAddr>,
    /// en: The cumulative ACK: the first chunk we do not have yet.
    /// ko: 누적 확인 응답: 아직 없는 첫 조각의 번호입니다.
    ack: u32,
    /// en: Chunks after `ack` that arrived early, inside the window.
    /// ko: `ack` 뒤의 조각 가운데 윈도(window) 안에서 먼저 도착한 것입니다.
    early: BTreeMap<u32, Vec<u8>>,
    stats: Stats,
}

/// en: What one wait on the socket brought.
/// ko: 소켓에서 한 번 기다려 얻은 것입니다.
enum Event {
    /// en: `len` bytes from our sender are in the buffer.
    /// ko: 우리 송신자가 보낸 `len`바이트가 버퍼에 있습니다.
    Datagram(usize),
    /// en: The deadline passed.
    /// ko: 기한이 지났습니다.
    Deadline,
    /// en: An ICMP "port unreachable" came back for one of our ACKs.
    /// ko: 우리가 보낸 ACK에 대해 ICMP 포트 도달 불가(port unreachable)가 돌아왔습니다.
    Refused,
}

impl Receiver<'_> {
    /// en: Receives DATA until a FIN arrives with `chunks == self.ack` (every
    /// chunk below it is here); returns its chunk count, size and digest.
    ///
    /// - No deadline before the first datagram; after each valid one, the
    ///   deadline is `Instant::now() + GIVE_UP`. `Event::Deadline`: give up
    ///   with an error naming the step, such as `receive: no valid datagram
    ///   for 10 s, giving up`. `Event::Refused`: keep waiting.
    /// - An invalid datagram (`Datagram::decode` fails): count it, no answer.
    /// - DATA: `self.on_data`. A FIN that comes before every chunk below it:
    ///   it changes nothing, and is answered with the current `self.ack` (the
    ///   sender re-sends what is missing). Both get one ACK (`self.send_ack`).
    ///   An ACK gets none.
    ///
    /// ko: `chunks == self.ack`인 FIN이 올 때까지(그 아래 조각이 모두 있을 때까지) DATA를
    /// 받고, 그 FIN의 조각 수, 크기, 다이제스트(digest)를 돌려줍니다.
    ///
    /// - 첫 데이터그램 전에는 기한이 없습니다. 올바른 데이터그램이 올 때마다 기한은
    ///   `Instant::now() + GIVE_UP`입니다. `Event::Deadline`: `receive: no valid datagram
    ///   for 10 s, giving up`처럼 단계를 밝힌 오류로 포기합니다. `Event::Refused`: 계속
    ///   기다립니다.
    /// - 올바르지 않은 데이터그램(`Datagram::decode` 실패): 세기만 하고 답하지 않습니다.
    /// - DATA: `self.on_data`. 그 아래 조각이 아직 다 오지 않았을 때의 FIN: 아무것도 바꾸지
    ///   않고, 지금의 `self.ack`으로 답합니다(빠진 것은 송신자가 다시 보냅니다). 둘 다 ACK
    ///   하나로 답합니다(`self.send_ack`). ACK에는 답하지 않습니다.
    fn receive_chunks(
        &mut self,
        part: &mut PartFile,
    ) -> Result<(u32, u64, [u8; DIGEST_LEN]), String> {
        // ko: receive_chunks: self.wait로 반복하고, Datagram::decode, on_data, 맞는 FIN이면 반환, send_ack
        todo!(
            "receive_chunks: loop on self.wait, Datagram::decode, on_data, return on the right FIN, send_ack"
        )
    }

    /// en: Keeps chunk `seq`. Below `self.ack`, or already in `self.early`: a
    /// duplicate (count it). Equal to `self.ack`: `part.append` it, then every
    /// chunk of `self.early` that now follows, advancing `self.ack`. Inside the
    /// window (`seq - self.ack < WINDOW`): store it in `self.early`. Past the
    /// window: drop it.
    ///
    /// ko: `seq`번 조각을 보관합니다. `self.ack`보다 작거나 이미 `self.early`에 있으면 중복입니다
    /// (세기만 합니다). `self.ack`과 같으면 `part.append`로 쓰고, 이제 그 뒤에 이어지는
    /// `self.early`의 조각을 모두 쓰면서 `self.ack`을 늘립니다. 윈도 안이면
    /// (`seq - self.ack < WINDOW`) `self.early`에 넣습니다. 윈도 너머면 버립니다.
    fn on_data(&mut self, seq: u32, payload: &[u8], part: &mut PartFile) -> Result<(), String> {
        // ko: on_data: 중복, 다음 조각(빈틈 채우기), 윈도 안(보관), 윈도 너머(버림)
        todo!(
            "on_data: duplicate, the next chunk (fill the gap), inside the window (keep), past it (drop)"
        )
    }

    /// en: After ACK n + 1: answer every DATA or FIN with `self.send_ack` until
    /// `LINGER` passes with no valid datagram (then `Ok`). Our ACK may be lost:
    /// the sender's FIN then comes again, and someone must answer it. On
    /// `Event::Refused` the sender has exited: `Ok` at once.
    /// ko: ACK n + 1 뒤에는, 올바른 데이터그램 없이 `LINGER`가 지날 때까지 DATA나 FIN마다
    /// `self.send_ack`으로 답합니다(그다음 `Ok`). 우리 ACK이 사라지면 송신자의 FIN이 다시
    /// 오고, 누군가 답해야 합니다. `Event::Refused`면 송신자가 끝난 것이니 바로 `Ok`입니다.
    fn linger(&mut self) -> Result<(), String> {
        // ko: linger: 마지막 올바른 데이터그램부터 LINGER 동안 self.wait, DATA와 FIN에 send_ack
        todo!(
            "linger: self.wait until LINGER after the last valid datagram, send_ack to DATA and FIN"
        )
    }

    /// en: Waits for the next datagram from our sender until `deadline` (`None`:
    /// for ever).
    ///
    /// - `set_read_timeout` with the time left; a deadline already over is
    ///   `Event::Deadline` (a timeout of 0 is an error).
    /// - `recv_from(buf)`: `ErrorKind::Interrupted` and `is_timeout` mean
    ///   wait again; `is_refused` is `Event::Refused`.
    /// - Skip datagrams from anyone but `self.sender`. Before there is one, the
    ///   first datagram that decodes picks it: `self.socket.connect(from)`.
    ///
    /// ko: 우리 송신자의 다음 데이터그램을 `deadline`까지 기다립니다(`None`: 끝없이).
    ///
    /// - 남은 시간으로 `set_read_timeout`을 부릅니다. 기한이 이미 지났으면
    ///   `Event::Deadline`입니다(0인 타임아웃은 오류입니다).
    /// - `recv_from(buf)`: `ErrorKind::Interrupted`와 `is_timeout`은 다시 기다리라는
    ///   뜻이고, `is_refused`는 `Event::Refused`입니다.
    /// - `self.sender`가 아닌 곳에서 온 데이터그램은 건너뜁니다. 아직 정해지지 않았으면
    ///   디코딩되는 첫 데이터그램이 정합니다: `self.socket.connect(from)`.
    fn wait(&mut self, buf: &mut [u8], deadline: Option<Instant>) -> Result<Event, String> {
        // ko: wait: set_read_timeout, recv_from, EINTR와 타임아웃이면 다시, 다른 송신자는 건너뛰고, 첫 송신자에게 connect
        todo!(
            "wait: set_read_timeout, recv_from, again on EINTR and timeouts, skip other senders, connect to the first"
        )
    }

    /// en: Sends the cumulative ACK: `Datagram::Ack { seq: self.ack, window:
    /// WINDOW }`, encoded, in one `self.socket.send`. An `is_refused` error is
    /// not fatal: that ACK is lost, as datagrams may be.
    /// ko: 누적 ACK을 보냅니다: `Datagram::Ack { seq: self.ack, window: WINDOW }`를 인코딩해
    /// `self.socket.send` 한 번으로. `is_refused` 오류는 치명적이지 않습니다. 그 ACK은
    /// 데이터그램이 그럴 수 있듯 사라진 것입니다.
    fn send_ack(&self) -> Result<(), String> {
        // ko: send_ack: Datagram::Ack을 encode()해서 self.socket.send()로 보내기
        todo!("send_ack: Datagram::Ack, encode(), then self.socket.send()")
    }
}

/// en: `OUT.part`: the file being received, beside OUT so that the final rename
/// stays within one folder. Dropped without `commit`, it is removed. (Given.)
/// ko: `OUT.part`: 받는 중인 파일로, 마지막 이름 바꾸기가 한 폴더 안에서 일어나도록 OUT 옆에
/// 둡니다. `commit` 없이 drop되면 지워집니다. (주어진 코드입니다.)
struct PartFile {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    hasher: Sha256,
    written: u64,
    committed: bool,
}

impl PartFile {
    fn create(out: &Path) -> Result<PartFile, String> {
        let mut path = OsString::from(out.as_os_str());
        path.push(".part");
        let path = PathBuf::from(path);
        let file =
            File::create(&path).map_err(|err| format!("create {}: {err}", path.display()))?;
        Ok(PartFile {
            path,
            file: Some(BufWriter::with_capacity(FILE_BUF, file)),
            hasher: Sha256::new(),
            written: 0,
            committed: false,
        })
    }

    /// en: Writes the next chunk, in order, and hashes it.
    /// ko: 다음 조각을 순서대로 쓰고 해시에 넣습니다.
    fn append(&mut self, chunk: &[u8]) -> Result<(), String> {
        let file = self.file.as_mut().expect("open until commit");
        file.write_all(chunk)
            .map_err(|err| format!("write {}: {err}", self.path.display()))?;
        self.hasher.update(chunk);
        self.written += chunk.len() as u64;
        Ok(())
    }

    /// en: The SHA-256 of everything written so far.
    /// ko: 지금까지 쓴 모든 것의 SHA-256입니다.
    fn digest(&self) -> [u8; DIGEST_LEN] {
        self.hasher.clone().finalize().into()
    }

    /// en: Writes out the buffer and renames the file to `out`.
    /// ko: 버퍼를 모두 쓰고 파일 이름을 `out`으로 바꿉니다.
    fn commit(&mut self, out: &Path) -> Result<(), String> {
        let step = |err: io::Error| format!("write {}: {err}", self.path.display());
        if let Some(file) = self.file.take() {
            file.into_inner().map_err(|err| step(err.into_error()))?;
        }
        fs::rename(&self.path, out)
            .map_err(|err| format!("rename {} to {}: {err}", self.path.display(), out.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            drop(file.into_parts());
        }
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
