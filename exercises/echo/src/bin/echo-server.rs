//! en:
//! # Exercise 1 · Echo server
//!
//! A client connects and sends bytes. Your server writes each byte back as
//! soon as it arrives, in order, without waiting for the client to finish.
//! When the client half-closes (sends no more), the server finishes writing
//! what it still owes and closes. Then it serves the next client.
//!
//! Usage: `echo-server [--listen ADDR]` (default `127.0.0.1:7878`). Once it
//! is ready for clients, it prints exactly one line to stdout:
//! `listening on <ip>:<port>`. Diagnostics go to stderr (`eprintln!`).
//!
//! The server's socket lifecycle: **create → bind → listen → accept →
//! read/write → close**. Fill in the `todo!()`s from top to bottom; grade
//! with `cargo xtask grade echo`. Chapter "Echo" of the book has the details.
//!
//! ko:
//! # 실습 1 · 에코 서버
//!
//! 클라이언트가 연결해서 바이트를 보냅니다. 서버는 클라이언트가 다 보내기를 기다리지 않고,
//! 바이트가 도착하는 대로 곧바로 순서대로 돌려보냅니다. 클라이언트가 절반 닫기(half-close)를
//! 하면(더 보내지 않으면) 아직 돌려보내지 못한 바이트를 마저 쓰고 연결을 닫습니다. 그다음
//! 클라이언트를 받습니다.
//!
//! 사용법: `echo-server [--listen ADDR]`(기본값 `127.0.0.1:7878`). 클라이언트를 받을 준비가
//! 되면 표준 출력(stdout)에 정확히 한 줄을 찍습니다: `listening on <ip>:<port>`. 진단 메시지는
//! 표준 오류(stderr)로 보냅니다(`eprintln!`).
//!
//! 서버 소켓(socket)의 생애 주기: **생성 → 바인드(bind) → 리슨(listen) → 수락(accept) →
//! 읽기/쓰기 → 닫기**. `todo!()`를 위에서부터 차례로 채우고 `cargo xtask grade echo`로
//! 채점하세요. 자세한 내용은 책의 '에코' 장에 있습니다.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;

/// en: Where the server listens unless `--listen` says otherwise.
/// ko: `--listen`으로 따로 정하지 않을 때 서버가 리슨하는 주소입니다.
const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// en: How many bytes one `read` may return (any size is correct). Used by `echo`.
/// ko: `read` 한 번이 돌려줄 수 있는 최대 바이트 수입니다(어떤 크기든 맞습니다). `echo`가 씁니다.
#[allow(dead_code)]
const BUF_SIZE: usize = 8 * 1024;

fn main() {
    let addr = listen_addr();
    let listener = open_listener(&addr);
    serve_forever(listener);
}

/// en: Reads `--listen ADDR` (or `--listen=ADDR`) from the command line. (Given.)
/// ko: 명령줄에서 `--listen ADDR`(또는 `--listen=ADDR`)을 읽습니다. (주어진 코드입니다.)
fn listen_addr() -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = DEFAULT_LISTEN.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => addr = value,
                None => usage(),
            },
            _ => match arg.strip_prefix("--listen=") {
                Some(value) => addr = value.to_string(),
                None => usage(),
            },
        }
    }
    addr
}

fn usage() -> ! {
    eprintln!("usage: echo-server [--listen ADDR]");
    exit(2);
}

/// en: Steps 1–3: **create** a socket, **bind** it to `addr`, and **listen**.
///
/// - `TcpListener::bind(addr)` does all three (socket, bind, listen).
/// - On error, print `bind <addr>: <error>` to stderr and `exit(1)`.
/// - Then print `listening on <ip>:<port>` with `listener.local_addr()`: with
///   port 0 the kernel picks the port, and only the socket knows which.
///
/// ko: 1–3단계: 소켓을 **생성**하고, `addr`에 **바인드**하고, **리슨**합니다.
///
/// - `TcpListener::bind(addr)` 하나가 세 가지(소켓 생성, 바인드, 리슨)를 모두 합니다.
/// - 오류가 나면 표준 오류에 `bind <addr>: <error>`를 찍고 `exit(1)`합니다.
/// - 그다음 `listener.local_addr()`로 `listening on <ip>:<port>`를 찍습니다. 포트가 0이면
///   커널이 포트를 고르고, 어느 포트인지는 소켓만 압니다.
#[allow(unused_variables)]
fn open_listener(addr: &str) -> TcpListener {
    // ko: 1–3단계: TcpListener::bind 다음 println!("listening on {}", local_addr)
    todo!("steps 1–3: TcpListener::bind, then println!(\"listening on {{}}\", local_addr)")
}

/// en: Step 4: **accept** clients one after another, forever.
///
/// - `for incoming in listener.incoming()` calls accept() each time round.
/// - Each `Ok(stream)` is a new socket connected to one client: pass it to
///   `echo`. If `echo` returns an error, print it with `eprintln!` and go on:
///   one broken client must not stop the server.
///
/// ko: 4단계: 클라이언트를 하나씩 차례로, 끝없이 **수락**합니다.
///
/// - `for incoming in listener.incoming()`은 한 바퀴마다 accept()를 부릅니다.
/// - `Ok(stream)` 하나하나가 클라이언트 하나와 연결된 새 소켓입니다. `echo`에 넘기세요.
///   `echo`가 오류를 돌려주면 `eprintln!`으로 찍고 계속합니다. 클라이언트 하나가 잘못되었다고
///   서버가 멈추면 안 됩니다.
#[allow(unused_variables)]
fn serve_forever(listener: TcpListener) {
    // ko: 4단계: listener.incoming()을 반복하며 echo(stream) 호출
    todo!("step 4: loop over listener.incoming() and call echo(stream)")
}

/// en: Steps 5–6: **read/write** until the client half-closes, then **close**.
///
/// - `stream.read(&mut buf)` returns how many bytes arrived (any number!);
///   `Ok(0)` means end of stream: the client will send nothing more.
/// - Write back exactly `buf[..n]` with `write_all` (plain `write` may take
///   fewer bytes than you give it).
/// - At end of stream, `stream.shutdown(Shutdown::Write)`: your FIN goes out
///   after the echoed bytes. Returning drops the stream: that is close.
///
/// ko: 5–6단계: 클라이언트가 절반 닫기를 할 때까지 **읽기/쓰기**를 하고, 그다음 **닫습니다**.
///
/// - `stream.read(&mut buf)`는 도착한 바이트 수를 돌려줍니다(몇 바이트든 될 수 있습니다!).
///   `Ok(0)`은 스트림 끝입니다. 클라이언트가 더는 아무것도 보내지 않습니다.
/// - 정확히 `buf[..n]`만 `write_all`로 돌려보내세요(그냥 `write`는 준 것보다 적게 쓸 수
///   있습니다).
/// - 스트림 끝에서 `stream.shutdown(Shutdown::Write)`: 돌려보낸 바이트 뒤에 FIN이 나갑니다.
///   함수에서 돌아가면 스트림이 drop됩니다. 그것이 닫기입니다.
///
/// en: `dead_code` is allowed until `serve_forever` calls it.
/// ko: `serve_forever`가 부르기 전까지는 `dead_code`를 허용합니다.
#[allow(unused_variables, unused_mut, dead_code)]
fn echo(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; BUF_SIZE];
    // ko: 5–6단계: Ok(0)까지 읽고, 조각마다 write_all, 그다음 shutdown(Write)
    todo!("steps 5–6: read until Ok(0), write_all each piece, then shutdown(Write)")
}

// en: Keep the imports the solution needs; remove this line when you use them.
// ko: 답에 필요한 import를 남겨 두는 줄입니다. import를 쓰게 되면 이 줄을 지우세요.
#[allow(dead_code)]
fn _uses(_: &dyn Read, _: &dyn Write, _: Shutdown) {}
