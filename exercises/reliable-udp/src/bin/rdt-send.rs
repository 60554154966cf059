//! en:
//! # Exercise 4 · Reliable transfer over UDP: the sender
//!
//! `rdt-send FILE ADDR` sends one file to `rdt-recv` with a sliding window:
//! up to 64 DATA datagrams in flight beyond the last cumulative ACK. A chunk
//! is re-sent when its timer runs out (the timeout follows the measured round
//! trip) or at once on three duplicate ACKs. When every chunk is acknowledged,
//! a FIN carries the size and SHA-256 until ACK n + 1 comes back. Exit codes:
//! 0 the receiver acknowledged the FIN, 1 a run-time failure, 2 a bad command
//! line. Nothing goes to stdout.
//!
//! Given: the command line, `run`, reading the file (`Source`) and the state
//! (`Sender`). Fill in the `todo!()`s from top to bottom.
//!
//! ko:
//! # 실습 4 · UDP 위의 신뢰성 있는 전송: 송신자
//!
//! `rdt-send FILE ADDR`는 슬라이딩 윈도(window)로 `rdt-recv`에 파일 하나를 보냅니다. 마지막
//! 누적 확인 응답(ACK) 너머로 DATA 데이터그램(datagram)을 64개까지 보내 놓을 수 있습니다.
//! 조각은 타이머가 다 되면(타임아웃은 측정한 왕복 시간을 따릅니다), 또는 중복 ACK 세 개를
//! 받으면 곧바로 다시 보냅니다. 모든 조각이 확인되면 ACK n + 1이 돌아올 때까지 크기와
//! SHA-256을 담은 FIN을 보냅니다. 종료 코드: 0 수신자가 FIN을 확인함, 1 실행 중 실패,
//! 2 잘못된 명령줄. 표준 출력(stdout)에는 아무것도 쓰지 않습니다.
//!
//! 주어진 것: 명령줄, `run`, 파일 읽기(`Source`)와 상태(`Sender`). `todo!()`를 위에서부터
//! 차례로 채우세요.

// en: Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
// ko: `todo!()`를 채우기 전까지는 이 파일의 많은 부분이 쓰이지 않습니다. 다 채우면 이 줄을
// 지우세요. 그러면 컴파일러가 남은 것을 짚어 줍니다.
#![allow(dead_code, unused_imports, unused_variables, unreachable_code)]

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::{Duration, Instant};

use reliable_udp::rto::RtoEstimator;
use reliable_udp::wire::Datagram;
use reliable_udp::{CHUNK, GIVE_UP, RECV_BUF, WINDOW, chunk_count, is_refused, is_timeout};
use sha2::{Digest, Sha256};

/// en: Duplicate ACKs that trigger a fast retransmit. One or two can come from
/// mere reordering; three in a row almost always mean the chunk is lost.
/// ko: 빠른 재전송을 일으키는 중복 ACK의 수입니다. 한두 개는 순서가 바뀌기만 해도 올 수
/// 있지만, 연달아 세 개면 거의 언제나 조각이 사라진 것입니다.
const DUP_ACKS: u32 = 3;

fn main() {
    let (path, addr) = parse_args();
    match run(&path, &addr) {
        Ok(stats) => {
            eprintln!(
                "sent {} bytes in {} chunks to {addr} in {} ms: {} DATA datagrams, {} re-sent \
                 ({} on timeout, {} fast), RTO {} ms",
                stats.bytes,
                stats.chunks,
                stats.elapsed.as_millis(),
                stats.sent,
                stats.timeouts + stats.fast,
                stats.timeouts,
                stats.fast,
                stats.rto.as_millis()
            );
        }
        Err(message) => {
            eprintln!("{message}");
            exit(1);
        }
    }
}

/// en: Reads `FILE ADDR`.
/// ko: `FILE ADDR`를 읽습니다.
fn parse_args() -> (PathBuf, String) {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match &args[..] {
        [file, addr] if !file.to_string_lossy().starts_with('-') => match addr.to_str() {
            Some(addr) => (PathBuf::from(file), addr.to_string()),
            None => usage(),
        },
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: rdt-send FILE ADDR");
    exit(2);
}

/// en: What the sender counts, for its last line on stderr.
/// ko: 송신자가 세는 것으로, 표준 오류(stderr)의 마지막 줄에 씁니다.
#[derive(Default)]
struct Stats {
    bytes: u64,
    chunks: u32,
    /// en: DATA datagrams sent, first copies and re-sent ones.
    /// ko: 보낸 DATA 데이터그램의 수로, 처음 보낸 것과 다시 보낸 것을 모두 셉니다.
    sent: u32,
    timeouts: u32,
    fast: u32,
    rto: Duration,
    elapsed: Duration,
}

fn run(path: &Path, addr: &str) -> Result<Stats, String> {
    let start = Instant::now();
    let source = Source::open(path)?;
    let socket = open_socket(addr)?;
    let mut tx = Sender {
        socket,
        addr: addr.to_string(),
        chunks: source.chunks,
        source,
        base: 0,
        in_flight: VecDeque::new(),
        peer_window: WINDOW,
        rto: RtoEstimator::default(),
        timer: None,
        dup_acks: 0,
        recover: None,
        last_ack: Instant::now(),
        stats: Stats::default(),
    };
    tx.send_chunks()?;
    tx.send_fin()?;
    tx.stats.bytes = tx.source.size;
    tx.stats.chunks = tx.chunks;
    tx.stats.rto = tx.rto.rto();
    tx.stats.elapsed = start.elapsed();
    Ok(tx.stats)
}

/// en: Creates a socket for the receiver at `addr` and connects it: resolve
/// `addr` (`to_socket_addrs`, take the first), `UdpSocket::bind` to
/// `0.0.0.0:0` (or `[::]:0` for IPv6), then `connect`. On UDP `connect` sends
/// nothing: it records the peer, so that `send` needs no address, datagrams
/// from anyone else are dropped, and an ICMP "port unreachable" comes back as
/// an error on the next `recv`. Errors name the step: `connect <addr>: …`.
///
/// ko: `addr`의 수신자에게 보낼 소켓(socket)을 만들어 연결합니다. `addr`를 해석하고
/// (`to_socket_addrs`, 첫 주소), `0.0.0.0:0`(IPv6는 `[::]:0`)에 `UdpSocket::bind`한 뒤
/// `connect`합니다. UDP에서 `connect`는 아무것도 보내지 않습니다. 상대를 기록해 두므로 `send`에
/// 주소가 필요 없고, 다른 곳에서 온 데이터그램은 버려지고, ICMP 포트 도달 불가(port
/// unreachable)가 다음 `recv`의 오류로 돌아옵니다. 오류에는 단계를 적습니다: `connect <addr>: …`.
fn open_socket(addr: &str) -> Result<UdpSocket, String> {
    // ko: open_socket: to_socket_addrs로 주소 해석, 0.0.0.0:0에 UdpSocket::bind, 그 주소로 connect(addr)
    todo!(
        "open_socket: resolve with to_socket_addrs, UdpSocket::bind to 0.0.0.0:0, connect(addr) to it"
    )
}

/// en: The file, read chunk by chunk in order, and hashed on the way. (Given.)
/// ko: 조각 단위로 차례로 읽으며 해시도 계산하는 파일입니다. (주어진 코드입니다.)
struct Source {
    path: PathBuf,
    file: File,
    size: u64,
    chunks: u32,
    hasher: Sha256,
    left: u64,
    buf: [u8; CHUNK],
}

impl Source {
    fn open(path: &Path) -> Result<Source, String> {
        let err = |err: io::Error| format!("open {}: {err}", path.display());
        let file = File::open(path).map_err(err)?;
        let meta = file.metadata().map_err(err)?;
        if !meta.is_file() {
            return Err(format!("open {}: not a file", path.display()));
        }
        let size = meta.len();
        let chunks = u32::try_from(chunk_count(size))
            .map_err(|_| format!("open {}: {size} bytes is too large", path.display()))?;
        Ok(Source {
            path: path.to_path_buf(),
            file,
            size,
            chunks,
            hasher: Sha256::new(),
            left: size,
            buf: [0; CHUNK],
        })
    }

    /// en: The next chunk: 1200 bytes, or what is left for the last one.
    /// ko: 다음 조각: 1200바이트, 마지막 조각은 남은 만큼입니다.
    fn next_chunk(&mut self) -> Result<&[u8], String> {
        let n = self.left.min(CHUNK as u64) as usize;
        self.file.read_exact(&mut self.buf[..n]).map_err(|err| {
            if err.kind() == io::ErrorKind::UnexpectedEof {
                format!(
                    "read {}: the file shrank while being sent",
                    self.path.display()
                )
            } else {
                format!("read {}: {err}", self.path.display())
            }
        })?;
        self.left -= n as u64;
        self.hasher.update(&self.buf[..n]);
        Ok(&self.buf[..n])
    }
}

/// en: A DATA datagram sent and not yet acknowledged.
/// ko: 보냈지만 아직 확인되지 않은 DATA 데이터그램입니다.
struct InFlight {
    /// en: The encoded datagram, kept to re-send it byte for byte.
    /// ko: 인코딩한 데이터그램으로, 바이트 하나 다르지 않게 다시 보내려고 둡니다.
    bytes: Vec<u8>,
    /// en: When its latest copy left.
    /// ko: 가장 최근 사본이 나간 시각입니다.
    sent_at: Instant,
    /// en: Sent more than once: its ACK gives no RTT sample (Karn's rule).
    /// ko: 두 번 이상 보냈으면 그 ACK으로는 RTT 표본을 얻지 않습니다(Karn의 규칙).
    resent: bool,
}

struct Sender {
    socket: UdpSocket,
    addr: String,
    source: Source,
    chunks: u32,
    /// en: The oldest unacknowledged chunk: the last cumulative ACK.
    /// ko: 확인되지 않은 가장 오래된 조각, 곧 마지막 누적 ACK입니다.
    base: u32,
    /// en: Chunks `base ..` sent and not acknowledged, oldest first.
    /// ko: 보냈지만 확인되지 않은 `base ..` 조각들로, 오래된 것이 앞입니다.
    in_flight: VecDeque<InFlight>,
    /// en: The receiver's last advertised window.
    /// ko: 수신자가 마지막으로 알린 윈도입니다.
    peer_window: u16,
    rto: RtoEstimator,
    /// en: When the oldest unacknowledged datagram is declared lost; `None`
    /// while nothing is in flight. One timer for the whole window.
    /// ko: 확인되지 않은 가장 오래된 데이터그램을 잃어버린 것으로 보는 시각이고, 보내 놓은 것이
    /// 없으면 `None`입니다. 타이머는 윈도 전체에 하나입니다.
    timer: Option<Instant>,
    /// en: ACKs in a row that repeated `base`.
    /// ko: `base`를 되풀이한 연속 ACK의 수입니다.
    dup_acks: u32,
    /// en: While recovering from a loss: the first chunk not yet sent when the
    /// recovery began.
    /// ko: 손실에서 복구하는 동안: 복구를 시작할 때 아직 보내지 않았던 첫 조각입니다.
    recover: Option<u32>,
    /// en: When the last valid ACK arrived (or the transfer began).
    /// ko: 마지막 올바른 ACK이 도착한(또는 전송을 시작한) 시각입니다.
    last_ack: Instant,
    stats: Stats,
}

impl Sender {
    /// en: Sends every chunk; returns once every one is acknowledged. Loop
    /// while `self.base < self.chunks`: `self.fill_window()`, then
    /// `self.wait_for_ack()` and `self.on_ack` for an ACK; if the timer is over,
    /// `self.rto.back_off()`, `self.resend_oldest()`, and start a recovery
    /// (`self.recover` = the first chunk not yet sent).
    ///
    /// ko: 모든 조각을 보내고, 모두 확인되면 돌아갑니다. `self.base < self.chunks`인 동안
    /// 반복합니다: `self.fill_window()`, 그다음 `self.wait_for_ack()`, ACK이 오면
    /// `self.on_ack`. 타이머가 지났으면 `self.rto.back_off()`, `self.resend_oldest()`를 하고
    /// 복구를 시작합니다(`self.recover` = 아직 보내지 않은 첫 조각).
    fn send_chunks(&mut self) -> Result<(), String> {
        // ko: send_chunks: fill_window, wait_for_ack, on_ack, 타이머가 지나면 back_off와 resend_oldest
        todo!(
            "send_chunks: fill_window, wait_for_ack, on_ack, on the timer back_off and resend_oldest"
        )
    }

    /// en: Sends new chunks while fewer than `min(WINDOW, self.peer_window)` are
    /// in flight (a window of 0 counts as 1): `self.source.next_chunk()`,
    /// `Datagram::Data { .. }.encode()`, `self.send`, push an `InFlight`, and
    /// start the timer if it is not running.
    /// ko: 보내 놓은 것이 `min(WINDOW, self.peer_window)`개보다 적은 동안(윈도 0은 1로 칩니다) 새 조각을 보냅니다:
    /// `self.source.next_chunk()`, `Datagram::Data { .. }.encode()`, `self.send`,
    /// `InFlight`를 넣고, 타이머가 멈춰 있으면 시작합니다.
    fn fill_window(&mut self) -> Result<(), String> {
        // ko: fill_window: next_chunk, encode, send, in_flight.push_back, 타이머 시작
        todo!("fill_window: next_chunk, encode, send, in_flight.push_back, start the timer")
    }

    /// en: A cumulative ACK: every chunk below `seq` has arrived.
    ///
    /// - New ground (`self.base < seq <= self.base + self.in_flight.len()`,
    ///   within what was sent): drain them from `self.in_flight`. Karn's
    ///   rule: only if none of them was re-sent, `self.rto.sample` the time
    ///   since the newest of them was sent. Then `base`, the window,
    ///   `dup_acks = 0`, `self.rto.end_back_off()`, restart the timer (or stop
    ///   it). During a recovery, an ACK below `self.recover` (a partial ACK)
    ///   re-sends the new oldest chunk at once; one that reaches it ends the
    ///   recovery.
    /// - `seq == self.base` with chunks in flight: a duplicate. The third one,
    ///   outside a recovery: fast retransmit (`self.resend_oldest()`) and start
    ///   a recovery.
    /// - Anything else (old news, or more than we sent): ignore it.
    ///
    /// ko: 누적 ACK: `seq`보다 작은 조각은 모두 도착했습니다.
    ///
    /// - 새로 확인됨(`self.base < seq <= self.base + self.in_flight.len()`, 보낸 것의 범위
    ///   안): `self.in_flight`에서 빼냅니다. Karn의 규칙: 그 가운데 다시 보낸 것이 없을 때만,
    ///   가장 최근 것을 보낸 뒤 지난 시간으로 `self.rto.sample`을 부릅니다. 그다음 `base`,
    ///   윈도, `dup_acks = 0`, `self.rto.end_back_off()`, 타이머 다시 시작(또는 멈춤). 복구
    ///   중에 `self.recover`보다 작은 ACK(부분 ACK)은 새로 가장 오래된 조각을 곧바로 다시
    ///   보냅니다. 거기에 닿는 ACK은 복구를 끝냅니다.
    /// - 보낸 조각이 있는데 `seq == self.base`: 중복입니다. 복구 중이 아닐 때 세 번째 중복이면
    ///   빠른 재전송(`self.resend_oldest()`)을 하고 복구를 시작합니다.
    /// - 그 밖의 것(지난 소식, 또는 보낸 것보다 많음): 무시합니다.
    fn on_ack(&mut self, seq: u32, window: u16) -> Result<(), String> {
        // ko: on_ack: 새로 확인됨(Karn의 규칙, sample, end_back_off, 부분 ACK), 또는 중복(DUP_ACKS 번째에 resend_oldest)
        todo!(
            "on_ack: new ground (Karn's rule, sample, end_back_off, partial ACK) or a duplicate (resend_oldest at DUP_ACKS)"
        )
    }

    /// en: Re-sends chunk `base` (`self.in_flight.front_mut()`): mark it
    /// `resent`, update `sent_at`, `self.send` its bytes, restart the timer.
    /// ko: `base`번 조각(`self.in_flight.front_mut()`)을 다시 보냅니다. `resent`로 표시하고
    /// `sent_at`을 바꾸고, 그 바이트를 `self.send`로 보내고, 타이머를 다시 시작합니다.
    fn resend_oldest(&mut self) -> Result<(), String> {
        // ko: resend_oldest: in_flight.front_mut(), resent = true, sent_at, send, 타이머 다시 시작
        todo!(
            "resend_oldest: in_flight.front_mut(), resent = true, sent_at, send, restart the timer"
        )
    }

    /// en: Sends `Datagram::Fin` (`chunks`, `size`, the digest from
    /// `self.source.hasher.clone().finalize()`) until `self.wait_for_ack()`
    /// returns ACK n + 1; re-send it with `self.rto.back_off()` each time the
    /// timer runs out.
    /// ko: `self.wait_for_ack()`가 ACK n + 1을 돌려줄 때까지 `Datagram::Fin`(`chunks`,
    /// `size`, `self.source.hasher.clone().finalize()`의 다이제스트(digest))을 보냅니다.
    /// 타이머가 다 될 때마다 `self.rto.back_off()`를 하고 다시 보냅니다.
    fn send_fin(&mut self) -> Result<(), String> {
        // ko: send_fin: FIN을 보내고, ACK n + 1이 올 때까지 타이머마다 back_off와 함께 다시 보내기
        todo!("send_fin: send the FIN, re-send it with back_off on each timeout until ACK n + 1")
    }

    /// en: Waits until the next valid ACK (`Some((seq, window))`) or until the
    /// timer fires (`None`); an error after `GIVE_UP` without a valid ACK.
    /// `set_read_timeout` with the time left to the earlier of the timer and the
    /// give-up, then `recv`: `ErrorKind::Interrupted` means again, `is_timeout`
    /// is `None`, `is_refused` is `self.refused("receive ACK", err)`. Skip
    /// datagrams that do not decode to an ACK; a valid ACK updates
    /// `self.last_ack`.
    ///
    /// ko: 다음 올바른 ACK(`Some((seq, window))`)나 타이머가 울릴 때(`None`)까지 기다립니다.
    /// 올바른 ACK 없이 `GIVE_UP`이 지나면 오류입니다. 타이머와 포기 시각 가운데 이른 쪽까지
    /// 남은 시간으로 `set_read_timeout`을 부르고 `recv`합니다. `ErrorKind::Interrupted`는
    /// 다시, `is_timeout`은 `None`, `is_refused`는 `self.refused("receive ACK", err)`입니다.
    /// ACK으로 디코딩되지 않는 데이터그램은 건너뛰고, 올바른 ACK은 `self.last_ack`을 바꿉니다.
    fn wait_for_ack(&mut self) -> Result<Option<(u32, u16)>, String> {
        // ko: wait_for_ack: GIVE_UP 확인, set_read_timeout, recv, Datagram::decode, ACK만 남기기
        todo!(
            "wait_for_ack: check GIVE_UP, set_read_timeout, recv, Datagram::decode, keep only an ACK"
        )
    }

    /// en: Sends one datagram: one `self.socket.send`. An `is_refused` error is
    /// `self.refused("send", err)`; any other names the address.
    /// ko: 데이터그램 하나를 보냅니다: `self.socket.send` 한 번. `is_refused` 오류는
    /// `self.refused("send", err)`이고, 그 밖의 오류에는 주소를 적습니다.
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        // ko: send: self.socket.send(bytes), is_refused이면 Err(self.refused("send", err)), 그 밖의 오류에는 주소를 적기
        todo!(
            "send: self.socket.send(bytes), Err(self.refused(\"send\", err)) on is_refused, the address on any other error"
        )
    }

    /// en: The message when nothing listens at the address.
    /// ko: 그 주소에서 아무도 기다리지 않을 때의 메시지입니다.
    fn refused(&self, step: &str, err: io::Error) -> String {
        format!(
            "{step} {}: nothing listens at that address (ICMP port unreachable: {err})",
            self.addr
        )
    }
}
