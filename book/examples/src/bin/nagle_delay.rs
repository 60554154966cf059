//! Nagle's algorithm meets delayed ACK: a request written in two small
//! writes waits for a timer on every round trip.
//!
//! A tiny request/response protocol over 127.0.0.1: each request is a 2-byte
//! length header and a body, each reply one small write. The client runs the
//! same round trips three ways:
//! 1. two writes (header, then body), Nagle's algorithm on (the default);
//! 2. two writes with `set_nodelay(true)` (TCP_NODELAY);
//! 3. Nagle on, but the request built in a buffer and sent in one write.
//!
//! It prints, for each, the total time, the time per round trip and how many
//! round trips took 20 ms or more, then the ratio of the first two. The
//! chapter "Socket options" runs it and explains the numbers.
//!
//! ```text
//! cargo run -p book-examples --bin nagle_delay -- [ROUNDS] [--lang en|ko]
//! ```
//!
//! `--lang ko` prints the same lines, with the same numbers, in Korean.

use std::env;
use std::io::{self, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Round trips per way, unless the command line says otherwise.
const DEFAULT_ROUNDS: u32 = 20;

/// At most this many round trips per way, so a typo cannot run for hours.
const MAX_ROUNDS: u32 = 1000;

/// A round trip this slow counts as stalled: loopback answers in well under
/// a millisecond, a delayed-ACK timer fires after tens of milliseconds.
const STALL: Duration = Duration::from_millis(20);

/// The body of every request; the reply is `ok` and the body's length.
const BODY: &[u8] = b"GET /status";

/// A reply that takes longer than this means the server is gone.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How the client puts a request on the wire.
#[derive(Clone, Copy)]
enum Way {
    /// Header and body in two writes, Nagle's algorithm on.
    TwoWrites,
    /// Header and body in two writes, TCP_NODELAY set.
    TwoWritesNodelay,
    /// Header and body gathered in a buffer, one write, Nagle on.
    OneWrite,
}

impl Way {
    /// Its name, padded to one width (a Hangul syllable is two columns wide).
    fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Way::TwoWrites, Lang::En) => "two writes, Nagle on   ",
            (Way::TwoWritesNodelay, Lang::En) => "two writes, TCP_NODELAY",
            (Way::OneWrite, Lang::En) => "one write,  Nagle on   ",
            (Way::TwoWrites, Lang::Ko) => "쓰기 두 번, 네이글 켬  ",
            (Way::TwoWritesNodelay, Lang::Ko) => "쓰기 두 번, TCP_NODELAY",
            (Way::OneWrite, Lang::Ko) => "쓰기 한 번, 네이글 켬  ",
        }
    }
}

/// The language of the output's words (the numbers are the same).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Ko,
}

/// What one way measured.
struct Measured {
    total: Duration,
    stalled: u32,
}

/// `[ROUNDS] [--lang en|ko]`, in any order.
fn parse(args: &[String]) -> Option<(u32, Lang)> {
    let (mut rounds, mut lang) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--lang" {
            lang = match args.next().map(String::as_str) {
                Some("en") if lang.is_none() => Some(Lang::En),
                Some("ko") if lang.is_none() => Some(Lang::Ko),
                _ => return None,
            };
        } else {
            match arg.parse::<u32>() {
                Ok(n) if rounds.is_none() && (1..=MAX_ROUNDS).contains(&n) => rounds = Some(n),
                _ => return None,
            }
        }
    }
    Some((rounds.unwrap_or(DEFAULT_ROUNDS), lang.unwrap_or(Lang::En)))
}

fn main() -> io::Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some((rounds, lang)) = parse(&args) else {
        eprintln!("usage: nagle_delay [ROUNDS] [--lang en|ko]  (ROUNDS: 1 to {MAX_ROUNDS})");
        std::process::exit(2);
    };
    let body = BODY.len();
    match lang {
        Lang::En => println!("{rounds} round trips each, a {body}-byte body"),
        Lang::Ko => println!("방법마다 왕복 {rounds}번, 본문 {body}바이트"),
    }
    let mut results = Vec::new();
    for way in [Way::TwoWrites, Way::TwoWritesNodelay, Way::OneWrite] {
        let m = run(way, rounds)?;
        let per_trip = m.total / rounds;
        let (label, stalled, stall) = (way.label(lang), m.stalled, STALL.as_millis());
        let (total, per_trip) = (m.total.as_secs_f64() * 1e3, per_trip.as_secs_f64() * 1e3);
        match lang {
            Lang::En => println!(
                "{label}: {total:8.1} ms in all, {per_trip:6.2} ms per round trip, {stalled} of {rounds} took >= {stall} ms"
            ),
            Lang::Ko => println!(
                "{label}: 모두 {total:8.1} ms, 왕복당 {per_trip:6.2} ms, {stalled}/{rounds}번이 {stall} ms 이상"
            ),
        }
        results.push(m);
    }
    let ratio = results[0].total.as_secs_f64() / results[1].total.as_secs_f64();
    match lang {
        Lang::En => println!("Nagle on / TCP_NODELAY: {ratio:.0} times slower"),
        Lang::Ko => println!("네이글 켬 / TCP_NODELAY: {ratio:.0}배 느림"),
    }
    Ok(())
}

/// One connection, `rounds` requests and replies, written the given way.
fn run(way: Way, rounds: u32) -> io::Result<Measured> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || serve(listener));

    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    // ANCHOR: nodelay
    if matches!(way, Way::TwoWritesNodelay) {
        // en: setsockopt(TCP_NODELAY): send every write at once, even while
        // earlier bytes are unacknowledged. Small writes then become small
        // segments (40 bytes of headers each), so set it only when you
        // decide yourself when to send.
        // ko: setsockopt(TCP_NODELAY): 앞서 보낸 바이트가 아직 확인 응답을 받지 못했어도
        // 쓰기마다 바로 보냅니다. 작은 쓰기는 작은 세그먼트(각각 헤더 40바이트)가 되므로,
        // 언제 보낼지를 직접 정하는 프로그램에서만 켭니다.
        stream.set_nodelay(true)?;
    }
    // ANCHOR_END: nodelay

    let mut stalled = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        let began = Instant::now();
        request(&mut stream, way)?;
        let mut reply = [0u8; 3];
        stream.read_exact(&mut reply)?;
        if &reply[..2] != b"ok" || usize::from(reply[2]) != BODY.len() {
            return Err(io::Error::other(format!("protocol error: reply {reply:?}")));
        }
        if began.elapsed() >= STALL {
            stalled += 1;
        }
    }
    let total = start.elapsed();

    // en: Our FIN ends the server's loop: its read_exact sees end of stream.
    // ko: 우리 FIN이 서버의 반복을 끝냅니다. 서버의 read_exact가 스트림의 끝을 봅니다.
    drop(stream);
    server.join().expect("server thread panicked")?;
    Ok(Measured { total, stalled })
}

/// Sends one request: a 2-byte big-endian length, then the body.
fn request(stream: &mut TcpStream, way: Way) -> io::Result<()> {
    let header = u16::try_from(BODY.len()).expect("short body").to_be_bytes();
    match way {
        // ANCHOR: two_writes
        Way::TwoWrites | Way::TwoWritesNodelay => {
            // en: The header leaves at once: nothing is in flight. The body
            // is small and the header is not yet acknowledged, so with
            // Nagle on it waits in the send buffer until the ACK comes.
            // ko: 헤더는 바로 나갑니다. 날아가는 중인 데이터가 없기 때문입니다. 본문은 작고
            // 헤더는 아직 확인 응답을 받지 못했으므로, 네이글 알고리즘이 켜져 있으면 본문은
            // ACK이 올 때까지 송신 버퍼에서 기다립니다.
            stream.write_all(&header)?;
            stream.write_all(BODY)?;
        }
        // ANCHOR_END: two_writes
        // ANCHOR: one_write
        Way::OneWrite => {
            // en: Gather the request in user space; flush() makes one send(2),
            // so header and body travel in one segment and nothing waits.
            // ko: 요청을 사용자 공간에서 모읍니다. flush()가 send(2)를 한 번 하므로 헤더와
            // 본문이 세그먼트 하나로 함께 가고, 기다리는 것이 없습니다.
            let mut out = BufWriter::new(&mut *stream);
            out.write_all(&header)?;
            out.write_all(BODY)?;
            out.flush()?;
        } // ANCHOR_END: one_write
    }
    Ok(())
}

/// The server: for each request, read the header, then the body, then
/// answer in one write. It cannot answer before the body is there.
fn serve(listener: TcpListener) -> io::Result<()> {
    let (mut stream, _peer) = listener.accept()?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    loop {
        // ANCHOR: serve
        let mut header = [0u8; 2];
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            // en: End of stream between requests: the client is done.
            // ko: 요청 사이에서 스트림이 끝났습니다. 클라이언트가 다 끝낸 것입니다.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        // en: The header has arrived, but there is nothing to send yet, so the
        // kernel delays its ACK, hoping to piggyback it on a reply (delayed
        // ACK). The client's body waits for that very ACK.
        // ko: 헤더는 도착했지만 아직 보낼 것이 없으므로, 커널은 응답에 얹어 보내기를
        // 바라며 ACK을 미룹니다(지연 ACK). 클라이언트의 본문은 바로 그 ACK을 기다립니다.
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(header))];
        stream.read_exact(&mut body)?;
        let len = u8::try_from(body.len()).unwrap_or(u8::MAX);
        stream.write_all(&[b'o', b'k', len])?;
        // ANCHOR_END: serve
    }
}
